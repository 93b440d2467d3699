"""Building a :class:`Snapshot` from the state store after an inventory run.

Roots whose permission list is missing (a failed read) are marked unreadable, so effective access
below them is "not evaluated" rather than silently inherited from further up.
"""

from __future__ import annotations

import json
from m365_compliance.errors import StateError
from m365_compliance.inventory.folder_units import find_folder
from m365_compliance.inventory.run import InventorySpec
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot
from m365_compliance.model import Library
from m365_compliance.state.inventory_repo import InventoryRepository
from m365_compliance.state.store import StateStore, from_text


def load_snapshot(store: StateStore, spec: InventorySpec, run_id: str | None = None) -> Snapshot:
    repo = InventoryRepository(store)
    runs = [r for r in store.runs("inventory") if r["status"] != "running" and r["status"] != "failed"]
    if run_id is not None:
        runs = [r for r in runs if r["id"] == run_id]
    if not runs:
        raise StateError("The state store holds no finished inventory run.",
                         hint="Run `m365-compliance inventory` first.")
    run = runs[-1]
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
        scopes[scope_spec.scope] = ScopeSnapshot.build(
            scope_spec.scope, row["site_url"], library, find_folder(repo, drive_id, scope_spec.folder),
            scope_spec.unit_depth, items, permissions, frozenset(repo.unread_permission_roots(drive_id, mode)))
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
        gaps=tuple(repo.gaps(run["id"])),
    )
