"""Building a :class:`Snapshot` from the state store after an inventory run.

Roots whose permission list is missing (a failed read) are marked unreadable, so effective access
below them is "not evaluated" rather than silently inherited from further up. A scope the newest
run could not refresh keeps the picture an earlier run committed, marked stale with the newest
run's reason: the rules still show what was last known, but as stale, and nothing is planned from it.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from m365_compliance.errors import StateError
from m365_compliance.inventory.folder_units import find_folder
from m365_compliance.inventory.run import InventorySpec
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot, Staleness
from m365_compliance.model import Library
from m365_compliance.state.inventory_repo import Gap, InventoryRepository
from m365_compliance.state.store import StateStore, from_text


def load_snapshot(store: StateStore, spec: InventorySpec, run_id: str | None = None) -> Snapshot:
    repo = InventoryRepository(store)
    runs = [r for r in store.runs("inventory") if r["status"] != "running" and r["status"] != "failed"]
    # A killed run committed whole libraries (each crawl commits atomically): its time dates what it committed.
    finished = {r["id"]: from_text(r["finished_at"]) or from_text(r["started_at"]) for r in runs}
    if run_id is not None:
        runs = [r for r in runs if r["id"] == run_id]
    if not runs:
        raise StateError("The state store holds no finished inventory run.",
                         hint="Run `m365-compliance inventory` first.")
    run = runs[-1]
    gaps = tuple(repo.gaps(run["id"]))
    by_scope = {row["scope"]: row for row in repo.libraries()}
    scopes: dict[str, ScopeSnapshot] = {}
    for scope_spec in spec.scopes:
        row = by_scope.get(scope_spec.scope)
        if row is None:
            continue  # never reached: the run's gaps say why
        drive_id = row["drive_id"]
        mode = row["mode"] or "sharing-delta"
        items = {item.id: item for item in repo.items(drive_id)}
        permissions = {k: tuple(v) for k, v in repo.permissions(drive_id).items()}
        library = Library(drive_id, row["site_id"], row["name"], row["web_url"])
        picture_at = finished.get(row["last_run_id"])
        scopes[scope_spec.scope] = ScopeSnapshot.build(
            scope_spec.scope, row["site_url"], library, find_folder(repo, drive_id, scope_spec.folder),
            scope_spec.unit_depth, items, permissions, frozenset(repo.unread_permission_roots(drive_id, mode)),
            picture_at=picture_at, stale=_staleness(run, row, gaps, picture_at), source=mode)
    roles_row = store.db.execute("SELECT value FROM meta WHERE key='roles'").fetchone()
    roles = {k: tuple(v) for k, v in json.loads(roles_row["value"]).items()} if roles_row else {}
    return Snapshot(
        run_id=run["id"],
        taken_at=from_text(run["finished_at"]) or from_text(run["started_at"]),  # type: ignore[arg-type]
        policy_version=run["policy_version"],
        scopes=scopes,
        principals=repo.principals(),
        group_members={k: tuple(v) for k, v in repo.group_members().items()},
        roles=roles,
        register_rows=tuple(repo.register_rows()),
        gaps=gaps,
        pseudonym_key=store.pseudonym_key,
    )


#: Gaps that mean the newest run did not read the scope as a whole (not one item or one column).
SCOPE_OPERATIONS = ("resolve site and library", "delta", "find folder", "mgdc dataset")


def _staleness(run: sqlite3.Row, library: sqlite3.Row, gaps: tuple[Gap, ...],
               picture_at: object) -> Staleness | None:
    """Stale when the newest run did not commit this library's crawl, or could not read its scope."""
    scope_gaps = [g for g in gaps if g.scope == library["scope"] and g.operation in SCOPE_OPERATIONS]
    if library["last_run_id"] == run["id"] and not scope_gaps:
        return None
    reason = "; ".join(f"{g.operation}: {g.message}" for g in scope_gaps) or \
        f"the newest inventory ({run['id']}) did not read this library"
    return Staleness(picture_at if isinstance(picture_at, datetime) else None, reason)
