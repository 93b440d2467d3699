"""Opening the SQLite state store: private file, schema version check, transactions, runs.

The store is the memory between nightly runs (delta tokens, inventory, history, journal). It is
created readable by its owner only, written in WAL mode so a killed process never leaves it
half-written, and refuses a store written by a newer version instead of misreading it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from m365_compliance.errors import StateError
from m365_compliance.state.schema import SCHEMA_VERSION, TABLES


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_text(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def from_text(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def json_default(value: object) -> str:
    """JSON for values Graph answers parse into: instants as Graph writes them (``…Z``), the rest as text."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


class StateStore:
    """One SQLite file (or ``:memory:``). Use as a context manager or call :meth:`close`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        if self.path is not None:
            _create_private(self.path)
        try:
            self.db = sqlite3.connect(str(self.path or ":memory:"), isolation_level=None, timeout=30)
        except sqlite3.Error as exc:
            raise StateError(f"Cannot open the state store at {self.path}: {exc}",
                             hint="Check that the folder exists and is writable, or set [state] path.") from exc
        self.db.row_factory = sqlite3.Row
        self._migrate()

    def _migrate(self) -> None:
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(TABLES)
            row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StateError(f"The state store at {self.path} is not a readable SQLite database: {exc}",
                             hint="Restore it from the last saved state, or move it away to start with a full crawl.") from exc
        if row is None:
            self.db.execute("INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row["value"]) > SCHEMA_VERSION:
            raise StateError(f"The state store was written by a newer m365-compliance (schema {row['value']}).",
                             hint="Upgrade m365-compliance before running against this state.")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing: a crash or error inside leaves the store as it was before."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ runs
    def start_run(self, kind: str, policy_version: str | None) -> str:
        run_id = f"{utc_now().strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}"
        with self.transaction() as db:
            # A run still "running" at this point was killed: say so instead of leaving it open forever.
            db.execute("UPDATE runs SET status='interrupted' WHERE kind=? AND status='running'", (kind,))
            db.execute("INSERT INTO runs(id, kind, started_at, status, policy_version) VALUES (?,?,?,?,?)",
                       (run_id, kind, to_text(utc_now()), "running", policy_version))
        return run_id

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET finished_at=?, status=?, summary=? WHERE id=?",
                       (to_text(utc_now()), status, json.dumps(summary, sort_keys=True), run_id))

    def runs(self, kind: str | None = None) -> list[sqlite3.Row]:
        if kind is None:
            return self.db.execute("SELECT * FROM runs ORDER BY started_at").fetchall()
        return self.db.execute("SELECT * FROM runs WHERE kind=? ORDER BY started_at", (kind,)).fetchall()


def _create_private(path: Path) -> None:
    """Create the folder (0700) and file (0600) before SQLite does, so nobody else can read them."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    else:
        os.chmod(path, 0o600)
