"""A partition is a few hundred bytes naming where its library is; its loader builds, read-only, the very scope the
whole snapshot holds."""

from __future__ import annotations

import pickle

import pytest
from engine_world import World, never_reached, stale
from night import first_night

from m365_compliance.engine.partitions import StoreScopeLoader, store_partitions
from m365_compliance.errors import StateError, StoreNotWritable
from m365_compliance.inventory.snapshot_load import inventory_run, load_snapshot
from m365_compliance.inventory.spec import inventory_spec
from m365_compliance.state.store import StateStore
from m365_compliance.state.tenancy import open_store


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    night = first_night(tmp_path_factory.mktemp("night"), acting=False)
    return World(night.config, night.demo.tenant.clock)


def partitions_and_snapshot(world: World):
    with open_store(world.config) as store:
        parts = store_partitions(store, inventory_spec(world.config), inventory_run(store))
        return parts, load_snapshot(store, inventory_spec(world.config))


def test_each_loader_builds_the_scope_the_whole_snapshot_holds(world, tmp_path):
    changed = world.changed(tmp_path, stale("customers"))
    parts, whole = partitions_and_snapshot(changed)
    assert [p.scope for p in parts] == list(whole.scopes) == ["recruitment", "customers"]
    for part in parts:
        assert part.loader.load() == whole.scopes[part.scope]
    assert whole.scopes["customers"].stale is not None  # the run's judgement travels with the loader


def test_a_partition_pickles_small_and_names_nobody(world):
    parts, whole = partitions_and_snapshot(world)
    for part in parts:
        data = pickle.dumps(part)
        assert len(data) < 2000  # where the library is, not what it holds
        scope = whole.scopes[part.scope]
        names = [i.name for i in scope.descendants(scope.base_folder_id or "")]  # below the configured folder
        assert names and not [n for n in names if n.encode() in data]
        assert pickle.loads(data).loader.load() == whole.scopes[part.scope]


def test_a_library_never_reached_has_no_partition(world, tmp_path):
    parts, whole = partitions_and_snapshot(world.changed(tmp_path, never_reached("recruitment")))
    assert [p.scope for p in parts] == list(whole.scopes) == ["customers"]


def test_the_loader_reads_the_store_read_only(world, tmp_path):
    changed = world.changed(tmp_path)
    before = changed.config.state.path.read_bytes()
    with StateStore.read_only(changed.config.state.path) as store:
        with pytest.raises(StoreNotWritable):
            store.db.execute("DELETE FROM items")
    assert changed.config.state.path.read_bytes() == before
    with pytest.raises(StateError) as caught:
        StoreScopeLoader(tmp_path / "elsewhere" / "state.sqlite", inventory_spec(changed.config).scopes[0],
                         "run").load()
    assert "no state store" in caught.value.message and "shared disk" in caught.value.hint
    assert not (tmp_path / "elsewhere").exists()  # nothing created where a worker looked
