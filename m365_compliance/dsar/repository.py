"""The case records: cases, matches and events of data-subject requests, in the state store.

These three tables are the only place the subject's e-mail, name and the paths of their files are
kept (reading them is reading personal data). Every step is also journaled (``actions/journal.py``)
with the case id as target and ids, dates and counts as the reason, so the evidence of C9 carries
no personal data and outlives the case records. The tables are created here, by the module that
owns them, with ``CREATE TABLE IF NOT EXISTS``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from m365_compliance.actions.journal import Entry, Event, Journal
from m365_compliance.dsar.model import Case, Match, MatchItem
from m365_compliance.errors import DsarError
from m365_compliance.suggest import did_you_mean
from m365_compliance.state.store import StateStore, from_text, to_text, utc_now

TABLES = """
CREATE TABLE IF NOT EXISTS dsar_cases (
    case_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject_email TEXT NOT NULL,
    subject_name TEXT,
    received TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    extension_months INTEGER NOT NULL DEFAULT 0,
    extension_reason TEXT,
    closed_at TEXT,
    found_at TEXT,
    snapshot_run_id TEXT,
    find_notes TEXT NOT NULL DEFAULT '[]',
    plan_ids TEXT NOT NULL DEFAULT '[]',
    exported_items INTEGER NOT NULL DEFAULT 0,
    erased_items INTEGER NOT NULL DEFAULT 0,
    kept_items INTEGER NOT NULL DEFAULT 0,
    export_sha256 TEXT,
    statement TEXT
);

CREATE TABLE IF NOT EXISTS dsar_matches (
    case_id TEXT NOT NULL,
    match_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    drive_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    confidence TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    web_url TEXT NOT NULL,
    items TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    PRIMARY KEY (case_id, match_id)
);

