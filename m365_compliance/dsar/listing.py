"""Which cases are open, due soon or overdue, by due date: what ``dsar list`` and the report show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from m365_compliance.dsar.model import Case
from m365_compliance.dsar.repository import CaseRepository


@dataclass(frozen=True)
class CaseState:
    case: Case
    overdue: bool
    due_soon: bool
    days_left: int  # negative once overdue
    items_found: int  # in matches not rejected
    awaiting_confirmation: int  # matches a person must still confirm or reject

    @property
    def flag(self) -> str:
        return "closed" if self.case.closed else "OVERDUE" if self.overdue else "due soon" if self.due_soon else ""


def case_states(repo: CaseRepository, today: date, due_soon_days: int, *,
                include_closed: bool = False) -> list[CaseState]:
    """Every case (open ones only unless ``include_closed``), earliest due date first."""
    states = []
    for case in repo.cases():
        if case.closed and not include_closed:
            continue
        matches = repo.matches(case.case_id)
        states.append(CaseState(case, case.overdue(today), case.due_soon(today, due_soon_days),
                                (case.due - today).days, sum(len(m.items) for m in matches if m.status != "rejected"),
                                sum(1 for m in matches if m.status == "pending")))
    return sorted(states, key=lambda s: (s.case.due, s.case.case_id))
