"""An evaluation keeps two times: the policy time it judged as of (``--now``) and when it was made (wall time).
Evaluations follow each other in the order they were made, and drift counts from the policy times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from m365_compliance.drift.history import load_drift
from m365_compliance.rules.findings import Finding, evidence_pairs
from m365_compliance.state.findings_repo import FindingsRepository
from m365_compliance.state.store import StateStore

REHEARSED = datetime(2027, 3, 1, 2, tzinfo=UTC)
EARLIER = datetime(2026, 11, 25, 2, tzinfo=UTC)
OSLO = ZoneInfo("Europe/Oslo")


def _exposed(fid: str) -> Finding:
    return Finding(fid, "c1.recruitment-access", "C1", "high", "fail", "t", "m", "r", scope="recruitment",
                   evidence=evidence_pairs({"verdict": "anonymous-link"}))


def test_evaluations_keep_their_policy_time_and_follow_the_order_they_were_made(tmp_path):
    with StateStore(tmp_path / "s.sqlite") as store:
        repo = FindingsRepository(store)
        later_date = repo.save("inv-1", "v1", [_exposed("C1-a")], evaluated_at=REHEARSED)
        earlier_date = repo.save("inv-1", "v1", [_exposed("C1-b")], evaluated_at=EARLIER)  # made second
        empty = repo.save("inv-1", "v1", [], evaluated_at=REHEARSED + timedelta(days=1))
        evaluations = repo.evaluations()
        latest_with_findings = repo.latest()
    assert [e.id for e in evaluations] == [later_date, earlier_date, empty]
    assert [e.evaluated_at for e in evaluations] == [REHEARSED, EARLIER, REHEARSED + timedelta(days=1)]
    assert all(e.recorded_at is not None for e in evaluations)
    assert evaluations[0].recorded_at < evaluations[1].recorded_at < evaluations[2].recorded_at
    assert [f["id"] for f in latest_with_findings] == ["C1-b"]  # the last made, not the latest date
    assert later_date.startswith("20270301T020000Z-") and earlier_date.startswith("20261125T020000Z-")


def test_first_seen_and_the_breach_clock_count_from_the_policy_time(tmp_path):
    second_night = REHEARSED + timedelta(days=1)
    with StateStore(tmp_path / "s.sqlite") as store:
        repo = FindingsRepository(store)
        repo.save("inv-1", "v1", [_exposed("C1-a")], evaluated_at=REHEARSED)
        repo.save("inv-2", "v1", [_exposed("C1-a"), _exposed("C1-b")], evaluated_at=second_night)
        drift = load_drift(store, today=second_night.date(), tz=OSLO)
    entries = {e.finding.id: e for e in drift.entries}
    assert entries["C1-a"].state == "still_failing" and entries["C1-b"].state == "new"
    assert entries["C1-a"].first_seen == date(2027, 3, 1) and entries["C1-a"].first_seen_at == REHEARSED
    assert entries["C1-a"].breach_deadline == datetime(2027, 3, 4, 2, tzinfo=UTC)
    assert entries["C1-b"].first_seen == date(2027, 3, 2) and entries["C1-b"].first_seen_at == second_night


def test_a_rehearsal_of_a_later_date_never_moves_the_first_sighting_later(tmp_path):
    """A ``--now`` rehearsal stored in the same store before a real night: the night's clock is its own."""
    with StateStore(tmp_path / "s.sqlite") as store:
        repo = FindingsRepository(store)
        repo.save("inv-1", "v1", [_exposed("C1-a")], evaluated_at=REHEARSED + timedelta(days=30))  # rehearsal
        repo.save("inv-2", "v1", [_exposed("C1-a")], evaluated_at=REHEARSED)  # the real night, made after
        (entry,) = load_drift(store, today=REHEARSED.date(), tz=OSLO).entries
    assert entry.first_seen_at == REHEARSED and entry.first_seen == date(2027, 3, 1)
    assert entry.breach_deadline == REHEARSED + timedelta(hours=72)
