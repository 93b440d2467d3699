"""``--controls`` parsing, the selection of findings, and the per-control tally ``check`` prints."""

from __future__ import annotations

import pytest

from m365_compliance.rules.findings import Finding
from m365_compliance.rules.selection import FindingSelection, SelectionError, known_controls, parse_controls
from m365_compliance.rules.tally import tally


def finding(n: int, control: str, status: str, severity: str, title: str) -> Finding:
    return Finding(f"{control}-{n:012x}", "rule", control, severity, status, title, "m", "r")  # type: ignore[arg-type]


def test_the_controls_are_those_the_rules_evaluate():
    assert known_controls() == ("C1", "C2", "C3", "C4", "C5", "C6")  # "C1-C6" of the coverage rule included


def test_controls_are_read_leniently_and_refused_with_the_valid_ones():
    assert parse_controls(" c3,C1 ,c3") == ("C1", "C3")  # in the order of the controls
    with pytest.raises(SelectionError, match=r"unknown control C7, X; choose from C1, C2, C3, C4, C5, C6"):
        parse_controls("C1,C7,x")
    with pytest.raises(SelectionError, match="no control given"):
        parse_controls(",")


def test_a_selection_keeps_what_it_names():
    found = [finding(1, "C1", "fail", "high", "a"), finding(2, "C1", "fail", "low", "b"),
             finding(3, "C2", "fail", "high", "c")]
    assert [f.id for f in FindingSelection(("C1",), "medium").apply(found)] == [found[0].id]
    assert FindingSelection().apply(found) == tuple(found)
    with pytest.raises(SelectionError, match="choose from low, medium, high"):
        FindingSelection(None, "critical")  # type: ignore[arg-type]


def test_the_tally_counts_per_control_and_orders_titles_by_urgency():
    found = [finding(1, "C10", "warn", "high", "Due soon"), finding(2, "C2", "warn", "low", "Due soon"),
             finding(3, "C2", "fail", "low", "Old"), finding(4, "C2", "fail", "high", "Open link"),
             finding(5, "C2", "fail", "high", "Open link"), finding(6, "C2", "not_evaluated", "high", "Unreadable"),
             finding(7, "C2", "info", "low", "Kept")]
    c2, c10 = tally(found, lambda f: f.title.upper())
    assert (c2.control, c10.control) == ("C2", "C10")  # by number, not as text
    assert c2.failing == (("high", 2), ("medium", 0), ("low", 1)) and c2.failing_total == 3
    assert (c2.warn, c2.info, c2.not_evaluated) == (1, 1, 1)
    assert [(e.title, e.status, e.severity, e.count) for e in c2.to_act_on] == [
        ("OPEN LINK", "fail", "high", 2), ("OLD", "fail", "low", 1), ("UNREADABLE", "not_evaluated", "high", 1),
        ("DUE SOON", "warn", "low", 1)]
