"""Data-subject requests as data: the case, what was found about the person, and the deadline.

GDPR Art. 12(3): the controller answers "without undue delay and in any event within one month of
receipt of the request"; the period "may be extended by two further months where necessary", and
the data subject must be told of the extension, with the reasons, within the first month. So the
due date is the receipt date plus one calendar month (clamped at the month's end: a request received
31 January is due 28/29 February), plus the months of a recorded extension, at most two in all.

A :class:`Match` is one folder or file found about the person, with *why* it matched and how sure
that is. Only an exact match (the subject's e-mail is on it) is acted on by itself; a match by name,
by authorship or by a tenant-wide search needs a person's confirmation first, and a rejected match
is never exported or erased.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, get_args

from m365_compliance.rules.dates import add_months

Kind = Literal["access", "erasure", "correction"]
KINDS: tuple[Kind, ...] = get_args(Kind)
Status = Literal["open", "awaiting_confirmation", "closed"]
#: exact: the subject's e-mail is on the item (e-mail column, register); author: the subject's account
#: created or last modified it; name: the subject's name is in its name; search: Microsoft Search found it.
Confidence = Literal["exact", "author", "name", "search"]
#: auto: exact, acted on by itself; pending: awaits `dsar confirm`; confirmed / rejected: a person decided.
MatchStatus = Literal["auto", "pending", "confirmed", "rejected"]
Scope = Literal["recruitment", "customers", "tenant"]

RESPONSE_MONTHS = 1  # Art. 12(3): within one month of receipt
MAX_EXTENSION_MONTHS = 2  # Art. 12(3): "by two further months"

RULE_EMAIL_COLUMN = "email column"
RULE_REGISTER = "register contact"
RULE_NAME_FOLDER = "name in folder name"
RULE_NAME_FILE = "name in file name"
RULE_AUTHOR = "created or modified by the subject"
RULE_SEARCH = "tenant search"


@dataclass(frozen=True, slots=True)
class MatchItem:
    """One file or folder a match covers (a matched folder covers everything in it)."""

    item_id: str
    path: str  # below the library root; may name the person (kept in the case records only)
    is_folder: bool
    size: int = 0
    created: datetime | None = None
    modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class Match:
    match_id: str
    case_id: str
    scope: Scope
    drive_id: str
    item_id: str  # the matched folder or file
    rule: str  # the strongest rule that matched (RULE_*)
    confidence: Confidence
    status: MatchStatus
    reason: str  # why it matched, in a sentence (may name the person: case records only)
    web_url: str
    items: tuple[MatchItem, ...]  # the item itself first, then everything below it
    decided_by: str | None = None
    decided_at: datetime | None = None

    @property
    def actionable(self) -> bool:
        """May be exported or erased: exact, or confirmed by a person."""
        return self.status in ("auto", "confirmed")

    @property
    def files(self) -> tuple[MatchItem, ...]:
        return tuple(i for i in self.items if not i.is_folder)


@dataclass(frozen=True, slots=True)
class Case:
    case_id: str
    kind: Kind
    subject_email: str
    subject_name: str | None
    received: date
    status: Status
    opened_at: datetime
    policy_version: str
    extension_months: int = 0
    extension_reason: str | None = None
    closed_at: datetime | None = None
    found_at: datetime | None = None  # the last `dsar find`
    snapshot_run_id: str | None = None  # the inventory the last find matched against
    find_notes: tuple[str, ...] = ()  # what could not be searched, and why (never silently skipped)
    plan_ids: tuple[str, ...] = ()  # erasure plans made for the case
    exported_items: int = 0
    erased_items: int = 0
    kept_items: int = 0
    export_sha256: str | None = None

    @property
    def first_due(self) -> date:
        """One month after receipt: also the last day an extension may be given (Art. 12(3))."""
        return add_months(self.received, RESPONSE_MONTHS)

    @property
    def due(self) -> date:
        return add_months(self.received, RESPONSE_MONTHS + self.extension_months)

    @property
    def closed(self) -> bool:
        return self.status == "closed"

    def overdue(self, today: date) -> bool:
        return not self.closed and today > self.due

    def due_soon(self, today: date, days: int) -> bool:
        return not self.closed and 0 <= (self.due - today).days <= days
