"""The safety rules of CONTROLS.md, each against a real sandbox over HTTP with the real gateway."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from apply_world import (
    LOOSE,
    RETAIN_LABEL,
    apply,
    delete,
    event,
    label,
    make_plan,
    remove_link,
    requests,
    writes,
)

from m365_compliance.actions.approvals import (
    Approval,
    approved_action_ids,
    record_approval,
)
from m365_compliance.actions.journal import Journal
from m365_compliance.config.schema import Limits
from m365_compliance.errors import ApprovalError, LimitExceeded, PlanError


def test_dry_run_sends_no_write_and_reports_what_apply_would_do(world, server, store):
    plan = make_plan(world, [remove_link(world, "new.f0", world.links["anonymous"]), event(world),
                             label(world, "new"), delete(world, "old1")])
    result = apply(server, store, plan, execute=False)
    assert writes(server) == 0 and requests(server) > 0  # it read, and wrote nothing
    assert [o.result for o in result.outcomes] == ["dry_run"] * 4
    assert world.alive("old1") and world.item("new").label is None
    assert not world.tenant.retention_events
    assert {e["mode"] for e in Journal(store).entries() if e["event"] == "outcome"} == {"dry_run"}
    # The same plan executed does write: the dry run's zero is the wrapper's doing, not an idle plan.
    executed = apply(server, store, plan, execute=True)
    assert [o.result for o in executed.outcomes] == ["done"] * 4
    assert writes(server) == 4 and not world.alive("old1")


def test_a_plan_over_a_limit_stops_before_its_first_request(world, server, store):
    plan = make_plan(world, [label(world, "new"), delete(world, "old1"), delete(world, "old2")])
    with pytest.raises(LimitExceeded) as stop:
        apply(server, store, plan, execute=True, limits=Limits(max_deletions=5, auto_approve_applicant_deletions=True))
    assert (stop.value.limit, stop.value.selected, stop.value.allowed) == ("max_deletions", 6, 5)
    assert stop.value.population == plan.scope_items
    assert requests(server) == 0 and world.alive("old1") and world.item("new").label is None
    with pytest.raises(LimitExceeded) as share:
        apply(server, store, plan, execute=True, limits=Limits(max_deletions=100, max_deletion_share=0.2,
                                                                  auto_approve_applicant_deletions=True))
    assert share.value.limit == "max_deletion_share" and "stopped before any change" in share.value.message
    runs = store.runs("apply")
    assert [r["status"] for r in runs] == ["stopped", "stopped"]
    assert [e["result"] for e in Journal(store).entries() if e["event"] == "apply_stopped"] == ["stopped"] * 2


def test_removing_permissions_has_its_own_limit(world, server, store):
    plan = make_plan(world, [remove_link(world, "new.f0", world.links["anonymous"])])
    with pytest.raises(LimitExceeded) as stop:
        apply(server, store, plan, execute=True, limits=Limits(max_permission_removals=0))
    assert stop.value.limit == "max_permission_removals" and requests(server) == 0
    # Removals need no approval, so the hint names what does lower their count (not "approve fewer").
    assert "approve fewer" not in stop.value.hint and "max_permission_removals" in stop.value.hint


def test_unapproved_deletions_do_not_count_against_the_limits(world, server, store):
    plan = make_plan(world, [delete(world, "offer", approval="customer_disposal"), delete(world, "old2")])
    result = apply(server, store, plan, execute=True, limits=Limits(max_deletions=3, max_deletion_share=1.0,
                                                                     auto_approve_applicant_deletions=True))
    assert [o.result for o in result.outcomes] == ["awaiting_approval", "done"]


def test_an_item_changed_after_planning_is_skipped_and_survives(world, server, store):
    plan = make_plan(world, [delete(world, "old1.f0"), delete(world, "old2"), delete(world, "old3"),
                             label(world, "new")])
    world.tenant.touch(world.item("old1.f0"))  # edited after the plan was made
    world.tenant.add_file(world.rec, world.item("old2"), "late.pdf")  # new content in a folder to delete
    world.tenant.touch(world.item("old3.f1"))  # changed content in a folder to delete
    world.tenant.rename(world.item("new"), "renamed")
    result = apply(server, store, plan, execute=True)
    assert [(o.result, o.code) for o in result.outcomes] == [("skipped", "changed_since_plan")] * 4
    assert "eTag differs" in result.outcomes[0].reason  # caught by the re-fetch, before any write request
    assert "1 new" in result.outcomes[1].reason and "1 changed" in result.outcomes[2].reason
    assert all(world.alive(k) for k in ("old1.f0", "old2", "old3")) and world.item("new").label is None
    assert writes(server) == 0


def test_items_removed_from_a_folder_since_the_plan_do_not_stop_its_deletion(world, server, store):
    plan = make_plan(world, [delete(world, "old1")])
    world.tenant.delete_item(world.item("old1.f1"))
    assert apply(server, store, plan, execute=True).outcomes[0].result == "done"
    assert not world.alive("old1")


def test_records_and_retained_items_are_never_deleted(world, server, store):
    plan = make_plan(world, [delete(world, "signed", approval="customer_disposal"),
                             delete(world, "invoice", approval="customer_disposal")])
    record_approval(store, plan, Approval(plan.id, "Marte", date(2026, 11, 25), classes=("customer_disposal",)))
    result = apply(server, store, plan, execute=True)
    assert [(o.result, o.code) for o in result.outcomes] == [("skipped", "record_label"),
                                                             ("skipped", "retention_label")]
    folder = make_plan(world, [delete(world, "customer", approval="customer_disposal")], run="run-2")
    record_approval(store, folder, Approval(folder.id, "Marte", date(2026, 11, 25), classes=("customer_disposal",)))
    # The folder's contents are read with their labels before its deletion is sent: refused before any write.
    assert [(o.result, o.code) for o in apply(server, store, folder, execute=True).outcomes] == [
        ("skipped", "retention_label")]
    assert all(world.alive(k) for k in ("signed", "invoice", "customer", "offer"))
    assert writes(server) == 0


def test_a_record_label_is_never_replaced(world, server, store):
    plan = make_plan(world, [label(world, "signed", RETAIN_LABEL), label(world, "invoice"), label(world, "offer")])
    result = apply(server, store, plan, execute=True)
    assert [(o.result, o.code) for o in result.outcomes] == [
        ("skipped", "record_label"), ("skipped", "label_conflict"), ("done", "labelled")]
    assert world.item("invoice").label.name == RETAIN_LABEL


def test_the_applicant_label_never_weakens_an_inherited_retaining_label(world, server, store):
    world.tenant.set_label(world.item("old1"), RETAIN_LABEL)
    plan = make_plan(world, [label(world, "old1.f0"), label(world, "old1.f1", RETAIN_LABEL)])
    result = apply(server, store, plan, execute=True)
    assert [(o.result, o.code) for o in result.outcomes] == [("skipped", "label_conflict"), ("already", "labelled")]
    assert world.item("old1.f0").label is None


def test_customer_disposal_waits_for_approval_then_runs(world, server, store):
    plan = make_plan(world, [delete(world, "offer", approval="customer_disposal"),
                             delete(world, "notes", approval="customer_disposal")])
    first = apply(server, store, plan, execute=True)
    assert [o.result for o in first.outcomes] == ["awaiting_approval"] * 2
    assert world.alive("offer") and writes(server) == 0 and requests(server) == 0
    with pytest.raises(ApprovalError):  # an approval of another plan does not carry over
        record_approval(store, plan, Approval("plan-0000000000000000", "Marte", date(2026, 11, 25),
                                              classes=("customer_disposal",)))
    offer = plan.actions[0].action_id
    record_approval(store, plan, Approval(plan.id, "Marte", date(2026, 11, 25), action_ids=(offer,)))
    assert approved_action_ids(store, plan) == {offer}
    second = apply(server, store, plan, execute=True)
    assert [o.result for o in second.outcomes] == ["done", "awaiting_approval"]
    assert not world.alive("offer") and world.alive("notes")
    assert world.tenant.recycle_bin, "deleted to the recycle bin (restorable)"
    record_approval(store, plan, Approval(plan.id, "Marte", date(2026, 11, 26), classes=("customer_disposal",)))
    third = apply(server, store, plan, execute=True)
    assert [o.result for o in third.outcomes] == ["done"] and third.settled_before == 1
    approvals = [e for e in Journal(store).entries() if e["event"] == "approval"]
    assert [a["actor"] for a in approvals] == ["Marte", "Marte"]


def test_a_changed_plan_needs_a_new_approval(world, server, store):
    plan = make_plan(world, [delete(world, "offer", approval="customer_disposal")])
    record_approval(store, plan, Approval(plan.id, "Marte", date(2026, 11, 25), classes=("customer_disposal",)))
    world.tenant.touch(world.item("notes"))
    replanned = make_plan(world, [delete(world, "offer", approval="customer_disposal"),
                                  delete(world, "notes", approval="customer_disposal")])
    assert replanned.id != plan.id and approved_action_ids(store, replanned) == frozenset()
    assert [o.result for o in apply(server, store, replanned, execute=True).outcomes] == ["awaiting_approval"] * 2


def test_permanent_deletion_only_when_the_policy_file_says_so_whatever_the_plan_says(world, server, store):
    plan = make_plan(world, [delete(world, "old1"), delete(world, "old2", permanent=True)])
    apply(server, store, plan, execute=True)  # the policy keeps the recycle bin: the plan's "permanent" is ignored
    binned = {e.item_id for e in world.tenant.recycle_bin.values()}
    assert {world.item("old1").id, world.item("old2").id} <= binned
    permanent = make_plan(world, [delete(world, "old3")], run="run-2")
    apply(server, store, permanent, execute=True, limits=replace(LOOSE, recycle_bin=False))
    assert not world.alive("old3") and world.item("old3").id not in {e.item_id for e in world.tenant.recycle_bin.values()}


def test_a_plan_made_under_another_policy_version_is_refused(world, server, store):
    plan = make_plan(world, [label(world, "new")])
    object.__setattr__(plan, "policy_version", "older")
    with pytest.raises(PlanError, match="policy version older"):
        apply(server, store, plan, execute=True)
    assert requests(server) == 0


def test_permission_removal_rereads_in_a_batch_and_is_idempotent(world, server, store):
    grant = world.tenant.grant(world.item("new.f1"), ("read",), user_id=world.tenant.add_user("X", "x@a.no").id)
    plan = make_plan(world, [remove_link(world, "new.f0", world.links["anonymous"]),
                             remove_link(world, "new.f1", grant.id)])
    result = apply(server, store, plan, execute=True, limits=LOOSE)
    assert [o.result for o in result.outcomes] == ["done", "done"]
    by_endpoint = server.app.meter.snapshot()["requestsByEndpoint"]
    assert by_endpoint.get("POST /$batch") == 1, by_endpoint  # both lists re-read in one round trip
    assert all(g.id != world.links["anonymous"] for g in world.tenant.effective_grants(world.item("new.f0")))
    replanned = make_plan(world, list(plan.actions), run="run-2")
    assert [o.result for o in apply(server, store, replanned, execute=True).outcomes] == ["already", "already"]


class _ChangesTheItemMidway:
    """A real gateway whose label read lets someone edit the item: the race If-Match exists for."""

    def __init__(self, inner, world, key):
        self._inner, self._world, self._key = inner, world, key

    def __getattr__(self, name):
        return getattr(self._inner, name)

    async def get_retention_label(self, drive_id, item_id):
        self._world.tenant.touch(self._world.item(self._key))
        return await self._inner.get_retention_label(drive_id, item_id)


def test_a_change_between_the_check_and_the_delete_is_refused_by_if_match(world, server, store):
    import asyncio

    from apply_world import NOW, config_for, gateway_for, justified

    from m365_compliance.actions.executor import apply_plan
    from m365_compliance.actions.journal import Journal

    plan = make_plan(world, [delete(world, "old1.f0")])
    Journal(store).record_plan(plan, actor="m365-compliance plan", made_by="plan")

    async def go():
        async with gateway_for(server) as graph:
            racing = _ChangesTheItemMidway(graph, world, "old1.f0")
            return await apply_plan(plan, racing, store, execute=True, now=NOW, config=config_for(server),
                                    current=justified(world.tenant, plan))

    outcome = asyncio.run(go()).outcomes[0]
    assert (outcome.result, outcome.code) == ("skipped", "changed_since_plan") and "412" in outcome.reason
    assert world.alive("old1.f0")
