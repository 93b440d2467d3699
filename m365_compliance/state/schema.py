"""The state store's tables, versioned so an older store is migrated forward, never misread.

Inventory tables hold the *current* picture of each library (updated incrementally from delta);
``staged_*`` tables hold what a running inventory has read but not yet committed, so a killed run
leaves the last committed picture intact and can resume from its checkpoint.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class AddColumn:
    """A column added to a table. Some tables are created by the code that owns them, on first use; a store
    that has not made such a table yet gets the column when the table is made, so nothing is added here."""

    table: str
    column: str
    declaration: str

    def apply(self, db: sqlite3.Connection) -> None:
        columns = {r[1] for r in db.execute(f"PRAGMA table_info({self.table})")}
        if columns and self.column not in columns:
            db.execute(f"ALTER TABLE {self.table} ADD COLUMN {self.column} {self.declaration}")


#: Which accepted exception (``drift accept`` or exceptions.toml) applied to each open finding of each
#: evaluation, and whether it was in force or had expired on the evaluation's day: what was in force at
#: each run, kept even after the file changes or the exception is revoked (C9).
EXCEPTIONS_IN_FORCE_TABLE = """
CREATE TABLE IF NOT EXISTS evaluation_exceptions (
    evaluation_id TEXT NOT NULL,
    finding_id TEXT NOT NULL,
    source TEXT NOT NULL,
    owner TEXT NOT NULL,
    reason TEXT NOT NULL,
    expires TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (evaluation_id, finding_id)
)"""

#: Each version's changes to a store of the version before it (applied in order, in one transaction). Each
#: change is named by what it adds, so renumbering a version is changing its key alone.
MIGRATIONS: dict[int, tuple[str | AddColumn, ...]] = {
    2: ("ALTER TABLE permissions ADD COLUMN link_flags TEXT",),  # hasPassword / preventsDownload
    3: (EXCEPTIONS_IN_FORCE_TABLE,),
    # The policy time (``--now``) a run and a journal row acted as of, beside the wall time they happened at.
    4: (AddColumn("runs", "policy_at", "TEXT"), AddColumn("journal", "policy_at", "TEXT")),
}
SCHEMA_VERSION = max(MIGRATIONS)

TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    policy_version TEXT,
    summary TEXT,
    policy_at TEXT
);

CREATE TABLE IF NOT EXISTS libraries (
    drive_id TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    site_id TEXT NOT NULL,
    site_url TEXT NOT NULL,
    name TEXT NOT NULL,
    web_url TEXT NOT NULL,
    delta_link TEXT,
    mode TEXT,
    last_full_at TEXT,
    last_run_id TEXT
);

CREATE TABLE IF NOT EXISTS items (
    drive_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    parent_id TEXT,
    name TEXT NOT NULL,
    is_folder INTEGER NOT NULL,
    is_root INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL DEFAULT 0,
    created TEXT,
    modified TEXT,
    created_by TEXT,
    modified_by TEXT,
    etag TEXT,
    ctag TEXT,
    shared_scope TEXT,
    fields TEXT,
    label TEXT,
    PRIMARY KEY (drive_id, item_id)
);
CREATE INDEX IF NOT EXISTS items_parent ON items (drive_id, parent_id);

CREATE TABLE IF NOT EXISTS permissions (
    drive_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    perm_id TEXT NOT NULL,
    roles TEXT NOT NULL,
    link_scope TEXT,
    link_type TEXT,
    expires TEXT,
    grantees TEXT NOT NULL,
    link_flags TEXT,
    PRIMARY KEY (drive_id, item_id, perm_id)
);

CREATE TABLE IF NOT EXISTS permission_reads (
    drive_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    read_at TEXT NOT NULL,
    PRIMARY KEY (drive_id, item_id)
);

CREATE TABLE IF NOT EXISTS principals (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    display_name TEXT,
    email TEXT
);

CREATE TABLE IF NOT EXISTS group_members (
    group_id TEXT NOT NULL,
    member_key TEXT NOT NULL,
    PRIMARY KEY (group_id, member_key)
);

CREATE TABLE IF NOT EXISTS register_rows (
    row_id TEXT PRIMARY KEY,
    fields TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS gaps (
    run_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    target TEXT NOT NULL,
    operation TEXT NOT NULL,
    status INTEGER,
    message TEXT NOT NULL,
    hint TEXT
);

CREATE TABLE IF NOT EXISTS checkpoints (
    drive_id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    next_link TEXT,
    base_delta_link TEXT,
    pages INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS staged_items (
    drive_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (drive_id, seq)
);
CREATE INDEX IF NOT EXISTS staged_by_item ON staged_items (drive_id, item_id, seq);
""" + EXCEPTIONS_IN_FORCE_TABLE + ";\n"
