"""Opening the SQLite state store: private file, schema version check, transactions, runs.

The store is the memory between nightly runs (delta tokens, inventory, history, journal). It is
created readable by its owner only, written in WAL mode so a killed process never leaves it
half-written, and refuses a store written by a newer version instead of misreading it.

SQLite's errors are told apart by what they mean, on opening and on every statement: a full disk and a
read-only folder are not a damaged store, and saying "not a readable database, move it away" for them
would invite someone to throw the history away.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import sqlite3
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from m365_compliance.errors import OutputError, StateError, StoreFull, StoreNotWritable
from m365_compliance.private_files import FILE_MODE, path_problem, private_dir, shown
from m365_compliance.state.schema import MIGRATIONS, SCHEMA_VERSION, TABLES, AddColumn


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


#: Bytes the store's file name must leave free for the files named after it: SQLite's ``-journal``, ``-wal``
#: and ``-shm``, the writer lock's ``.lock`` and the remote copy's ``.remote.json`` receipt (the longest).
SIDE_FILE_ROOM = len(".remote.json")
#: SQLite's unix VFS opens no database whose full path, with ``-journal`` after it, is over 512 bytes
#: ("unable to open database file", which would read as a folder that may not be written).
SQLITE_PATH_MAX = 512


def store_path_problem(path: Path | str) -> str | None:
    """Why no state store can be at ``path``, whatever is on the disk (NUL, a name or path too long for the
    filesystem or for SQLite, with room for its side files), or None. Never raises."""
    return path_problem(path, room=SIDE_FILE_ROOM, path_max=SQLITE_PATH_MAX)


_DAMAGED_HINT = "Restore it from the last saved state, or move it away to start with a full crawl."
_PATH_HINT = "Set [state] path in the policy file to a file in a folder this user may write, or fix the one named."
_NOT_WRITABLE = (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN)
_DAMAGED = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def store_error(exc: sqlite3.Error, path: Path | None) -> StateError | None:
    """What ``exc`` means for the store at ``path``, as the error that says what to do; None for an error that
    is about the statement, not the disk (a constraint, a lock, a bug), which callers may expect as it is."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF  # the primary code of an extended one
    where = path if path is not None else ":memory:"
    if code == sqlite3.SQLITE_FULL:
        return StoreFull(f"The disk holding the state store {where} is full: the unfinished change was rolled "
                         "back and the store itself is intact.")
    if code in _NOT_WRITABLE:
        folder = path.parent if path is not None else where
        return StoreNotWritable(f"The state folder {folder} is not writable: SQLite cannot write the state store "
                                f"there ({exc}).")
    if code in _DAMAGED:
        return StateError(f"The state store at {where} is not a readable SQLite database: {exc}",
                          hint=_DAMAGED_HINT)
    if code == sqlite3.SQLITE_IOERR:
        return StateError(f"The disk holding the state store {where} failed a read or write ({exc}).",
                          hint="Check that disk (free space, quota, file size limit, errors) and run the command "
                               "again; SQLite rolled the unfinished change back.")
    return None


class _Connection(sqlite3.Connection):
    """A connection whose disk-level failures, on any statement, arrive as the :func:`store_error` they mean."""

    store_path: Path | None = None

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as exc:
            _raise_meaning(exc, self.store_path)
            raise

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.Error as exc:
            _raise_meaning(exc, self.store_path)
            raise

    def executescript(self, script: str, /) -> sqlite3.Cursor:
        try:
            return super().executescript(script)
        except sqlite3.Error as exc:
            _raise_meaning(exc, self.store_path)
            raise


def _raise_meaning(exc: sqlite3.Error, path: Path | None) -> None:
    meaning = store_error(exc, path)
    if meaning is not None:
        raise meaning from exc


