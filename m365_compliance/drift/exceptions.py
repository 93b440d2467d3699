"""Accepted exceptions: a finding someone has decided to live with, for a reason, until a date.

An exception names its owner (who answers for it), the reason and an expiry; it never lasts for
ever (at most :data:`MAX_DAYS`), so the decision is taken again. While it runs the finding is
"accepted" (reported, not alerted); once it expires the finding alerts again as "expired". A revoked
exception is kept (with when it was revoked) as evidence (C9). Exceptions written in exceptions.toml
beside the policy file (:mod:`m365_compliance.config.exceptions_file`) take the same shape here, with
their place in the file as ``source``; which one applied to each evaluation's findings is kept too
(:meth:`ExceptionRepository.record_applied`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from m365_compliance.config.exceptions_file import MAX_DAYS
from m365_compliance.errors import ComplianceError
from m365_compliance.state.store import StateStore, from_text, to_text, utc_now

__all__ = ["MAX_DAYS", "AcceptedException", "AppliedException", "ExceptionError", "ExceptionRepository",
           "ExceptionState"]
CLI_SOURCE = "cli"
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
    source: str = CLI_SOURCE  # "cli" (`drift accept`), or where in exceptions.toml: "exceptions.toml exception[0]"

    @property
    def from_file(self) -> bool:
        return self.source != CLI_SOURCE

    def holds_on(self, today: date) -> bool:
        return self.revoked_at is None and today <= self.expires

    def expired_on(self, today: date) -> bool:
        return self.revoked_at is None and today > self.expires

    def state(self, today: date) -> ExceptionState:
        return "revoked" if self.revoked_at is not None else "in_force" if self.holds_on(today) else "expired"


@dataclass(frozen=True)
class AppliedException:
    """The exception that applied to one open finding of an evaluation, as it was on the evaluation's day."""

    finding_id: str
    source: str
    owner: str
    reason: str
    expires: date
    state: ExceptionState


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

    def record_applied(self, evaluation_id: str, applied: Mapping[str, AcceptedException], today: date) -> None:
        """Keep which exception applied to each open finding of ``evaluation_id`` and its state on ``today``."""
        with self.store.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO evaluation_exceptions(evaluation_id, finding_id, source, owner, reason, "
                "expires, state) VALUES (?,?,?,?,?,?,?)",
                [(evaluation_id, finding_id, x.source, x.owner, x.reason, x.expires.isoformat(), x.state(today))
                 for finding_id, x in sorted(applied.items())])

    def applied(self, evaluation_id: str) -> list[AppliedException]:
        """The exceptions that applied to the open findings of ``evaluation_id``, as they were then."""
        return [AppliedException(r["finding_id"], r["source"], r["owner"], r["reason"],
                                 date.fromisoformat(r["expires"]), r["state"])
                for r in self.store.db.execute("SELECT * FROM evaluation_exceptions WHERE evaluation_id=? "
                                               "ORDER BY finding_id", (evaluation_id,))]


def _exception(r: sqlite3.Row) -> AcceptedException:
    return AcceptedException(r["finding_id"], r["owner"], r["reason"], date.fromisoformat(r["expires"]),
                             from_text(r["accepted_at"]) or utc_now(), r["accepted_by"], from_text(r["revoked_at"]))
