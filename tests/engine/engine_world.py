"""The demo tenant's first night as a state store, and copies of it as an inventory could have left it: a scope
it could not refresh, a root whose permissions it could not read, gaps in the directory and the register, a
library it never reached. Each copy is evaluated in one process and on an engine, and the two compared."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from m365_compliance.config.schema import Config
from m365_compliance.engine.engines import Engine
from m365_compliance.engine.evaluation import Gathered, evaluate_stored
from m365_compliance.inventory.snapshot_load import load_snapshot
from m365_compliance.inventory.spec import inventory_spec
from m365_compliance.model import Permission, Principal, PrincipalKind
from m365_compliance.rules.registry import evaluate
from m365_compliance.state.inventory_repo import encode_permission
from m365_compliance.state.tenancy import open_store

Edit = Callable[[sqlite3.Connection], None]
#: A group of the demo directory in no role and granted nowhere: granted on one customer folder by ``group_gaps``.
NO_ROLE_GROUP = "Salg Øst"
UNKNOWN_GROUP = "00000000-0000-4000-8000-00000000dead"  # named by a gap, unknown to the directory


@dataclass(frozen=True)
class World:
    config: Config
    now: datetime

    def single_process(self) -> list[dict[str, object]]:
        """``evaluate`` on the whole snapshot, as ``check`` without an engine makes it."""
        with open_store(self.config) as store:
            snapshot = load_snapshot(store, inventory_spec(self.config))
        return [f.as_dict() for f in evaluate(snapshot, self.config, self.now)]

    def on(self, engine: Engine) -> Gathered:
        with open_store(self.config) as store:
            return evaluate_stored(store, self.config, self.now, engine)

    def changed(self, folder: Path, *edits: Edit) -> World:
        """A copy of this world's store with ``edits`` made to it (in one transaction)."""
        folder.mkdir(parents=True, exist_ok=True)
        copy = folder / "state.sqlite"
        with sqlite3.connect(self.config.state.path) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        with sqlite3.connect(copy) as db:
            for edit in edits:
                edit(db)
        return World(dataclasses.replace(self.config, state=dataclasses.replace(self.config.state, path=copy)),
                     self.now)


def newest_run(db: sqlite3.Connection) -> str:
    return db.execute("SELECT id FROM runs WHERE kind='inventory' ORDER BY started_at DESC LIMIT 1").fetchone()[0]


def drive_of(db: sqlite3.Connection, scope: str) -> str:
    return db.execute("SELECT drive_id FROM libraries WHERE scope=?", (scope,)).fetchone()[0]


def add_gap(db: sqlite3.Connection, scope: str, target: str, operation: str, status: int | None,
            message: str) -> None:
    db.execute("INSERT INTO gaps(run_id, scope, target, operation, status, message, hint) VALUES (?,?,?,?,?,?,?)",
               (newest_run(db), scope, target, operation, status, message, "Grant the app access, then run again."))


def stale(scope: str) -> Edit:
    """The newest inventory could not read the scope's delta: what is known of it is the older picture."""
    def edit(db: sqlite3.Connection) -> None:
        web_url = db.execute("SELECT web_url FROM libraries WHERE scope=?", (scope,)).fetchone()[0]
        add_gap(db, scope, web_url, "delta", 503, "Service unavailable")
    return edit


def never_reached(scope: str) -> Edit:
    """No inventory ever resolved the scope's site: no library row, a gap saying why."""
    def edit(db: sqlite3.Connection) -> None:
        site_url = db.execute("SELECT site_url FROM libraries WHERE scope=?", (scope,)).fetchone()[0]
        db.execute("DELETE FROM libraries WHERE scope=?", (scope,))
        add_gap(db, scope, site_url, "resolve site and library", 403, "Access denied")
    return edit


def unreadable_root(scope: str) -> Edit:
    """A permission root (not the library root) whose permission list the inventory could not read."""
    def edit(db: sqlite3.Connection) -> None:
        drive = drive_of(db, scope)
        item = db.execute("SELECT r.item_id FROM permission_reads r JOIN items i USING (drive_id, item_id) "
                          "WHERE r.drive_id=? AND i.parent_id IS NOT NULL ORDER BY r.item_id LIMIT 1",
                          (drive,)).fetchone()[0]
        db.execute("DELETE FROM permission_reads WHERE drive_id=? AND item_id=?", (drive, item))
        db.execute("DELETE FROM permissions WHERE drive_id=? AND item_id=?", (drive, item))
        add_gap(db, scope, f"{drive}/{item}", "permissions", 503, "Service unavailable")
    return edit


def group_gaps(db: sqlite3.Connection) -> None:
    """A group in no role granted on one customer folder, and the members of every group unreadable (and of one
    group the directory does not know): a group's controls are those of the scopes that grant it."""
    row = db.execute("SELECT id, display_name, email FROM principals WHERE kind='group' AND display_name=?",
                     (NO_ROLE_GROUP,)).fetchone()
    group = Principal(PrincipalKind.GROUP, row[0], row[1], row[2])
    drive = drive_of(db, "customers")
    folder = db.execute("SELECT r.item_id FROM permission_reads r JOIN items i USING (drive_id, item_id) "
                        "WHERE r.drive_id=? AND i.parent_id IS NOT NULL AND i.is_folder=1 ORDER BY r.item_id LIMIT 1",
                        (drive,)).fetchone()[0]
    key = bytes.fromhex(db.execute("SELECT value FROM meta WHERE key='pseudonym_key'").fetchone()[0])
    db.execute("INSERT INTO permissions(drive_id, item_id, perm_id, roles, link_scope, link_type, expires, grantees, "
               "link_flags) VALUES (?,?,?,?,?,?,?,?,?)",
               (drive, folder, *encode_permission(Permission("east", ("write",), (group,)), key)))
    for (group_id,) in db.execute("SELECT id FROM principals WHERE kind='group'").fetchall():
        add_gap(db, "directory", f"group {group_id}", "transitiveMembers", 429, "Too many requests")
    add_gap(db, "directory", f"group {UNKNOWN_GROUP}", "transitiveMembers", 404, "Not found")


def register_and_users_gaps(db: sqlite3.Connection) -> None:
    """The register and the user list could not be read."""
    add_gap(db, "register", "https://tretoen.sharepoint.com/sites/kunder list Avtaleregister", "read register",
            403, "Access denied")
    add_gap(db, "directory", "users", "list users", 403, "Access denied")


def evidence(finding: dict[str, object]) -> dict[str, str]:
    value = finding["evidence"]
    assert isinstance(value, dict)
    return value
