"""What each sink has already been told, so the same drift alerts once and then only reminds.

One row per alert a sink *delivered* (never for a failed delivery: that alert is offered again next
run), with the alert itself as JSON (ids and counts only, as alerts are). Delivery attempts, failed
or not, are kept too: the report shows a sink that keeps failing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime

from m365_compliance.alerts.model import Alert, Delivery
from m365_compliance.state.store import StateStore, from_text, to_text, utc_now

TABLES = """
CREATE TABLE IF NOT EXISTS alert_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sink TEXT NOT NULL,
    finding_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    told_at TEXT NOT NULL,
    evaluation_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_log_by_sink ON alert_log (sink, finding_id, seq);

CREATE TABLE IF NOT EXISTS alert_attempts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    evaluation_id TEXT NOT NULL,
    sink TEXT NOT NULL,
    delivered INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    error TEXT
);
"""


@dataclass(frozen=True)
class Told:
    """The last alert a sink delivered about one finding."""

    alert: Alert
    told_at: datetime


@dataclass(frozen=True)
class Attempt:
    at: datetime
    evaluation_id: str
    sink: str
    delivered: int
    failed: int
    error: str | None


class AlertLog:
    def __init__(self, store: StateStore) -> None:
        self.store = store
        store.db.executescript(TABLES)

    def last_told(self, sink: str) -> dict[str, Told]:
        """Per finding, the last alert ``sink`` delivered about it."""
        rows = self.store.db.execute("SELECT finding_id, told_at, body FROM alert_log WHERE sink=? ORDER BY seq",
                                     (sink,)).fetchall()
        return {r["finding_id"]: Told(_alert(json.loads(r["body"])), from_text(r["told_at"]) or utc_now())
                for r in rows}

    def record(self, evaluation_id: str, delivery: Delivery, offered: Iterable[Alert], *, at: datetime) -> None:
        """Keep what reached the channel, and the attempt itself, in one transaction. ``at`` is the run's
        instant (which reminders are counted from), not the wall clock, so a rehearsal with ``--now`` holds."""
        delivered = set(delivery.delivered)
        now = to_text(at)
        with self.store.transaction() as db:
            db.executemany(
                "INSERT INTO alert_log(sink, finding_id, kind, told_at, evaluation_id, body) VALUES (?,?,?,?,?,?)",
                [(delivery.sink, a.finding_id, a.kind, now, evaluation_id, json.dumps(_body(a), sort_keys=True))
                 for a in offered if a.key in delivered])
            db.execute("INSERT INTO alert_attempts(at, evaluation_id, sink, delivered, failed, error) "
                       "VALUES (?,?,?,?,?,?)",
                       (now, evaluation_id, delivery.sink, len(delivered), len(delivery.failed), delivery.error))

    def attempts(self, since: datetime | None = None) -> list[Attempt]:
        rows = self.store.db.execute("SELECT * FROM alert_attempts WHERE at >= ? ORDER BY seq",
                                     (to_text(since) or "",)).fetchall()
        return [Attempt(from_text(r["at"]) or utc_now(), r["evaluation_id"], r["sink"], r["delivered"], r["failed"],
                        r["error"]) for r in rows]


def _body(alert: Alert) -> dict[str, object]:
    body = asdict(alert)
    body["first_seen"] = alert.first_seen.isoformat()
    return body


def _alert(body: dict[str, object]) -> Alert:
    return Alert(**{**body, "first_seen": date.fromisoformat(str(body["first_seen"]))})  # type: ignore[arg-type]
