"""The engine: stable ids, deterministic order, gaps as "not evaluated", dates and cells as they arrive,
and the snapshot file's round trip."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from rules_world import CONFIG, NOW, REC_ROOT, SIV, file, grant, item, of, row, run, snapshot

from m365_compliance.inventory.snapshot_json import dump_snapshot, load_snapshot_json
from m365_compliance.model import LinkScope
from m365_compliance.rules import cells
from m365_compliance.rules.dates import add_months, add_years, local_date
from m365_compliance.rules.registry import RULES, evaluate, rule
from m365_compliance.state.inventory_repo import Gap
from m365_compliance.state.store import json_default

OSLO = ZoneInfo("Europe/Oslo")


def busy_snapshot(**kwargs):
    """A little of everything: a stray grant, an old applicant, an ended agreement, kept invoices."""
    rec = [item("søker", "Søkere", Soknadsdato="2025-01-01"), file("cv.pdf", "søker")]
    cus = [item("Kunde AS", "kroot"), file("Faktura 2025.pdf", "Kunde AS", created=datetime(2025, 2, 1, tzinfo=UTC)),
           file("Notat.docx", "Kunde AS")]
    return snapshot(rec, {"søker": (*REC_ROOT, grant("siv", SIV))}, cus, rows=[row("Kunde AS", end="2025-06-30")],
                    **kwargs)


def test_finding_ids_are_stable_across_runs_and_dates():
    first = run(busy_snapshot())
    again = run(busy_snapshot(), now=datetime(2026, 12, 1, tzinfo=UTC))  # later: other messages, same problems
    assert len({f.id for f in first}) == len(first)
    later = {(f.rule_id, f.item_id): f.id for f in again}
    assert {(f.rule_id, f.item_id): f.id for f in first} == {k: later[k] for k in later if k in
                                                             {(g.rule_id, g.item_id) for g in first}}
    assert [f.as_dict() for f in run(busy_snapshot())] == [f.as_dict() for f in first]  # same input, same list


def test_every_finding_is_complete_and_messages_name_no_path():
    findings = run(busy_snapshot())
    assert {f.control for f in findings} >= {"C1", "C2", "C5", "C6"}
    for f in findings:
        assert f.rule_id in RULES and f.title and f.remediation and f.status in ("fail", "warn", "info")
        if f.item_id:
            assert f.scope and f.drive_id in ("rd", "kd") and f.path and f.path.startswith("/")
            assert f.path not in f.message and "Søkere" not in f.message


def test_gaps_are_not_evaluated_per_control():
    gaps = [Gap("customers", "https://x.example/sites/kunder", "resolve site and library", "Access denied", 403, "x"),
            Gap("directory", "role recruiters", "find group", "No group", 404),
            Gap("directory", "group g-all", "transitiveMembers", "Throttled", 429),
            Gap("recruitment", "https://x.example/r", "sharing delta", "Ignored Prefer header")]
    findings = of(run(snapshot([item("søker", "Søkere")], cus_items=None, gaps=gaps)), "coverage.not-evaluated")
    assert {(f.control, f.status, f.severity, dict(f.evidence)["operation"]) for f in findings} == {
        ("C3", "not_evaluated", "high", "resolve site and library"),
        ("C4", "not_evaluated", "high", "resolve site and library"),
        ("C5", "not_evaluated", "high", "resolve site and library"),
        ("C6", "not_evaluated", "high", "resolve site and library"),
        ("C1", "not_evaluated", "high", "find group"),
        ("C1", "not_evaluated", "high", "transitiveMembers"),  # no role: where it is granted (nowhere: C1, C3)
        ("C3", "not_evaluated", "high", "transitiveMembers"),
        ("C1", "info", "low", "sharing delta"),  # read item by item instead: nothing missing
    }


def test_a_gap_for_a_granted_group_maps_to_the_scope_that_grants_it():
    from rules_world import ALL

    gap = Gap("directory", "group g-all", "transitiveMembers", "Throttled", 429)
    findings = run(snapshot([item("søker", "Søkere")], {"søker": (*REC_ROOT, grant("all", ALL))}, cus_items=None,
                            gaps=[gap]))
    assert [f.control for f in of(findings, "coverage.not-evaluated")] == ["C1"]


def test_evaluate_needs_an_aware_now_and_refuses_two_findings_with_one_id():
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(busy_snapshot(), CONFIG, datetime(2026, 11, 25, 2, 0))

    @rule(id="test.twice", control="C1", severity="low", title="t", remediation="r")
    def twice(snapshot, config, now):
        """Test rule."""
        yield twice.finding(("same",), "one")
        yield twice.finding(("same",), "two")

    try:
        with pytest.raises(ValueError, match="test.twice"):
            evaluate(busy_snapshot(), CONFIG, NOW)
    finally:
        del RULES["test.twice"]


@pytest.mark.parametrize("value, expected", [
    ("2026-03-01", date(2026, 3, 1)),
    ("2026-02-28T23:00:00Z", date(2026, 3, 1)),  # Oslo midnight in winter (UTC+1)
    ("2026-06-30T22:00:00Z", date(2026, 7, 1)),  # and in summer (UTC+2)
    ("2026-03-01 00:00:00", date(2026, 3, 1)),  # an XLSX cell: local wall-clock time, not UTC
    ("2026-03-01 23:30:00", date(2026, 3, 1)),
    ("01.03.2026", date(2026, 3, 1)),
    ("1/3/2026", date(2026, 3, 1)),
    (datetime(2026, 2, 28, 23, tzinfo=UTC), date(2026, 3, 1)),
    (date(2026, 3, 1), date(2026, 3, 1)),
])
def test_local_dates(value, expected):
    assert local_date(value, OSLO) == expected


@pytest.mark.parametrize("value", ["", "31.02.2026", "2026-13-01", "i går", 45000, None])
def test_malformed_dates_raise_value_error(value):
    with pytest.raises(ValueError):
        local_date(value, OSLO)


def test_calendar_months_clamp_and_half_years():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_years(date(2024, 12, 31), 3.5) == date(2028, 6, 30)
    assert add_years(date(2024, 12, 31), 5) == date(2029, 12, 31)


def test_cells_read_lists_and_csv_text():
    assert [cells.flag(v) for v in (True, "Ja", "x", "0", "nei", "", None)] == [True, True, True, False, False, None,
                                                                                 None]
    assert [cells.whole_number(v) for v in (90, "90", 90.0, "30,0", None)] == [90, 90, 90, 30, None]
    for bad in ("tretti", "1.5", -3, True):
        with pytest.raises(ValueError):
            cells.whole_number(bad)
    with pytest.raises(ValueError):
        cells.flag("kanskje")
    guid = "0f8fad5b-d9cb-469f-a165-70867728950e"
    assert cells.people([{"Email": "A@x.example"}, {"LookupId": 3}, f"b@x.example; {guid}"]) == \
        (("a@x.example", "b@x.example", guid), 1)


def test_snapshot_file_round_trip_is_exact():
    expiry = datetime(2027, 1, 1, tzinfo=UTC)
    snap = busy_snapshot(gaps=[Gap("register", "x", "read register", "m", 500, "h")], unreadable=["cv.pdf"])
    snap = dataclasses.replace(snap, scopes={**snap.scopes, "recruitment": dataclasses.replace(
        snap.scopes["recruitment"], permissions={**snap.scopes["recruitment"].permissions,
                                                 "cv.pdf": (grant("l", link=LinkScope.ANONYMOUS, expires=expiry),)})})
    again = load_snapshot_json(json.loads(json.dumps(dump_snapshot(snap), default=json_default)))
    assert again == snap
    with pytest.raises(ValueError, match="format"):
        load_snapshot_json({"format": "something else"})
