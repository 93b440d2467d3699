"""Partitions: one per configured scope's library, each a small picklable descriptor with a loader that builds
that library's :class:`ScopeSnapshot` inside the worker.

The driver never ships items: a partition names where its data is (a store path and a scope, or a
dataset folder), and the worker reads it there. A loader is anything with ``load() -> ScopeSnapshot`` that
pickles; :class:`StoreScopeLoader` reads the SQLite state store read-only, and a loader of Microsoft Graph
Data Connect's SharePoint datasets (one library's rows of Sites, Permissions and Files) plugs in the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from m365_compliance.errors import StateError
from m365_compliance.inventory.run import InventorySpec, ScopeSpec
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot
from m365_compliance.inventory.snapshot_load import InventoryRun, inventory_run, library_scopes, load_scope
from m365_compliance.state.inventory_repo import InventoryRepository
from m365_compliance.state.store import StateStore


class ScopeLoader(Protocol):
    """Builds one scope's picture where it runs (a worker); must pickle small (paths and names, no items)."""

    def load(self) -> ScopeSnapshot: ...


@dataclass(frozen=True)
class Partition:
    """One library to evaluate: its scope's name and how the worker loads it."""

    scope: str
    loader: ScopeLoader


@dataclass(frozen=True)
class StoreScopeLoader:
    """One scope of the state store at ``store_path``, as the inventory run ``run_id`` judges it (stale or not),
    read with the same code that builds the whole snapshot (:func:`load_scope`)."""

    store_path: Path
    spec: ScopeSpec
    run_id: str

    def load(self) -> ScopeSnapshot:
        with StateStore.read_only(self.store_path) as store:
            run = inventory_run(store, self.run_id)
            scope = load_scope(InventoryRepository(store), self.spec, run)
        if scope is None:
            raise StateError(f"The state store at {self.store_path} holds no library for scope {self.spec.scope}, "
                             "though it did when the evaluation began.",
                             hint="Another command changed the store meanwhile: run the command again.")
        return scope


@dataclass(frozen=True)
class LoadedScope:
    """A scope already in memory (a snapshot file given to ``check --snapshot``): it travels with its task."""

    scope: ScopeSnapshot = field(repr=False)  # items name applicants: never in a repr (or a task's name)

    def load(self) -> ScopeSnapshot:
        return self.scope


def store_partitions(store: StateStore, spec: InventorySpec, run: InventoryRun) -> list[Partition]:
    """One partition per configured scope whose library the store holds, in the policy's order. A scope never
    reached has none: no worker is asked to judge it, and its gap is judged with the shared context."""
    if store.path is None:
        raise StateError("An in-memory state store cannot be read by workers.",
                         hint="Give the policy file a [state] path, or use [engine] master = \"embedded\".")
    held = library_scopes(InventoryRepository(store))
    return [Partition(s.scope, StoreScopeLoader(store.path, s, run.id)) for s in spec.scopes if s.scope in held]


def snapshot_partitions(snapshot: Snapshot) -> list[Partition]:
    """One partition per scope of a snapshot already in memory."""
    return [Partition(name, LoadedScope(scope)) for name, scope in snapshot.scopes.items()]


def scope_names(partitions: Sequence[Partition]) -> frozenset[str]:
    return frozenset(p.scope for p in partitions)
