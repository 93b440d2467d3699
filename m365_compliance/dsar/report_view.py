"""Data-subject requests for the management report: ids, dates, states and counts, never the person.

``case_rows(store, today)`` is what the report renders for C7 (open, due soon, overdue, closed, and
how many items each case found, exported, erased and kept). Nothing here names the subject or their
files: the report is read by management, who are entitled to know the cases, not the people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from m365_compliance.dsar.listing import case_states
from m365_compliance.dsar.model import Kind, Status
from m365_compliance.dsar.repository import CaseRepository
from m365_compliance.state.store import StateStore


@dataclass(frozen=True, slots=True)
class CaseRow:
    case_id: str
    kind: Kind
    received: date
    due: date
    status: Status
    overdue: bool
    due_soon: bool
    extension_months: int
    items_found: int
    items_exported: int
    items_erased: int
    items_kept: int
    closed_on: date | None


def case_rows(store: StateStore, today: date, due_soon_days: int) -> tuple[CaseRow, ...]:
    """Every case, closed ones included, earliest due date first."""
    return tuple(CaseRow(s.case.case_id, s.case.kind, s.case.received, s.case.due, s.case.status, s.overdue,
                         s.due_soon, s.case.extension_months, s.items_found, s.case.exported_items,
                         s.case.erased_items, s.case.kept_items,
                         s.case.closed_at.date() if s.case.closed_at is not None else None)
                 for s in case_states(CaseRepository(store), today, due_soon_days, include_closed=True))
