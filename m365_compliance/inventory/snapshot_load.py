"""Building a :class:`Snapshot` from the state store after an inventory run.

Roots whose permission list is missing (a failed read) are marked unreadable, so effective access
below them is "not evaluated" rather than silently inherited from further up. A scope the newest
run could not refresh keeps the picture an earlier run committed, marked stale with the newest
run's reason: the rules still show what was last known, but as stale, and nothing is planned from it.

The snapshot is built from parts — the run it is of, the shared context (directory, register, gaps)
and one :class:`ScopeSnapshot` per library — so a worker of the distributed engine loads exactly one
scope with the same code (:func:`load_scope`) that builds the whole snapshot here.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from m365_compliance.errors import StateError
from m365_compliance.inventory.folder_units import find_folder
from m365_compliance.inventory.run import InventorySpec, ScopeSpec
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot, Staleness
from m365_compliance.model import Library
from m365_compliance.state.inventory_repo import Gap, InventoryRepository
from m365_compliance.state.store import StateStore, from_text


@dataclass(frozen=True)
class InventoryRun:
    """The finished inventory run a snapshot is of: what each scope's picture is judged against."""

    id: str
    taken_at: datetime
    policy_version: str | None
    gaps: tuple[Gap, ...]
    #: When each run that committed something finished: dates the picture of every library it committed.
    finished: Mapping[str, datetime]


def inventory_run(store: StateStore, run_id: str | None = None) -> InventoryRun:
    """The newest finished inventory run (or ``run_id``); StateError when the store holds none."""
    runs = [r for r in store.runs("inventory") if r["status"] != "running" and r["status"] != "failed"]
    # A killed run committed whole libraries (each crawl commits atomically): its time dates what it committed.
    finished = {r["id"]: from_text(r["finished_at"]) or from_text(r["started_at"]) for r in runs}
    if run_id is not None:
        runs = [r for r in runs if r["id"] == run_id]
    if not runs:
        raise StateError("The state store holds no finished inventory run.",
                         hint="Run `m365-compliance inventory` first.")
    run = runs[-1]
    return InventoryRun(run["id"], finished[run["id"]], run["policy_version"],  # type: ignore[arg-type]
                        tuple(InventoryRepository(store).gaps(run["id"])), finished)  # type: ignore[arg-type]


def load_snapshot(store: StateStore, spec: InventorySpec, run_id: str | None = None) -> Snapshot:
    run = inventory_run(store, run_id)
    repo = InventoryRepository(store)
    scopes = {s.scope: scope for s in spec.scopes if (scope := load_scope(repo, s, run)) is not None}
    return load_context(store, run).with_scopes(scopes)


def load_context(store: StateStore, run: InventoryRun) -> Snapshot:
    """Everything of the snapshot but its scopes: the directory, roles, register rows, gaps and the store's
    pseudonym key. Small, whatever the tenant's size: what every worker gets with its task."""
    repo = InventoryRepository(store)
    roles_row = store.db.execute("SELECT value FROM meta WHERE key='roles'").fetchone()
    roles = {k: tuple(v) for k, v in json.loads(roles_row["value"]).items()} if roles_row else {}
    return Snapshot(
        run_id=run.id,
        taken_at=run.taken_at,
        policy_version=run.policy_version,
        scopes={},
        principals=repo.principals(),
        group_members={k: tuple(v) for k, v in repo.group_members().items()},
        roles=roles,
        register_rows=tuple(repo.register_rows()),
        gaps=run.gaps,
        pseudonym_key=store.pseudonym_key,
    )


def library_scopes(repo: InventoryRepository) -> frozenset[str]:
    """The scopes whose library some inventory has committed (a scope never reached has none: its gap says why)."""
    return frozenset(row["scope"] for row in repo.libraries())


def load_scope(repo: InventoryRepository, spec: ScopeSpec, run: InventoryRun) -> ScopeSnapshot | None:
    """One scope's picture as ``run`` judges it; None when no inventory ever reached its library."""
    row = {r["scope"]: r for r in repo.libraries()}.get(spec.scope)
    if row is None:
        return None
    drive_id = row["drive_id"]
    mode = row["mode"] or "sharing-delta"
    items = {item.id: item for item in repo.items(drive_id)}
    permissions = {k: tuple(v) for k, v in repo.permissions(drive_id).items()}
    library = Library(drive_id, row["site_id"], row["name"], row["web_url"])
    picture_at = run.finished.get(row["last_run_id"])
    return ScopeSnapshot.build(
        spec.scope, row["site_url"], library, find_folder(repo, drive_id, spec.folder),
        spec.unit_depth, items, permissions, frozenset(repo.unread_permission_roots(drive_id, mode)),
        picture_at=picture_at, stale=_staleness(run, row, picture_at), source=mode)


#: Gaps that mean the newest run did not read the scope as a whole (not one item or one column).
SCOPE_OPERATIONS = ("resolve site and library", "delta", "find folder", "mgdc dataset")


def _staleness(run: InventoryRun, library: sqlite3.Row, picture_at: datetime | None) -> Staleness | None:
    """Stale when the newest run did not commit this library's crawl, or could not read its scope."""
    scope_gaps = [g for g in run.gaps if g.scope == library["scope"] and g.operation in SCOPE_OPERATIONS]
    if library["last_run_id"] == run.id and not scope_gaps:
        return None
    reason = "; ".join(f"{g.operation}: {g.message}" for g in scope_gaps) or \
        f"the newest inventory ({run.id}) did not read this library"
    return Staleness(picture_at if isinstance(picture_at, datetime) else None, reason)
