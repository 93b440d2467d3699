"""On the demo tenant, two Dask worker processes — each loading and judging one library — find exactly what one
process finds over the whole snapshot: the same ids, fields and order, also where the picture is stale, a root
unreadable, the directory or the register not read, or a library never reached."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from engine_world import (
    NO_ROLE_GROUP,
    UNKNOWN_GROUP,
    World,
    evidence,
    group_gaps,
    never_reached,
    register_and_users_gaps,
    stale,
    unreadable_root,
)
from night import first_night

from m365_compliance import __version__
from m365_compliance.engine import dask_engine
from m365_compliance.engine.engines import EmbeddedEngine, Engine
from m365_compliance.engine.evaluation import evaluate_partitions
from m365_compliance.engine.master import LocalWorkers
from m365_compliance.engine.opening import open_engine
from m365_compliance.engine.partitions import Partition, StoreScopeLoader
from m365_compliance.errors import EngineError, StateError
from m365_compliance.inventory.snapshot_load import inventory_run, load_context, load_snapshot
from m365_compliance.inventory.spec import inventory_spec
from m365_compliance.rules.registry import evaluate
from m365_compliance.state.tenancy import open_store


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    night = first_night(tmp_path_factory.mktemp("night"), acting=False)
    return World(night.config, night.demo.tenant.clock)


@pytest.fixture(scope="module")
def local2() -> Iterator[Engine]:
    """``[engine] master = "local[2]"``: a LocalCluster of two worker processes, started once for this module."""
    with open_engine(LocalWorkers(2)) as engine:
        yield engine


def test_two_worker_processes_find_exactly_what_one_process_finds(world, local2):
    expected = world.single_process()
    gathered = world.on(local2)
    assert [f.as_dict() for f in gathered.findings] == expected
    assert {f["scope"] for f in expected} >= {"recruitment", "customers", "register"}  # every kind of finding
    assert [r.scope for r in gathered.partitions] == ["recruitment", "customers"]  # one partition per library
    workers = {r.worker_pid for r in gathered.partitions}
    assert len(workers) == 2 and os.getpid() not in workers  # two processes, neither this one


def test_the_embedded_engine_finds_the_same_in_this_process(world):
    gathered = world.on(EmbeddedEngine())
    assert [f.as_dict() for f in gathered.findings] == world.single_process()
    assert {r.worker_pid for r in gathered.partitions} == {os.getpid()}


def test_a_scope_the_newest_inventory_could_not_refresh(world, local2, tmp_path):
    changed = world.changed(tmp_path, stale("recruitment"))
    expected = changed.single_process()
    assert [f.as_dict() for f in changed.on(local2).findings] == expected
    recruitment = [f for f in expected if f["scope"] == "recruitment"]
    assert recruitment and all(f["status"] == "not_evaluated" for f in recruitment)
    assert any("staleSince" in evidence(f) for f in recruitment)


def test_a_root_whose_permissions_could_not_be_read(world, local2, tmp_path):
    changed = world.changed(tmp_path, unreadable_root("recruitment"))
    expected = changed.single_process()
    assert [f.as_dict() for f in changed.on(local2).findings] == expected
    # Reported at the item by the access rule, never also as a coverage gap — though the customer partition,
    # which lacks the recruitment scope, would report the gap itself (it answers for no recruitment finding).
    assert [f["rule"] for f in expected if f["title"] == "Not evaluated: permissions unreadable"] == \
        ["c1.recruitment-access"]
    assert not [f for f in expected if f["rule"] == "coverage.not-evaluated" and f["scope"] == "recruitment"]


def test_gaps_in_the_directory_and_the_register(world, local2, tmp_path):
    changed = world.changed(tmp_path, group_gaps, register_and_users_gaps)
    expected = changed.single_process()
    gathered = changed.on(local2)
    assert [f.as_dict() for f in gathered.findings] == expected
    east = next(r["id"] for r in _directory(changed) if r["display_name"] == NO_ROLE_GROUP)
    # The group is granted in the customer scope only: C3 — where the recruitment scope alone would say C1 and C3.
    assert _gap_controls(expected, east) == ["C3"]
    assert _gap_controls(expected, UNKNOWN_GROUP) == ["C1", "C3"]
    assert [east in r.granted_groups for r in gathered.partitions] == [False, True]
    assert {f["control"] for f in expected if f["scope"] == "register"} == {"C3", "C4", "C5"}


def test_the_group_gap_is_the_rule_that_needs_every_scope(world, tmp_path):
    """Why the gather judges groups' gaps itself: the recruitment scope alone names a control the whole
    snapshot does not."""
    changed = world.changed(tmp_path, group_gaps)
    east = next(r["id"] for r in _directory(changed) if r["display_name"] == NO_ROLE_GROUP)
    with open_store(changed.config) as store:
        run = inventory_run(store)
        alone = load_context(store, run).with_scopes(
            {"recruitment": load_snapshot(store, inventory_spec(changed.config)).scopes["recruitment"]})
    lone = [f.as_dict() for f in evaluate(alone, changed.config, changed.now)]
    assert _gap_controls(lone, east) == ["C1", "C3"] != _gap_controls(changed.single_process(), east)


@pytest.mark.parametrize("scopes", [("customers",), ("recruitment", "customers")], ids=["one", "both"])
def test_libraries_no_inventory_reached(world, local2, tmp_path, scopes):
    changed = world.changed(tmp_path, *(never_reached(s) for s in scopes))
    expected = changed.single_process()
    gathered = changed.on(local2)
    assert [f.as_dict() for f in gathered.findings] == expected
    assert [r.scope for r in gathered.partitions] == [s for s in ("recruitment",) if s not in scopes]
    for scope in scopes:  # the gap of a scope nobody holds is still reported, once per control
        gap = [f for f in expected if f["scope"] == scope and f["rule"] == "coverage.not-evaluated"]
        assert gap and len({f["id"] for f in gap}) == len(gap)


def _directory(world: World) -> list[dict[str, str]]:
    with open_store(world.config) as store:
        return [dict(r) for r in store.db.execute("SELECT id, display_name FROM principals WHERE kind='group'")]


def _gap_controls(findings: list[dict[str, object]], group_id: str) -> list[str]:
    return sorted(str(f["control"]) for f in findings
                  if f["rule"] == "coverage.not-evaluated" and evidence(f).get("target") == f"group {group_id}")


def test_a_worker_that_cannot_reach_the_store_stops_the_evaluation_saying_so(world, local2, tmp_path):
    with open_store(world.config) as store:
        run = inventory_run(store)
        context = load_context(store, run)
    missing = [Partition(s.scope, StoreScopeLoader(tmp_path / "not-shared" / "state.sqlite", s, run.id))
               for s in inventory_spec(world.config).scopes]
    with pytest.raises(StateError) as caught:  # raised in a worker process, told here with its hint
        evaluate_partitions(context, missing, world.config, world.now, local2)
    assert "no state store" in caught.value.message and "shared disk" in caught.value.hint


def test_workers_of_another_version_are_refused(local2, monkeypatch):
    monkeypatch.setattr(dask_engine, "__version__", "0.0.0-other")
    with pytest.raises(EngineError) as caught:
        local2.check_workers()
    assert f"runs {__version__}" in caught.value.message and "same m365-compliance version" in caught.value.hint
