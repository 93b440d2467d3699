"""Accepted exceptions: a finding someone has decided to live with, for a reason, until a date.

An exception names its owner (who answers for it), the reason and an expiry; it never lasts for
ever (at most :data:`MAX_DAYS`), so the decision is taken again. While it runs the finding is
"accepted" (reported, not alerted); once it expires the finding alerts again as "expired". A revoked
exception is kept (with when it was revoked) as evidence (C9).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from m365_compliance.errors import ComplianceError
from m365_compliance.state.store import StateStore, from_text, to_text, utc_now

MAX_DAYS = 366
ExceptionState = Literal["in_force", "expired", "revoked"]

TABLE = """
CREATE TABLE IF NOT EXISTS drift_exceptions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    reason TEXT NOT NULL,
    expires TEXT NOT NULL,
    accepted_at TEXT NOT NULL,
    accepted_by TEXT,
    revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS drift_exceptions_by_finding ON drift_exceptions (finding_id);
"""


@dataclass(frozen=True)
class AcceptedException:
    finding_id: str
    owner: str
    reason: str
    expires: date  # the last day it holds
    accepted_at: datetime
    accepted_by: str | None = None
    revoked_at: datetime | None = None

    def holds_on(self, today: date) -> bool:
        return self.revoked_at is None and today <= self.expires

    def expired_on(self, today: date) -> bool:
        return self.revoked_at is None and today > self.expires

    def state(self, today: date) -> ExceptionState:
        return "revoked" if self.revoked_at is not None else "in_force" if self.holds_on(today) else "expired"


class ExceptionError(ComplianceError):
    """An exception that cannot be recorded as asked."""


class ExceptionRepository:
    def __init__(self, store: StateStore) -> None:
        self.store = store
        store.db.executescript(TABLE)

    def accept(self, finding_id: str, *, owner: str, reason: str, expires: date, today: date,
               accepted_by: str | None = None) -> AcceptedException:
        """Record an exception; one that is in force for the same finding is replaced (kept as revoked)."""
        if not owner.strip() or not reason.strip():
            raise ExceptionError("An exception needs an owner and a reason.",
                                 hint="Pass --owner NAME and --reason TEXT.")
        if expires < today:
            raise ExceptionError(f"The expiry {expires.isoformat()} is in the past.",
                                 hint="Give a date from today on (YYYY-MM-DD).")
        if (expires - today).days > MAX_DAYS:
            raise ExceptionError(f"An exception may last at most {MAX_DAYS} days; {expires.isoformat()} is further.",
                                 hint="Accept it for up to a year, and decide again then.")
        now = utc_now()
        with self.store.transaction() as db:
            db.execute("UPDATE drift_exceptions SET revoked_at=? WHERE finding_id=? AND revoked_at IS NULL",
                       (to_text(now), finding_id))
            db.execute("INSERT INTO drift_exceptions(finding_id, owner, reason, expires, accepted_at, accepted_by) "
                       "VALUES (?,?,?,?,?,?)",
                       (finding_id, owner.strip(), reason.strip(), expires.isoformat(), to_text(now), accepted_by))
        return AcceptedException(finding_id, owner.strip(), reason.strip(), expires, now, accepted_by)

    def revoke(self, finding_id: str) -> bool:
        """End the exception in force for ``finding_id``; False when there was none."""
        with self.store.transaction() as db:
            changed = db.execute("UPDATE drift_exceptions SET revoked_at=? WHERE finding_id=? AND revoked_at IS NULL",
                                 (to_text(utc_now()), finding_id)).rowcount
        return changed > 0

    def current(self) -> dict[str, AcceptedException]:
        """The latest unrevoked exception per finding (in force or expired)."""
        rows = self.store.db.execute(
            "SELECT * FROM drift_exceptions WHERE revoked_at IS NULL ORDER BY seq").fetchall()
        return {r["finding_id"]: _exception(r) for r in rows}

    def all(self) -> list[AcceptedException]:
        return [_exception(r) for r in self.store.db.execute("SELECT * FROM drift_exceptions ORDER BY seq")]


def _exception(r: sqlite3.Row) -> AcceptedException:
    return AcceptedException(r["finding_id"], r["owner"], r["reason"], date.fromisoformat(r["expires"]),
                             from_text(r["accepted_at"]) or utc_now(), r["accepted_by"], from_text(r["revoked_at"]))
