"""Classification rules of drift, on findings built by hand: what is fixed, what only looks fixed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from m365_compliance.drift.compare import classify
from m365_compliance.drift.exceptions import AcceptedException
from m365_compliance.drift.exposure import exposes_to_outsiders
from m365_compliance.rules.findings import Finding, evidence_pairs

TODAY = date(2026, 11, 25)
OSLO = ZoneInfo("Europe/Oslo")


def _finding(fid: str, *, control: str = "C1", scope: str = "recruitment", rule: str = "c1.recruitment-access",
             status: str = "fail", **evidence: str) -> Finding:
    return Finding(fid, rule, control, "high", status, "t", "m", "r", scope=scope,  # type: ignore[arg-type]
                   evidence=evidence_pairs(evidence))


def _classify(current, previous, exceptions=None, first_seen=None):
    return classify(current, previous, today=TODAY, tz=OSLO, first_seen=first_seen or {},
                    exceptions=exceptions or {}, evaluation_id="e2", previous_evaluation_id="e1")


def test_first_seen_is_the_policy_day_and_the_breach_clock_runs_from_that_instant():
    seen = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # 00:30 on 23 November in Oslo
    exposed = _finding("C1-x", verdict="anonymous-link")
    inside = _finding("C1-y", verdict="not-allowed")
    drift = _classify([exposed, inside, _finding("C1-z")], [exposed, inside],
                      first_seen={"C1-x": seen, "C1-y": seen})
    entries = {e.finding.id: e for e in drift.entries}
    assert entries["C1-x"].first_seen == date(2026, 11, 23) and entries["C1-x"].first_seen_at == seen
    assert entries["C1-x"].breach_deadline == seen + timedelta(hours=72)
    assert entries["C1-y"].breach_deadline is None  # inside the organisation: no 72-hour clock
    assert entries["C1-z"].first_seen == TODAY and entries["C1-z"].first_seen_at is None  # first seen now


def test_gone_where_the_control_was_evaluated_is_fixed_elsewhere_unverified():
    before = [_finding("C1-a"), _finding("C3-b", control="C3", scope="customers", rule="c3.customer-access")]
    gap = _finding("COV-x", rule="coverage.not-evaluated", status="not_evaluated")
    drift = _classify([gap], before)
    states = {e.finding.id: e.state for e in drift.entries}
    assert states == {"COV-x": "new", "C1-a": "unverified", "C3-b": "fixed"}


def test_warnings_and_information_do_not_drift():
    drift = _classify([_finding("C2-w", status="warn"), _finding("C6-i", status="info")], None)
    assert drift.entries == ()


def test_exception_in_force_accepts_and_past_expiry_expires():
    holds = AcceptedException("C1-a", "owner", "why", TODAY, datetime(2026, 11, 1, tzinfo=UTC))
    ran_out = AcceptedException("C1-b", "owner", "why", date(2026, 11, 24), datetime(2026, 11, 1, tzinfo=UTC))
    drift = _classify([_finding("C1-a"), _finding("C1-b")], [_finding("C1-a"), _finding("C1-b")],
                      {"C1-a": holds, "C1-b": ran_out})
    assert {e.finding.id: e.state for e in drift.entries} == {"C1-a": "accepted", "C1-b": "expired"}


def test_breach_clock_only_for_outsiders():
    assert exposes_to_outsiders(_finding("a", kind="anyone", linkScope="anonymous", verdict="anonymous-link"))
    assert exposes_to_outsiders(_finding("b", kind="guest", verdict="outsider"))
    assert not exposes_to_outsiders(_finding("c", kind="anyone", linkScope="anonymous", verdict="expired"))
    assert not exposes_to_outsiders(_finding("d", kind="organization", verdict="organization-link"))
    assert not exposes_to_outsiders(_finding("e", kind="user", verdict="outside-allowed"))
    assert not exposes_to_outsiders(_finding("f", kind="guest", status="not_evaluated", verdict="outsider"))
    assert not exposes_to_outsiders(_finding("g", rule="c4.unknown-contact", kind="guest", verdict="outsider"))
    # An invitation has already left for an outside address; "Everyone" includes guests, "… except external" not.
    assert exposes_to_outsiders(_finding("h", kind="invitation", verdict="pending-invitation"))
    assert exposes_to_outsiders(_finding("i", kind="everyone", principal="everyone:everyone", verdict="everyone-claim"))
    assert not exposes_to_outsiders(_finding("j", kind="everyone", principal="everyone:everyone-except-external",
                                             verdict="everyone-claim"))
