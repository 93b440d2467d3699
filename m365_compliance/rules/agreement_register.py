"""The agreement register, read from its raw rows: one :class:`Agreement` per row, problems kept as data.

The register is what C3 (contact persons), C4 (which folders are registered), and C5 (when an
agreement ended, under which DPA terms) rest on. A malformed row never stops the run: its problems
travel with it and C4 reports them; the other rules use whatever of the row could be read.
A row points to its customer folder by the folder column or the customer name (``customers.folder_match``),
compared case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from m365_compliance.config.schema import Config, RegisterColumns
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.rules import cells
from m365_compliance.rules.dates import local_date

T = TypeVar("T")


@dataclass(frozen=True)
class Agreement:
    row_id: str
    customer: str | None
    folder: str | None  # the folder name the row points to (folder column or customer name)
    agreement_id: str | None
    start: date | None
    end: date | None  # None while the agreement runs
    contacts: tuple[str, ...]  # lower-case mails and object ids of the named contact persons
    unmatched_contacts: int  # contact entries with neither mail nor object id (a bare site lookup id)
    dpa_reference: str | None
    dpa_deletion_days: int | None
    stored_by_agreement: bool | None  # P1's exception; None when the cell is empty or unreadable
    problems: tuple[tuple[str, str], ...]  # (column, what is wrong); values are not repeated (they may be personal)
    end_unknown: bool  # the end date cell holds something that is not a date: running or ended cannot be told

    def ended(self, today: date) -> bool:
        """Ended when its end date lies before today (an agreement ending today still runs today)."""
        return self.end is not None and self.end < today

    @property
    def disposal_date(self) -> date | None:
        """When its data becomes due for disposal: the DPA's deletion days after the end (P4)."""
        if self.end is None:
            return None
        try:
            return self.end + timedelta(days=self.dpa_deletion_days or 0)
        except OverflowError:  # an end date such as 9999-12-31: never due
            return date.max


def folder_key(name: str | None) -> str:
    return (name or "").strip().casefold()


@dataclass(frozen=True)
class Register:
    agreements: tuple[Agreement, ...]
    readable: bool  # False: the register could not be read at all (a gap), so nothing may be concluded

    def for_folder(self, name: str) -> tuple[Agreement, ...]:
        return tuple(a for a in self.agreements if folder_key(a.folder) == folder_key(name))

    def governing(self, name: str) -> Agreement | None:
        """The agreement that decides a folder's lifecycle: a running one if any, then one whose end cannot
        be read, else the last to end."""
        rows = self.for_folder(name)
        return min(rows, key=lambda a: (a.end is not None, a.end_unknown, date.max - (a.end or date.max)),
                   default=None)

    def ambiguous_ids(self) -> frozenset[str]:
        """Agreement ids (casefolded) a retention event could not use without reaching another row's documents:
        the same id on two rows, or an id whose words stand inside another row's id (``321`` in
        ``321-2016-001``): a query for it would find the other agreement's documents too."""
        ids = [(a.row_id, _words(a.agreement_id)) for a in self.agreements if a.agreement_id]
        found: set[str] = set()
        for row, words in ids:
            if any(other_row != row and _inside(words, other) for other_row, other in ids):
                found.add("-".join(words))
        return frozenset(found)

    def asset_id_usable(self, agreement_id: str | None) -> bool:
        return bool(agreement_id) and asset_key(agreement_id) not in self.ambiguous_ids()

    def contacts(self, name: str) -> frozenset[str]:
        """Everyone named as a contact person in any agreement with the folder's customer (P3)."""
        return frozenset(c for a in self.for_folder(name) for c in a.contacts)


def _words(agreement_id: str | None) -> tuple[str, ...]:
    """How a search index reads an id: its letters-and-digits runs, casefolded (``321-2016-001`` → 321, 2016, 001)."""
    return tuple(w for w in re.split(r"[^0-9a-z]+", (agreement_id or "").casefold()) if w)


def asset_key(agreement_id: str | None) -> str:
    """An agreement id as :meth:`Register.ambiguous_ids` lists it."""
    return "-".join(_words(agreement_id))


def _inside(words: tuple[str, ...], other: tuple[str, ...]) -> bool:
    n = len(words)
    return n > 0 and any(other[i:i + n] == words for i in range(len(other) - n + 1))


def read_register(snapshot: Snapshot, config: Config) -> Register:
    columns, tz = config.register.columns, config.retention.timezone
    by_name = config.customers.folder_match == "register_folder_column"
    agreements = tuple(_agreement(row, columns, tz, by_name, config.retention.valid_asset_id)
                       for row in snapshot.register_rows)
    return Register(agreements, not any(g.scope == "register" for g in snapshot.gaps))


def _agreement(row: Mapping[str, Any], c: RegisterColumns, tz: ZoneInfo, by_folder_column: bool,
               valid_id: Callable[[str | None], bool]) -> Agreement:
    problems: list[tuple[str, str]] = []

    def read(column: str | None, reader: Callable[[Any], T], what: str) -> T | None:
        if column is None:
            return None
        try:
            return reader(row.get(column))
        except ValueError:
            problems.append((column, f"is not {what}"))
            return None

    def day(column: str, required: bool) -> date | None:
        if cells.is_empty(row.get(column)):
            if required:
                problems.append((column, "is empty"))
            return None
        return read(column, lambda v: local_date(v, tz), "a date")

    customer = cells.text(row.get(c.customer))
    if customer is None:
        problems.append((c.customer, "is empty"))
    folder = cells.text(row.get(c.folder)) if by_folder_column and c.folder else customer
    if by_folder_column and c.folder and folder is None:
        problems.append((c.folder, "is empty"))
    start, end = day(c.start, True), day(c.end, False)
    if start is not None and end is not None and end < start:
        problems.append((c.end, f"is before {c.start}"))
    contacts, unmatched = cells.people(row.get(c.contacts) or row.get(f"{c.contacts}LookupId"))
    if c.contact_emails:
        more, _ = cells.people(row.get(c.contact_emails))
        contacts += more
    agreement_id = cells.text(row.get(c.agreement_id))
    if agreement_id is not None and not valid_id(agreement_id):
        # It would become a retention event's asset id: never one a query language could read as more.
        problems.append((c.agreement_id, "is not a valid agreement id (see retention.asset_id_pattern)"))
    stored = read(c.stored_by_agreement, cells.flag, "yes or no")
    deletion_days = read(c.dpa_deletion_days, cells.whole_number, "a whole number of days")
    return Agreement(
        row_id=str(row.get("id", "")), customer=customer, folder=folder,
        agreement_id=agreement_id, start=start, end=end,
        contacts=tuple(sorted(set(contacts))), unmatched_contacts=unmatched,
        dpa_reference=cells.text(row.get(c.dpa_reference)),
        dpa_deletion_days=deletion_days,
        stored_by_agreement=stored, problems=tuple(problems),
        end_unknown=end is None and not cells.is_empty(row.get(c.end)))
