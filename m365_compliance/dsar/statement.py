"""The closing statement of a case: what was searched, found, given, deleted and kept, and why.

Kept twice: as JSON (``…-statement.json``, for the record and for machines) and as a letter to the
data subject in Norwegian (bokmål) followed by English (``…-statement.txt``). Both name the subject
and their files, so both are written 0600 and belong with the case, never in a log or a report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from m365_compliance.config.schema import Config
from m365_compliance.dsar.model import Case
from m365_compliance.private_files import write_private
from m365_compliance.terminal_text import safe_json

Outcome = Literal["nothing_found", "access_provided", "erased", "corrected"]
FORMAT = "m365-compliance/dsar-statement@1"
_KIND_NB = {"access": "innsyn", "erasure": "sletting", "correction": "retting"}
_KIND_EN = {"access": "access", "erasure": "erasure", "correction": "correction"}
_WORDS = {"nb": ("elementer", "til"), "en": ("items", "until")}
RECYCLE_NB = ("Slettede filer ligger i SharePoints papirkurv i inntil 93 dager før de fjernes for godt; i den "
              "tiden kan de bare gjenopprettes av en administrator.")
RECYCLE_EN = ("Deleted files stay in SharePoint's recycle bin for up to 93 days before they are removed for good; "
              "until then only an administrator can restore them.")


@dataclass(frozen=True)
class Closing:
    """What a case ends with; lists hold plain dicts (path, items, reason, keepUntil, …)."""

    outcome: Outcome
    deleted: Sequence[dict[str, Any]] = ()
    kept: Sequence[dict[str, Any]] = ()
    notes: Sequence[dict[str, Any]] = ()  # corrections and closing notes: {"at", "by", "text"}
    exported: dict[str, Any] | None = None
    permanent: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    erased_ids: tuple[str, ...] = ()  # every item deleted, for forgetting their paths elsewhere in the store


def build_statement(case: Case, closing: Closing, config: Config, now: datetime) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "case": case.case_id,
        "kind": case.kind,
        "controller": config.tenant.organization,
        "subject": {"email": case.subject_email, "name": case.subject_name},
        "received": case.received.isoformat(),
        "due": case.due.isoformat(),
        "extension": ({"months": case.extension_months, "reason": case.extension_reason}
                      if case.extension_months else None),
        "closedAt": now.isoformat(),
        "policyVersion": config.policy_version,
        "searched": {"snapshotRunId": case.snapshot_run_id,
                     "foundAt": case.found_at.isoformat() if case.found_at else None,
                     "notes": list(case.find_notes)},
        "outcome": closing.outcome,
        "exported": closing.exported,
        "deleted": list(closing.deleted),
        "deletedTo": "permanently" if closing.permanent else "recycle bin",
        "kept": list(closing.kept),
        "notes": list(closing.notes),
        **closing.extra,
    }


def letter(statement: dict[str, Any]) -> str:
    """The statement as a letter: Norwegian first, then English."""
    s = statement
    who = f"{s['subject']['name']} <{s['subject']['email']}>" if s["subject"]["name"] else s["subject"]["email"]
    closed = s["closedAt"][:10]
    nb = [f"Svar på henvendelse om personopplysninger (sak {s['case']})", f"{s['controller']}, {closed}", "",
          f"Til: {who}", "",
          (f"Vi mottok forespørselen din om {_KIND_NB[s['kind']]} {s['received']}. Fristen for å svare er "
          f"{s['due']} (personvernforordningen artikkel 12 nr. 3).")]
    en = [f"Reply to your request about personal data (case {s['case']})", f"{s['controller']}, {closed}", "",
          f"To: {who}", "",
          (f"We received your request for {_KIND_EN[s['kind']]} on {s['received']}. The deadline for our reply is "
          f"{s['due']} (GDPR Article 12(3)).")]
    if s["extension"]:
        nb.append(f"Fristen ble forlenget med {s['extension']['months']} måned(er): {s['extension']['reason']}")
        en.append(f"The deadline was extended by {s['extension']['months']} month(s): {s['extension']['reason']}")
    nb += ["", *_body_nb(s)]
    en += ["", *_body_en(s)]
    if s["searched"]["notes"]:
        nb += ["", "Om søket (på engelsk):", *(f"- {n}" for n in s["searched"]["notes"])]
        en += ["", "About the search:", *(f"- {n}" for n in s["searched"]["notes"])]
    nb += ["", ("Du kan klage til Datatilsynet (www.datatilsynet.no) hvis du mener vi behandler "
               "personopplysningene dine i strid med regelverket.")]
    en += ["", ("You may complain to the Norwegian Data Protection Authority (Datatilsynet, www.datatilsynet.no) if "
               "you think we process your personal data unlawfully.")]
    return "\n".join([*nb, "", "-" * 72, "", *en, ""])


def write_statement(statement: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    base = out_dir / f"{statement['case']}-statement"
    json_path = write_private(base.with_suffix(".json"), (safe_json(statement, indent=2, sort_keys=True)
                                                          + "\n").encode())
    return json_path, write_private(base.with_suffix(".txt"), letter(statement).encode())


def _listing(entries: Sequence[dict[str, Any]], lang: str) -> list[str]:
    items_word, until_word = _WORDS[lang]
    lines = []
    for e in entries:
        count = f" ({e['items']} {items_word})" if e.get("items", 1) > 1 else ""
        until = f" [{until_word} {e['keepUntil']}]" if e.get("keepUntil") else ""
        why = f": {e['reason']}" if e.get("reason") else ""
        lines.append(f"- {e['path']}{count}{until}{why}")
        lines += [f"    - {inside}" for inside in e.get("contents", ())]
    return lines


def _body_nb(s: dict[str, Any]) -> list[str]:
    outcome = s["outcome"]
    if outcome == "nothing_found":
        return [("Vi har søkt i rekrutterings- og kundeområdene våre i Microsoft 365 og fant ingen "
                "personopplysninger om deg. Saken er avsluttet.")]
    if outcome == "access_provided":
        files = (s["exported"] or {}).get("files", 0)
        return [(f"Du har fått en kopi av opplysningene (artikkel 15): {files} filer i en zip-fil med en oversikt "
                "(manifest.json / manifest.csv) over hvor de ligger, datoer, formål og hvor lenge de lagres.")]
    if outcome == "corrected":
        return ["Opplysningene er rettet (artikkel 16):", *(f"- {n['at'][:10]}: {n['text']}" for n in s["notes"])]
    lines = [f"Slettet (artikkel 17), {'permanent' if s['deletedTo'] == 'permanently' else 'til papirkurven'}:"]
    lines += _listing(s["deleted"], "nb") or ["- ingenting"]
    lines += ["", "Beholdt, med begrunnelse (på engelsk) og dato de kan slettes:"]
    lines += _listing(s["kept"], "nb") or ["- ingenting"]
    if s["deletedTo"] != "permanently":
        lines += ["", RECYCLE_NB]
    return lines


def _body_en(s: dict[str, Any]) -> list[str]:
    outcome = s["outcome"]
    if outcome == "nothing_found":
        return [("We searched our recruitment and customer areas in Microsoft 365 and found no personal data about "
                "you. The case is closed.")]
    if outcome == "access_provided":
        files = (s["exported"] or {}).get("files", 0)
        return [(f"You have received a copy of your data (Article 15): {files} files in a zip file with an overview "
                "(manifest.json / manifest.csv) of where they are, their dates, purpose and how long they are kept.")]
    if outcome == "corrected":
        return ["Your data was corrected (Article 16):", *(f"- {n['at'][:10]}: {n['text']}" for n in s["notes"])]
    lines = [f"Deleted (Article 17), {'permanently' if s['deletedTo'] == 'permanently' else 'to the recycle bin'}:"]
    lines += _listing(s["deleted"], "en") or ["- nothing"]
    lines += ["", "Kept, with the reason and the date it can go:"]
    lines += _listing(s["kept"], "en") or ["- nothing"]
    if s["deletedTo"] != "permanently":
        lines += ["", RECYCLE_EN]
    return lines
