"""What was done and decided: journaled actions, alert deliveries, accepted exceptions and the evidence (C9).

Read from the journal, the alert log and the exception register as they are; an action counts once
per journaled outcome, with dry runs kept apart from executed changes.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from m365_compliance.drift.alert_log import Attempt
from m365_compliance.drift.exceptions import AcceptedException
from m365_compliance.report.model import (
    ActionCount,
    Actions,
    Evidence,
    ExceptionRow,
    RunInfo,
    SinkFailure,
)
from m365_compliance.state.store import from_text

#: A sink's error may quote its endpoint, and a webhook URL is a secret: the report shows neither.
_URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
ERROR_CHARS = 200


def actions(entries: Iterable[Mapping[str, object]], since: datetime, until: datetime) -> Actions:
    """Outcomes, plans and approvals journaled between ``since`` and ``until`` (policy time): a row counts at
    the policy time it was evaluated at, or, when none governs it (an approval, an older row), when it happened."""
    tally: dict[tuple[str, str, str], int] = {}
    plans = approvals = 0
    for e in entries:
        when = e.get("policy_at") or e.get("at")
        at = from_text(str(when)) if when else None
        if at is None or not since <= at <= until:
            continue
        if e["event"] == "outcome":
            key = (str(e.get("mode") or ""), str(e.get("kind") or ""), str(e.get("result") or ""))
            tally[key] = tally.get(key, 0) + 1
        plans += e["event"] == "plan"
        approvals += e["event"] == "approval"
    counts = tuple(ActionCount(m, k, r, n) for (m, k, r), n in sorted(tally.items()))
    return Actions(since, until, counts, plans, approvals)


def sink_failures(attempts: Iterable[Attempt], until: datetime) -> tuple[SinkFailure, ...]:
    """Per sink, its attempts up to ``until`` (the caller reads them from the period's start), for the sinks
    where any delivery failed."""
    by_sink: dict[str, list[Attempt]] = {}
    for a in attempts:
        if a.at <= until:
            by_sink.setdefault(a.sink, []).append(a)
    failures = []
    for sink, tried in sorted(by_sink.items()):
        failed = [a for a in tried if a.failed or a.error]
        if failed:
            last = failed[-1]
            error = _URL.sub("[URL]", last.error)[:ERROR_CHARS] if last.error else None
            failures.append(SinkFailure(sink, len(tried), len(failed), sum(a.failed for a in failed), error, last.at))
    return tuple(failures)


def exception_rows(exceptions: Iterable[AcceptedException], controls: Mapping[str, str], today: date
                   ) -> tuple[ExceptionRow, ...]:
    rows = []
    for x in exceptions:
        rows.append(ExceptionRow(x.finding_id, controls.get(x.finding_id), x.owner, x.reason, x.expires,
                                 x.accepted_at, x.accepted_by, x.state(today)))
    order = {"expired": 0, "in_force": 1, "revoked": 2}
    return tuple(sorted(rows, key=lambda r: (order[r.state], r.expires, r.finding_id)))


def run_info(row: sqlite3.Row) -> RunInfo:
    """A run on its own clock: started at the policy time it ran as of (``--now``), finished as long after, so a
    rehearsal reads as the date it rehearses. The wall times stay in the state store; a run from before the
    policy time was recorded shows those."""
    started, finished = from_text(row["started_at"]), from_text(row["finished_at"])
    policy_at = from_text(row["policy_at"])
    if policy_at is not None and started is not None:
        started, finished = policy_at, None if finished is None else policy_at + (finished - started)
    return RunInfo(row["id"], row["kind"], started, finished, row["status"], row["policy_version"])


def evidence(runs: Iterable[sqlite3.Row], evaluations: int, journal: Iterable[Mapping[str, object]]) -> Evidence:
    journal = list(journal)
    return Evidence(tuple(run_info(r) for r in runs), evaluations, sum(e["event"] == "plan" for e in journal),
                    len(journal))