CREATE TABLE IF NOT EXISTS dsar_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id TEXT NOT NULL,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    actor TEXT,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS dsar_events_by_case ON dsar_events (case_id, seq);
"""
_CASE_COLUMNS = ("case_id", "kind", "subject_email", "subject_name", "received", "status", "opened_at",
                 "policy_version", "extension_months", "extension_reason", "closed_at", "found_at",
                 "snapshot_run_id", "find_notes", "plan_ids", "exported_items", "erased_items", "kept_items",
                 "export_sha256")


class CaseRepository:
    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.journal = Journal(store)
        store.db.executescript(TABLES)

    # ------------------------------------------------------------------ cases
    def create(self, case: Case, *, actor: str, now: datetime) -> None:
        with self.store.transaction() as db:
            db.execute(f"INSERT INTO dsar_cases({', '.join(_CASE_COLUMNS)}) VALUES "
                       f"({', '.join('?' * len(_CASE_COLUMNS))})", _case_values(case))
            self._event(db, case, "dsar_opened", actor, now, result="open",
                        reason=f"{case.kind} request received {case.received.isoformat()}, due "
                               f"{case.due.isoformat()}")

    def get(self, case_id: str) -> Case:
        row = self.store.db.execute("SELECT * FROM dsar_cases WHERE case_id=?", (case_id,)).fetchone()
        if row is None:
            known = [r["case_id"] for r in self.store.db.execute("SELECT case_id FROM dsar_cases ORDER BY case_id")]
            raise DsarError(f"There is no data-subject request {case_id!r} in this state store"
                            f"{did_you_mean(case_id, known)}.", usage=True,
                            hint="Copy the id from `m365-compliance dsar list --config POLICY` (ids look like "
                                 "dsar-20261125-1a2b3c).")
        return _case(row)

    def cases(self) -> list[Case]:
        return [_case(r) for r in self.store.db.execute("SELECT * FROM dsar_cases ORDER BY received, case_id")]

    def save(self, case: Case, event: Event, *, actor: str, now: datetime, result: str, reason: str,
             detail: Any = None, matches: Iterable[Match] | None = None) -> None:
        """Write the case (and, when given, its matches) and journal the step as of ``now`` (the command's
        policy time), all in one transaction."""
        with self.store.transaction() as db:
            assignments = ", ".join(f"{c}=?" for c in _CASE_COLUMNS[1:])
            db.execute(f"UPDATE dsar_cases SET {assignments} WHERE case_id=?",
                       (*_case_values(case)[1:], case.case_id))
            if matches is not None:
                db.execute("DELETE FROM dsar_matches WHERE case_id=?", (case.case_id,))
                db.executemany("INSERT INTO dsar_matches VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               [_match_values(m) for m in matches])
            self._event(db, case, event, actor, now, result=result, reason=reason, detail=detail)

    def set_statement(self, case_id: str, statement: dict[str, Any]) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE dsar_cases SET statement=? WHERE case_id=?",
                       (json.dumps(statement, ensure_ascii=False, sort_keys=True), case_id))

    def statement(self, case_id: str) -> dict[str, Any] | None:
        row = self.store.db.execute("SELECT statement FROM dsar_cases WHERE case_id=?", (case_id,)).fetchone()
        return json.loads(row["statement"]) if row is not None and row["statement"] else None

    # ------------------------------------------------------------------ matches and events
    def matches(self, case_id: str) -> list[Match]:
        return [_match(r) for r in self.store.db.execute(
            "SELECT * FROM dsar_matches WHERE case_id=? ORDER BY scope, match_id", (case_id,))]

    def events(self, case_id: str, event: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM dsar_events WHERE case_id=?" + (" AND event=?" if event else "") + " ORDER BY seq"
        args = (case_id, event) if event else (case_id,)
        return [{"at": r["at"], "event": r["event"], "actor": r["actor"],
                 "detail": json.loads(r["detail"]) if r["detail"] else None}
                for r in self.store.db.execute(sql, args)]

    def _event(self, db: sqlite3.Connection, case: Case, event: Event, actor: str, now: datetime, *, result: str,
               reason: str, detail: Any = None) -> None:
        """The case's own record (``detail`` may hold personal data) and the journal's (ids and counts only)."""
        db.execute("INSERT INTO dsar_events(case_id, at, event, actor, detail) VALUES (?,?,?,?,?)",
                   (case.case_id, to_text(utc_now()), event, actor,
                    json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail is not None else None))
        self.journal.append(Entry(event, target=case.case_id, result=result, code=case.kind, reason=reason,
                                  actor=actor, policy_version=case.policy_version, policy_at=now), db)


def _case_values(case: Case) -> tuple[Any, ...]:
    return (case.case_id, case.kind, case.subject_email, case.subject_name, case.received.isoformat(), case.status,
            to_text(case.opened_at), case.policy_version, case.extension_months, case.extension_reason,
            to_text(case.closed_at), to_text(case.found_at), case.snapshot_run_id,
            json.dumps(list(case.find_notes), ensure_ascii=False), json.dumps(list(case.plan_ids)),
            case.exported_items, case.erased_items, case.kept_items, case.export_sha256)


def _case(row: sqlite3.Row) -> Case:
    return Case(case_id=row["case_id"], kind=row["kind"], subject_email=row["subject_email"],
                subject_name=row["subject_name"], received=date.fromisoformat(row["received"]),
                status=row["status"], opened_at=_instant(row["opened_at"]), policy_version=row["policy_version"],
                extension_months=row["extension_months"], extension_reason=row["extension_reason"],
                closed_at=from_text(row["closed_at"]), found_at=from_text(row["found_at"]),
                snapshot_run_id=row["snapshot_run_id"], find_notes=tuple(json.loads(row["find_notes"])),
                plan_ids=tuple(json.loads(row["plan_ids"])), exported_items=row["exported_items"],
                erased_items=row["erased_items"], kept_items=row["kept_items"], export_sha256=row["export_sha256"])


def _match_values(m: Match) -> tuple[Any, ...]:
    items = [{"id": i.item_id, "path": i.path, "folder": i.is_folder, "size": i.size,
              "created": to_text(i.created), "modified": to_text(i.modified)} for i in m.items]
    return (m.case_id, m.match_id, m.scope, m.drive_id, m.item_id, m.rule, m.confidence, m.status, m.reason,
            m.web_url, json.dumps(items, ensure_ascii=False), m.decided_by, to_text(m.decided_at))


def _match(row: sqlite3.Row) -> Match:
    items = tuple(MatchItem(i["id"], i["path"], i["folder"], i["size"], from_text(i["created"]),
                            from_text(i["modified"])) for i in json.loads(row["items"]))
    return Match(row["match_id"], row["case_id"], row["scope"], row["drive_id"], row["item_id"], row["rule"],
                 row["confidence"], row["status"], row["reason"], row["web_url"], items, row["decided_by"],
                 from_text(row["decided_at"]))


def _instant(text: str) -> datetime:
    value = from_text(text)
    assert value is not None
    return value
