"""A refusal is read for what Graph says it is: retention only when Graph names it, a lock as a lock, a
missing grant as a missing grant — and a removal never aimed at a permission the item only inherits."""

from __future__ import annotations

import pytest
from apply_world import LOOSE, apply, delete, make_plan, remove_link, set_role, writes

from m365_compliance.graph import calls
from m365_compliance.graph.errors import (
    GraphError,
    PermissionDenied,
    ResourceLocked,
    RetentionBlocked,
    error_from_response,
)

#: What Graph answered when retention refused a delete (facts §4.1, abraunegg/onedrive #338).
RETENTION_MESSAGE = ("Request was cancelled by event received. If attempting to delete a non-empty folder, it's "
                     "possible that it's on hold")


@pytest.mark.parametrize(("status", "code", "message", "inner", "expected"), [
    (403, "accessDenied", RETENTION_MESSAGE, None, RetentionBlocked),
    (403, "accessDenied", "Access denied", None, PermissionDenied),  # a missing Sites.Selected role
    (403, "accessDenied", "Access denied", "retentionLabelBlocksDelete", RetentionBlocked),  # said by the inner code
    (403, "accessDenied", "The item is a record and cannot be deleted.", None, RetentionBlocked),
    (423, "resourceLocked", "The resource you are attempting to access is locked.", None, ResourceLocked),
    (400, "invalidRequest", "Something else entirely.", None, GraphError),
])
def test_a_delete_refusal_is_what_graph_says(status, code, message, inner, expected) -> None:
    error = error_from_response(calls.DELETE_ITEM, status, code, message, {}, inner_code=inner)
    assert type(error) is expected
    if expected is GraphError:
        assert code in error.message and message in error.message  # Graph's code and words go to the journal


def test_a_403_on_a_read_is_never_retention() -> None:
    error = error_from_response(calls.LIST_PERMISSIONS, 403, "accessDenied", RETENTION_MESSAGE, {})
    assert type(error) is PermissionDenied and "Sites.Selected" in (error.hint or "")


def test_a_checked_out_file_keeps_its_folder_and_the_action_says_locked(world, server, store) -> None:
    world.item("old1.f0").checked_out_by = next(iter(world.tenant.users), "someone")
    plan = make_plan(world, [delete(world, "old1")])
    outcome = apply(server, store, plan, execute=True, limits=LOOSE).outcomes[0]
    assert (outcome.result, outcome.code) == ("skipped", "resource_locked"), outcome
    assert world.alive("old1") and world.alive("old1.f0") and world.alive("old1.f1")
    assert not world.tenant.recycle_bin


def test_a_removal_on_an_item_that_only_inherits_is_refused_before_any_write(world, server, store) -> None:
    """The link is defined on new.f0; new.f0's own child would only inherit it — there is none, so aim the removal
    at the folder above, which inherits from the library: the grant is not the folder's to lose."""
    before = writes(server)
    plan = make_plan(world, [remove_link(world, "new", world.links["anonymous"])])
    outcome = apply(server, store, plan, execute=True, limits=LOOSE).outcomes[0]
    assert outcome.result == "skipped" and "inherits" in outcome.reason, outcome
    assert writes(server) == before
    assert any(g.id == world.links["anonymous"] for g in world.tenant.effective_grants(world.item("new.f0")))


def test_a_delete_without_the_write_role_fails_naming_the_grant_and_deletes_nothing(world, server, store) -> None:
    """The attack of the old reading: Sites.Selected 'read' only, so the DELETE is 403 accessDenied — not retention."""
    set_role(world, world.rec, "read")
    before = writes(server)
    plan = make_plan(world, [delete(world, "old1")])
    outcome = apply(server, store, plan, execute=True, limits=LOOSE).outcomes[0]
    assert (outcome.result, outcome.code) == ("failed", "PermissionDenied"), outcome
    assert "grant on this site to 'write'" in outcome.reason and "retention" not in outcome.reason.lower()
    assert world.alive("old1") and world.alive("old1.f0") and not world.tenant.recycle_bin
    assert writes(server) == before


def test_a_removal_without_the_fullcontrol_role_fails_naming_it_and_the_link_stays(world, server, store) -> None:
    set_role(world, world.rec, "write")
    plan = make_plan(world, [remove_link(world, "new.f0", world.links["anonymous"])])
    outcome = apply(server, store, plan, execute=True, limits=LOOSE).outcomes[0]
    assert (outcome.result, outcome.code) == ("failed", "PermissionDenied"), outcome
    assert "grant on this site to 'fullcontrol'" in outcome.reason  # not a new grant: a raise (least privilege)
    assert any(g.id == world.links["anonymous"] for g in world.tenant.effective_grants(world.item("new.f0")))


def test_with_the_recommended_roles_the_same_plan_goes_through(world, server, store) -> None:
    plan = make_plan(world, [remove_link(world, "new.f0", world.links["anonymous"]), delete(world, "old1")])
    outcomes = apply(server, store, plan, execute=True, limits=LOOSE).outcomes
    assert [o.result for o in outcomes] == ["done", "done"], outcomes
    assert not world.alive("old1")
    assert all(g.id != world.links["anonymous"] for g in world.tenant.effective_grants(world.item("new.f0")))
