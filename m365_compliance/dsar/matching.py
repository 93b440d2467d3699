"""What the configured scopes hold about a person: the matching rules, pure over the snapshot.

In order of certainty (docs/dsar.md has the table):

1. ``email column``: an applicant folder whose ``recruitment.email_column`` holds the subject's e-mail (exact).
2. ``register contact``: a customer folder whose agreement names the subject (by e-mail, or by the
   object id of a tenant user or guest with that e-mail) as a contact person (exact; for an erasure
   while the agreement runs, a person confirms first: P4 keeps customer data for the agreement period).
3. ``name in folder name``: an applicant or customer folder whose name contains the subject's name
   as whole words (needs confirmation; a name in more than one folder says so).
4. ``name in file name`` and ``created or modified by the subject``: single files elsewhere in the
   scopes (need confirmation: the file may be by them without being about them).

A matched folder covers everything in it; nothing below it is matched again. What could not be
searched (a scope, the register or folder columns unreadable) becomes a note: "not searched" is
never the same as "nothing found".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import quote

from m365_compliance.config.schema import Config
from m365_compliance.dsar.model import (
    RULE_AUTHOR,
    RULE_EMAIL_COLUMN,
    RULE_NAME_FILE,
    RULE_NAME_FOLDER,
    RULE_REGISTER,
    Case,
    Confidence,
    Match,
    MatchItem,
    Scope,
)
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot
from m365_compliance.model import DriveItem
from m365_compliance.rules import cells
from m365_compliance.rules.agreement_register import (
    Agreement,
    Register,
    folder_key,
    read_register,
)

SCOPES: tuple[Scope, ...] = ("recruitment", "customers")
#: Inventory gaps that leave part of what a person's data could be in unread (permission gaps do not).
_SEARCH_GAPS = frozenset({"resolve site and library", "delta", "find folder", "unit columns", "read register",
                          "list users"})


@dataclass(frozen=True)
class Found:
    matches: tuple[Match, ...]
    notes: tuple[str, ...]  # what could not be searched and why
    complete: bool  # False: some place the person's data could be was not searched ("not evaluated")


def match_id(case_id: str, drive_id: str, item_id: str) -> str:
    """Stable across repeated finds, so a person's decision stays with the item it was about."""
    return "m-" + hashlib.sha256(f"{case_id}|{drive_id}|{item_id}".encode()).hexdigest()[:8]


def web_url(scope: ScopeSnapshot, item: DriveItem) -> str:
    return scope.library.web_url + quote(scope.path(item))


def match_items(scope: ScopeSnapshot, item: DriveItem) -> tuple[MatchItem, ...]:
    """The item and everything below it, as the snapshot shows them."""
    return tuple(MatchItem(i.id, scope.path(i), i.is_folder, i.size, i.created, i.modified)
                 for i in (item, *scope.descendants(item.id)))


def subject_ids(snapshot: Snapshot, email: str) -> frozenset[str]:
    """Directory object ids of the tenant users and guests whose mail is the subject's."""
    return frozenset(p.id for p in snapshot.principals.values() if (p.email or "").lower() == email)


def agreements_naming(register: Register, email: str, ids: Iterable[str]) -> list[Agreement]:
    """The register's agreements that name the subject (by e-mail or directory object id) as a contact."""
    keys = {email, *ids}
    return [a for a in register.agreements if keys & set(a.contacts)]


def name_pattern(name: str | None) -> re.Pattern[str] | None:
    words = (name or "").split()
    if not words:
        return None
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w.casefold()) for w in words) + r"(?!\w)")


def find_matches(case: Case, snapshot: Snapshot, config: Config, today: date) -> Found:
    finder = _Finder(case, snapshot, config, today)
    finder.email_column()
    finder.register()
    finder.names_in_folders()
    finder.single_files()
    return Found(tuple(finder.matches.values()), tuple(finder.notes), not finder.incomplete)


