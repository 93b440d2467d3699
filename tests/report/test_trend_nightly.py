"""The trend plots one point per night: the last evaluation of each day in the policy's time zone."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from m365_compliance.report.findings_view import trend
from m365_compliance.state.findings_repo import Evaluation

OSLO = ZoneInfo("Europe/Oslo")


def _evaluation(i: str, at: datetime, fails: int) -> tuple[Evaluation, Counter[tuple[str, str, str]]]:
    return Evaluation(i, at, f"run-{i}", "1"), Counter({("C1", "high", "fail"): fails})


def test_one_point_per_night_the_last_of_the_day():
    history = [
        _evaluation("a", datetime(2026, 11, 23, 2, 0, tzinfo=UTC), 5),
        _evaluation("b", datetime(2026, 11, 24, 2, 0, tzinfo=UTC), 4),
        _evaluation("c", datetime(2026, 11, 24, 14, 0, tzinfo=UTC), 3),  # a rerun the same day replaces b
        _evaluation("d", datetime(2026, 11, 24, 23, 30, tzinfo=UTC), 2),  # 00:30 in Oslo: the next night
    ]
    points = trend(history, OSLO)
    assert [p.evaluation.id for p in points] == ["a", "c", "d"]
    assert [p.counts.n(status="fail") for p in points] == [5, 3, 2]


def test_a_first_night_is_one_point():
    assert len(trend([_evaluation("a", datetime(2026, 11, 23, 2, 0, tzinfo=UTC), 5)], OSLO)) == 1
