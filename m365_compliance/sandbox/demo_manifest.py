"""The demo tenant's ground truth: what the generator seeded, recorded as it seeded it (ids included).

Tests assert exact sets against this, so nothing here is re-derived from names. The applicant state
is computed with the generator's own small calendar helper on purpose — an oracle that borrowed the
rules' date code would agree with a bug in it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

RETENTION_MONTHS = 12  # P6: applicant data is kept up to 12 months
WARNING_DAYS = 30  # C2's default warning window before the deadline
APPLICANT_STATES = ("within", "warning", "overdue", "hired")


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def applicant_state(start: date, hired: bool, today: date) -> str:
    """Hired wins (flagged, never deleted); on or after the deadline is overdue; 30 days before it, warning."""
    if hired:
        return "hired"
    deadline = _add_months(start, RETENTION_MONTHS)
    if today >= deadline:
        return "overdue"
    return "warning" if (deadline - today).days <= WARNING_DAYS else "within"


@dataclass(frozen=True)
class ApplicantTruth:
    folder_id: str
    applied: date | None  # the Soknadsdato column; None → age from the folder's creation
    created: datetime  # the folder's creation
    hired: bool  # the Ansatt column
    name: str = ""  # the folder name, e.g. "2025-11 Kari Nordmann"
    state: str = ""  # one of APPLICANT_STATES at the tenant clock
    person: str = ""  # the applicant's name, e.g. "Kari Nordmann" (fictional)
    email: str = ""  # the Epost column (fictional, at a reserved .example domain)

    @property
    def start(self) -> date:
        """Where the 12 months count from: the application date, else the folder's creation."""
        return self.applied or self.created.date()

    @property
    def deadline(self) -> date:
        return _add_months(self.start, RETENTION_MONTHS)


@dataclass(frozen=True)
class StrayAccess:
    """A seeded grant or link the policy does not allow (or, when ``allowed``, one it does)."""

    scope: str  # "recruitment" (C1) or "customers" (C3)
    item_id: str
    kind: str  # user-outside-role | guest | anonymous-link | organization-link | expired-link | consultant | specific-people-link
    principal_id: str | None  # the user given access (a link's recipient); None for anonymous/organization links
    allowed: bool = False
    grant_id: str = ""  # the permission id on the item (a link's id for links)
    link_scope: str | None = None  # anonymous | organization | users, for links
    expired: bool = False  # a link that expired before the tenant clock


@dataclass(frozen=True)
class CustomerTruth:
    name: str
    folder_id: str | None  # None: the register row without a folder
    row_ids: tuple[int, ...]  # register rows naming this customer (two for the duplicate)
    ended: date | None  # None while the agreement runs
    contacts: tuple[str, ...]  # user ids named in Kontaktpersoner


@dataclass(frozen=True)
class DemoManifest:
    groups: dict[str, str]  # role → group id (recruiters, hr, management, sales, sales-east, everyone)
    users: dict[str, str]  # mail → user id
    recruitment_drive: str
    customers_drive: str
    register_list: str
    applicants: tuple[ApplicantTruth, ...]  # every applicant folder, the grown ones included
    stray: tuple[StrayAccess, ...]
    customers: tuple[CustomerTruth, ...]
    unregistered_folder: str  # name of the customer folder with no register row
    folderless_row: int
    duplicate_row: int
    unknown_contact_row: int  # its KontaktEpost names nobody in the tenant
    statutory: dict[str, str]  # item id → class ("primary" / "secondary")
    record_labelled: tuple[str, ...]  # item ids carrying the record label: deleting them must be refused

    def applicants_in(self, state: str) -> frozenset[str]:
        """Folder ids of the applicants in one of APPLICANT_STATES."""
        if state not in APPLICANT_STATES:
            raise ValueError(f"state must be one of {APPLICANT_STATES}, not {state!r}")
        return frozenset(a.folder_id for a in self.applicants if a.state == state)

    def violations(self, scope: str) -> frozenset[str]:
        """Item ids carrying a seeded stray that breaks the scope's access rule (expired links included)."""
        return frozenset(s.item_id for s in self.stray if s.scope == scope and not s.allowed)