class StateStore:
    """One SQLite file (or ``:memory:``). Use as a context manager or call :meth:`close`."""

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            _refuse_impossible(path)
        # The real file: a symlink to a store is that store (one lock, one WAL beside the real file).
        self.path = Path(os.path.realpath(path)) if str(path) != ":memory:" else None
        if self.path is not None and self.path != Path(path):
            _refuse_impossible(self.path, given=path)  # a symlink on the way may make it longer
        if self.path is not None:
            _create_private(self.path)
        try:
            self.db = sqlite3.connect(str(self.path or ":memory:"), isolation_level=None, timeout=30,
                                      factory=_Connection)
        except sqlite3.Error as exc:
            _raise_meaning(exc, self.path)
            raise StateError(f"Cannot open the state store at {self.path}: {exc}",
                             hint="Check that the folder exists and is writable, or set [state] path.") from exc
        self.db.store_path = self.path  # type: ignore[attr-defined]
        self.db.row_factory = sqlite3.Row
        try:
            self._migrate()
        except BaseException:
            self.db.close()
            raise

    def _migrate(self) -> None:
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(TABLES)
            row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:  # what store_error does not name: still not a store we can read
            raise StateError(f"The state store at {self.path} is not a readable SQLite database: {exc}",
                             hint=_DAMAGED_HINT) from exc
        if row is None:
            self.db.execute("INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            self.db.execute("INSERT INTO meta(key, value) VALUES ('pseudonym_key', ?)", (secrets.token_hex(32),))
        elif int(row["value"]) > SCHEMA_VERSION:
            raise StateError(f"The state store was written by a newer m365-compliance (schema {row['value']}).",
                             hint="Upgrade m365-compliance before running against this state.")
        elif int(row["value"]) < SCHEMA_VERSION:
            self._upgrade()

    @classmethod
    def read_only(cls, path: Path | str) -> StateStore:
        """The store at ``path`` opened for reading only (SQLite ``mode=ro``): never created, migrated or written,
        so a worker of the distributed engine reading one library cannot change what the driver journals. A store
        of another schema version is refused (only a writer may migrate it)."""
        real = Path(os.path.realpath(path))
        if not real.is_file():
            raise StateError(f"There is no state store at {real} on this machine.",
                             hint="Workers read the state store by the path the command uses: run them where that "
                                  "path reaches the same file (a shared disk), or use [engine] master = \"embedded\".")
        store = cls.__new__(cls)
        store.path = real
        try:
            store.db = sqlite3.connect(f"{real.as_uri()}?mode=ro", uri=True, isolation_level=None, timeout=30,
                                       factory=_Connection)
        except sqlite3.Error as exc:
            raise StateError(f"Cannot open the state store at {real} for reading: {exc}",
                             hint="Check that this user may read the file and its folder.") from exc
        store.db.store_path = real  # type: ignore[attr-defined]
        store.db.row_factory = sqlite3.Row
        try:
            row = store.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except (sqlite3.Error, StateError) as exc:
            store.close()
            raise StateError(f"The state store at {real} cannot be read: {exc}", hint=_DAMAGED_HINT) from exc
        if row is None or int(row["value"]) != SCHEMA_VERSION:
            store.close()
            raise StateError(f"The state store at {real} has schema {row['value'] if row else 'none'}, this "
                             f"m365-compliance reads schema {SCHEMA_VERSION}.",
                             hint="Install the same m365-compliance version everywhere the store is read, and open "
                                  "the store once with a command that writes (it migrates an older one).")
        return store

    @property
    def pseudonym_key(self) -> bytes:
        """This store's secret for the ids of people known only by address (``mail-…``): a keyed digest, so
        whoever reads findings or alerts cannot confirm a guessed address offline. Made with the store (and
        by the upgrade for an older one); a new store means new ids for those people, nothing else."""
        row = self.db.execute("SELECT value FROM meta WHERE key='pseudonym_key'").fetchone()
        if row is None:  # a store of this version made before the key existed: once, now
            with self.transaction() as db:
                db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('pseudonym_key', ?)",
                           (secrets.token_hex(32),))
            row = self.db.execute("SELECT value FROM meta WHERE key='pseudonym_key'").fetchone()
        return bytes.fromhex(row["value"])

    def _upgrade(self) -> None:
        """Bring an older store forward, all versions in one transaction (re-read inside it: another process
        may have upgraded the store between our first look and the lock)."""
        with self.transaction() as db:
            version = int(db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()["value"])
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for change in MIGRATIONS.get(step, ()):
                    if isinstance(change, AddColumn):
                        change.apply(db)
                    else:
                        db.execute(change)
            db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('pseudonym_key', ?)", (secrets.token_hex(32),))
            db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing: a crash or error inside leaves the store as it was before."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        """Undo the open transaction, if SQLite has not already (it rolls back by itself on a full disk)."""
        if self.db.in_transaction:
            with suppress(sqlite3.Error, StateError):  # the error that brought us here is the one to report
                self.db.execute("ROLLBACK")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ runs
    def start_run(self, kind: str, policy_version: str | None, *, policy_at: datetime | None = None) -> str:
        """A new run, started now (wall time). ``policy_at`` is the instant it acts as of (``--now``): its id
        begins with that instant, so a rehearsal's ids tell the rehearsed date like everything else it writes."""
        started = utc_now()
        run_id = f"{(policy_at or started).astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}"
        with self.transaction() as db:
            # A run still "running" at this point was killed: say so instead of leaving it open forever.
            db.execute("UPDATE runs SET status='interrupted' WHERE kind=? AND status='running'", (kind,))
            db.execute("INSERT INTO runs(id, kind, started_at, status, policy_version, policy_at) "
                       "VALUES (?,?,?,?,?,?)", (run_id, kind, to_text(started), "running", policy_version,
                                                to_text(policy_at)))
        return run_id

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET finished_at=?, status=?, summary=? WHERE id=?",
                       (to_text(utc_now()), status, json.dumps(summary, sort_keys=True), run_id))

    def runs(self, kind: str | None = None) -> list[sqlite3.Row]:
        if kind is None:
            return self.db.execute("SELECT * FROM runs ORDER BY started_at").fetchall()
        return self.db.execute("SELECT * FROM runs WHERE kind=? ORDER BY started_at", (kind,)).fetchall()


