"""What the report calls a finding's item: names where they help, references where they protect.

Customer folders are named after companies and the customer library's paths are not personal data, so
they are shown. Recruitment folders are named after applicants: without ``include_names`` an applicant's
item reads "søkermappe 2026-01 (4 filer, ref. DB4130)" — the month the folder's name starts with, how many
files it holds and a stable short reference to the item — never the name and never a 34-character Graph id as the main text (the full id is
in the finding's detail column and the workbook).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from m365_compliance.config.schema import Config
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.report.model import FindingWords
from m365_compliance.rules.finding_texts import Language, finding_text, scope_words, short_ref
from m365_compliance.rules.findings import Finding

_MONTH = re.compile(r"^(\d{4}-\d{2}(?:-\d{2})?)\b")


def folder_label(name: str, item_id: str) -> str:
    """An applicant folder without its name: the month its name starts with and a short reference
    (``2026-07 (ref. 80472B)``), or the reference alone."""
    match = _MONTH.match(name)
    ref = f"ref. {short_ref(item_id)}"
    return f"{match.group(1)} ({ref})" if match else ref


@dataclass(frozen=True)
class Names:
    """Where the applicant folders sit (``[recruitment] folder`` and ``folder_depth``): enough to name an applicant's
    item by its folder's month without its name."""

    recruitment_folder: str = ""
    folder_depth: int = 1
    files: tuple[tuple[str, int], ...] = ()  # (applicant folder id, files in it), from the evaluated snapshot
    people: tuple[tuple[str, str], ...] = ()  # (principal key, display name): shown only with include_names

    @classmethod
    def of(cls, config: Config, snapshot: Snapshot | None = None, include_names: bool = False) -> Names:
        scope = snapshot.scopes.get("recruitment") if snapshot is not None else None
        files = tuple((u.id, sum(not i.is_folder for i in scope.descendants(u.id))) for u in scope.units()) \
            if scope is not None and scope.base_folder_id is not None else ()
        people = tuple((k, p.display_name or p.email or "") for k, p in snapshot.principals.items()) \
            if snapshot is not None and include_names else ()
        return cls(config.recruitment.folder.strip("/"), config.recruitment.folder_depth, files, people)

    def words(self, f: Finding, lang: Language, include_names: bool) -> FindingWords:
        subject = self.subject(f, lang, include_names)
        text = finding_text(self._named(f) if include_names else f, lang, subject)
        return FindingWords(text.title, text.message, text.remediation, subject)

    def _named(self, f: Finding) -> Finding:
        """The finding with the person it is about named in its evidence (``--include-names`` only)."""
        evidence = dict(f.evidence)
        name = dict(self.people).get(evidence.get("principal", ""))
        if name:
            evidence["principalName"] = name
        if f.rule_id == "c4.unknown-contact" and evidence.get("contact"):
            evidence["contactName"] = evidence["contact"]
        return replace(f, evidence=tuple(sorted(evidence.items())))

    def subject(self, f: Finding, lang: Language, include_names: bool) -> str:
        nb = lang == "nb"
        evidence = dict(f.evidence)
        if f.rule_id == "coverage.not-evaluated":
            return scope_words(f.scope, lang)
        if f.scope == "register" or (evidence.get("row") and not f.item_id):
            row, agreement = evidence.get("row", "?"), evidence.get("agreement")
            text = f"registerrad {row}" if nb else f"register row {row}"
            return f"{text} ({'avtale' if nb else 'agreement'} {agreement})" if agreement else text
        if f.scope == "recruitment" and not include_names:
            return self._applicant(f, lang)
        if f.path is not None:
            return f.path if f.path.strip("/") else ("bibliotekets rot" if nb else "the library root")
        return _item(f.item_id, lang)

    def _applicant(self, f: Finding, lang: Language) -> str:
        nb = lang == "nb"
        ref = f"ref. {short_ref(f.item_id)}" if f.item_id else ""
        if f.path is None:
            return _item(f.item_id, lang)
        if f.rule_id == "c2.outside-applicant-folder":
            where = f"{'en fil i' if nb else 'a file in'} {scope_words('recruitment', lang)}"
            return f"{where} ({ref})" if ref else where
        parts = [p for p in f.path.strip("/").split("/") if p]
        base = [p for p in self.recruitment_folder.split("/") if p]
        below = parts[len(base):] if parts[:len(base)] == base else parts
        if len(below) < self.folder_depth:  # the recruitment folder itself (or a folder above the applicants)
            return f"{scope_words('recruitment', lang)} ({ref})" if ref else scope_words("recruitment", lang)
        folder = below[self.folder_depth - 1]
        match = _MONTH.match(folder)
        named = (f"søkermappe {match.group(1)}" if nb else f"applicant folder {match.group(1)}") if match else \
            ("en søkermappe" if nb else "an applicant folder")
        if len(below) > self.folder_depth:
            named = f"{'en fil i' if nb else 'a file in'} {named}"
        elif f.item_id is not None and (count := dict(self.files).get(f.item_id)) is not None:
            files = (("fil", "filer") if nb else ("file", "files"))[count != 1]
            ref = f"{count} {files}, {ref}"  # the folder itself: how much it holds
        return f"{named} ({ref})" if ref else named


def _item(item_id: str | None, lang: Language) -> str:
    if item_id is None:
        return "elementet" if lang == "nb" else "the item"
    return f"{'element' if lang == 'nb' else 'item'} ref. {short_ref(item_id)}"