class _Finder:
    def __init__(self, case: Case, snapshot: Snapshot, config: Config, today: date) -> None:
        self.case, self.snapshot, self.config, self.today = case, snapshot, config, today
        self.email = case.subject_email
        self.ids = subject_ids(snapshot, self.email)
        self.name = name_pattern(case.subject_name)
        self.matches: dict[str, Match] = {}
        self.covered: set[tuple[str, str]] = set()  # (drive, item) inside a match
        self.notes: list[str] = [_gap_note(g.scope, g.operation, g.status) for g in snapshot.gaps
                                 if g.operation in _SEARCH_GAPS]
        self.notes += [f"The {s} scope is not in the inventory: it was not searched." for s in SCOPES
                       if s not in snapshot.scopes]
        self.incomplete = bool(self.notes)

    def add(self, scope: ScopeSnapshot, item: DriveItem, rule: str, confidence: Confidence, reason: str,
            *, pending: bool) -> None:
        mid = match_id(self.case.case_id, scope.library.id, item.id)
        existing = self.matches.get(mid)
        if existing is not None:  # a weaker rule on the same item only adds to the reason
            self.matches[mid] = replace(existing, reason=f"{existing.reason} {reason}")
            return
        items = match_items(scope, item)
        self.matches[mid] = Match(mid, self.case.case_id, scope.scope, scope.library.id, item.id, rule,  # type: ignore[arg-type]
                                  confidence, "pending" if pending else "auto", reason, web_url(scope, item), items)
        self.covered.update((scope.library.id, i.item_id) for i in items)

    # ------------------------------------------------------------------ rules
    def email_column(self) -> None:
        column = self.config.recruitment.email_column
        scope = self.snapshot.scopes.get("recruitment")
        if scope is None:
            return
        if column is None:
            self.notes.append("recruitment.email_column is not configured: applicant folders were matched by "
                              "name only." + ("" if self.name else " No name was given, so they were not matched."))
            self.incomplete = self.incomplete or self.name is None
            return
        for unit in scope.units():
            if self.email in cells.people(unit.field(column))[0]:
                self.add(scope, unit, RULE_EMAIL_COLUMN, "exact",
                         f"The folder's {column} column holds the subject's e-mail.", pending=False)

    def register(self) -> None:
        scope = self.snapshot.scopes.get("customers")
        register = read_register(self.snapshot, self.config)
        units = {folder_key(u.name): u for u in scope.units()} if scope is not None else {}
        for agreement in agreements_naming(register, self.email, self.ids):
            folder = units.get(folder_key(agreement.folder))
            which = agreement.agreement_id or f"row {agreement.row_id}"
            if scope is None or folder is None:
                self.notes.append(f"The register names the subject in agreement {which}, which has no folder in "
                                  "the customer scope.")
                continue
            running = not agreement.ended(self.today) and not agreement.end_unknown
            hold = self.case.kind == "erasure" and running
            reason = f"Agreement {which} names the subject as a contact person."
            if hold:
                reason += (" The agreement runs: the policy keeps customer data for the agreement period (P4), "
                           "so confirm that the request covers it before anything is erased.")
            self.add(scope, folder, RULE_REGISTER, "exact", reason, pending=hold)

    def names_in_folders(self) -> None:
        if self.name is None:
            return
        for scope_name in SCOPES:
            scope = self.snapshot.scopes.get(scope_name)
            if scope is None:
                continue
            named = [u for u in scope.units() if self.name.search(u.name.casefold())]
            for unit in named:
                many = f" (the name is in {len(named)} {scope_name} folder names)" if len(named) > 1 else ""
                self.add(scope, unit, RULE_NAME_FOLDER, "name",
                         f"The folder name contains the subject's name{many}.", pending=True)

    def single_files(self) -> None:
        for scope_name in SCOPES:
            scope = self.snapshot.scopes.get(scope_name)
            if scope is None:
                continue
            for item in _files(scope.items.values()):
                if (scope.library.id, item.id) in self.covered:
                    continue
                if self.name is not None and self.name.search(item.name.casefold()):
                    self.add(scope, item, RULE_NAME_FILE, "name", "The file name contains the subject's name.",
                             pending=True)
                elif {item.created_by, item.modified_by} & self.ids:
                    self.add(scope, item, RULE_AUTHOR, "author", "The subject's account created or last modified "
                             "the file: confirm whether it is about them.", pending=True)


def _files(items: Iterable[DriveItem]) -> list[DriveItem]:
    return sorted((i for i in items if not i.is_folder and not i.is_root), key=lambda i: i.id)


def _gap_note(scope: str, operation: str, status: int | None) -> str:
    said = f" (HTTP {status})" if status else ""
    return (f"Not fully searched: the inventory's '{operation}' failed in the {scope} scope{said}, so what is "
            "there is unknown. Fix the access, run `m365-compliance inventory`, then `dsar find` again.")
