"""Applicant ages in whole calendar months, and where an agreement stands once only statutory holds are left."""

from __future__ import annotations

from datetime import date

import pytest

from m365_compliance.report.tenant_view import _agreement_row, months_between
from m365_compliance.rules.agreement_register import Agreement


@pytest.mark.parametrize(("start", "today", "months"), [
    (date(2025, 11, 25), date(2026, 11, 25), 12),  # the deadline day itself: 12 months
    (date(2025, 11, 26), date(2026, 11, 25), 11),
    (date(2024, 2, 29), date(2025, 2, 28), 12),  # leap day + 12 months = 28 February, as the deadline says
    (date(2026, 1, 31), date(2026, 2, 28), 1),
    (date(2026, 1, 31), date(2026, 2, 27), 0),
    (date(2026, 11, 25), date(2026, 11, 25), 0),
])
def test_months_between(start, today, months):
    assert months_between(start, today) == months


def _agreement(end: date | None, *, unknown: bool = False) -> Agreement:
    return Agreement("7", "Kunde AS", "Kunde AS", "321-2020-007", date(2020, 1, 1), end, (), 0, "DBA-7", 90, True, (),
                     unknown)


@pytest.mark.parametrize(("end", "folder", "due", "state"), [
    (None, (5, 2, date(2030, 12, 31), "f1"), 0, "running"),
    (date(2026, 11, 25), (5, 2, date(2030, 12, 31), "f1"), 0, "running"),  # ends today: still runs today
    (date(2025, 1, 31), (5, 2, date(2030, 12, 31), "f1"), 3, "awaiting"),
    (date(2025, 1, 31), (2, 2, date(2030, 12, 31), "f1"), 0, "held"),
    (date(2025, 1, 31), (0, 0, None, "f1"), 0, "disposed"),
    (date(2025, 1, 31), None, 0, "awaiting"),  # a row that governs no folder
])
def test_agreement_states(end, folder, due, state):
    row = _agreement_row(_agreement(end), folder, {"f1": due}, date(2026, 11, 25))
    assert row.state == state
    assert row.files_due == (due if folder else 0)
    assert row.customer == "Kunde AS"  # a company's name is not personal data: always shown
    if state == "held":
        assert row.held_until == date(2030, 12, 31)


def test_unreadable_end_keeps_the_customer_name():
    row = _agreement_row(_agreement(None, unknown=True), None, {}, date(2026, 11, 25))
    assert row.state == "unknown" and row.customer == "Kunde AS"