def _refuse_impossible(path: Path | str, *, given: Path | str | None = None) -> None:
    """Refuse a store path no disk could hold before anything is made (a folder, the lock, the store)."""
    problem = store_path_problem(path)
    if problem is not None:
        real = "" if given is None else f" (the real path of {shown(given)})"
        raise StateError(f"The state store path {shown(path)}{real} cannot be used: {problem}.", hint=_PATH_HINT)


def _refuse_shared(path: Path) -> None:
    """A store is one regular file with one name: a device is no store, and a second hard link would give each
    name its own write-ahead log and lock, so two writers could lose each other's commits."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    except OSError:
        return  # reported when the file is opened
    if not stat.S_ISREG(info.st_mode):
        raise StateError(f"The state store path {path} is not a regular file (a device, a pipe or a folder).",
                         hint="Set [state] path to an ordinary file (it is created if missing).")
    if info.st_nlink > 1:
        raise StateError(f"The state store {path} has {info.st_nlink} names (hard links): each would keep its own "
                         "write-ahead log and lock, and commits could be lost.",
                         hint="Keep one name for the store: remove the other links (or copy the file) and use that "
                              "path in [state] path.")


def _create_private(path: Path) -> None:
    """Create the folder (0700) and file (0600) before SQLite does, so nobody else can read them."""
    try:
        private_dir(path.parent)
    except OutputError as exc:
        raise StoreNotWritable(exc.message, hint=_PATH_HINT) from exc
    _refuse_shared(path)
    try:
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
            os.close(fd)
        else:
            os.chmod(path, FILE_MODE)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise StoreNotWritable(f"The state folder {path.parent} is not writable: the state store cannot be "
                                   f"created or made private there ({exc.strerror}).") from exc
        raise StateError(f"The state store {path} cannot be created or opened: {exc.strerror or exc}.",
                         hint=_PATH_HINT) from exc
