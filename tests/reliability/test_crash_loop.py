"""SIGKILL at many points of inventory and of ``apply --execute``, then a rerun: each rerun completes,
the store is consistent, no journal entry is lost or doubled, nothing outside the plan is deleted.

The demo tenant's first inventory makes 48 Graph requests and the demo plan's apply 103 writes
(``scripts/crash_matrix.py`` kills at every one of them); here a spread of points, the first and the
last included, and the first retention event (write 9: an event cannot be read back by its target).
"""

from __future__ import annotations

import pytest
from crash_world import apply_crash, first_delta_requests, inventory_crash, inventory_requests, prepare_apply

INVENTORY_KILLS = (1, 20, 47)  # the n-th Graph request of a first inventory (all of them: scripts/crash_matrix.py)
APPLY_KILLS = (1, 30, 102)  # the n-th write of apply --execute, landed but not answered (all: the script)


def _assert_clean(check):
    assert check.killed, f"the process finished before it reached kill point {check.kill_at}"
    assert check.rerun_ok, check.notes
    assert check.integrity == "ok"
    assert check.staged_left == 0, "staged rows left after the rerun's commit"
    assert check.killed_runs == 1 and check.killed_runs_marked == 1, "the killed run is not marked interrupted"
    assert (check.lost, check.doubled) == (0, 0), "journal entries lost or doubled"
    assert (check.outside_plan, check.missed) == (0, 0), "deletions differ from the plan"


@pytest.mark.parametrize("kill_at", INVENTORY_KILLS, ids=lambda n: f"inventory-request-{n}")
def test_inventory_killed_then_rerun_matches_the_tenant(tmp_path, kill_at):
    check = inventory_crash(tmp_path, kill_at)
    _assert_clean(check)
    assert check.snapshot_matches, "the snapshot after the rerun differs from the tenant's ground truth"


@pytest.fixture(scope="module")
def first_deltas(tmp_path_factory):
    """The request numbers of each library's first delta request, in a first night and in an incremental one."""
    return {kind: first_delta_requests(inventory_requests(tmp_path_factory.mktemp(kind), incremental=kind == "night2"))
            for kind in ("night1", "night2")}


@pytest.mark.parametrize("night", ["night1", "night2"])
def test_killed_at_the_first_delta_request_of_each_library_the_store_never_wedges(tmp_path, first_deltas, night):
    """A checkpoint with no page staged holds no link to go on from: the rerun starts that crawl again. On the
    incremental night, the rerun sees what changed (a new applicant folder with an anonymous link)."""
    points = first_deltas[night]
    assert len(points) == 2, points  # recruitment and customers
    for n, kill_at in enumerate(points):
        check = inventory_crash(tmp_path / f"{night}-{n}", kill_at, incremental=night == "night2")
        _assert_clean(check)
        assert check.snapshot_matches, "the snapshot after the rerun differs from the tenant's ground truth"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    return prepare_apply(tmp_path_factory.mktemp("crash-apply"))


def test_the_reference_apply_writes_past_every_kill_point(prepared):
    assert prepared.writes > max(APPLY_KILLS)
    kinds = {a.kind for a in prepared.plan.actions}
    assert {"delete_item", "fire_retention_event", "remove_permission", "apply_label"} <= kinds


@pytest.mark.parametrize("kill_at", APPLY_KILLS, ids=lambda n: f"apply-write-{n}")
def test_apply_killed_after_a_write_then_rerun_does_each_action_once(prepared, tmp_path, kill_at):
    check = apply_crash(prepared, tmp_path / "run", kill_at)
    _assert_clean(check)
