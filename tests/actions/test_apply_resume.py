"""Idempotent and resumable: a killed apply resumes without repeating or losing an action."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from apply_world import (
    NOW,
    apply,
    delete,
    event,
    label,
    make_plan,
    requests,
    writes,
)

from m365_compliance.actions.journal import Journal
from m365_compliance.sandbox.http.faults import FaultPlan
from m365_compliance.state.store import StateStore


class Killed(Exception):
    """Stands for the process dying right after an outcome was journaled."""


def _final_outcomes(store, plan):
    return Counter((e["action_id"], e["result"]) for e in Journal(store).entries(plan.id)
                   if e["event"] == "outcome" and e["mode"] == "execute")


def test_an_apply_killed_between_actions_resumes_and_does_each_action_once(world, server, store):
    plan = make_plan(world, [label(world, "new"), event(world), delete(world, "old1"), delete(world, "old2")])

    def die_after_first(action, outcome):
        raise Killed

    with pytest.raises(Killed):
        apply(server, store, plan, execute=True, on_outcome=die_after_first)
    assert writes(server) == 1 and world.item("new").label is not None and world.alive("old1")
    resumed = apply(server, store, plan, execute=True)
    assert resumed.settled_before == 1 and [o.result for o in resumed.outcomes] == ["done"] * 3
    assert writes(server) == 4 and len(world.tenant.retention_events) == 1
    assert not world.alive("old1") and not world.alive("old2")
    assert _final_outcomes(store, plan) == Counter({(a.action_id, "done"): 1 for a in plan.actions})
    assert [r["status"] for r in store.runs("apply")] == ["failed", "completed"]
    steps = [(e["event"], e["action_id"]) for e in Journal(store).entries(plan.id) if e["event"] in ("attempt", "outcome")]
    for action in plan.actions:  # every write was announced in the journal before it was made
        assert steps.index(("attempt", action.action_id)) < steps.index(("outcome", action.action_id))


class _DiesAfterDeleting:
    """A real gateway; its process dies right after a delete reached Graph, before the outcome is journaled."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    async def delete_item(self, drive_id, item_id, *, if_match, permanent=False):
        await self._inner.delete_item(drive_id, item_id, if_match=if_match, permanent=permanent)
        raise Killed


def test_a_write_that_landed_before_the_process_died_is_not_repeated(world, server, store):
    import asyncio

    from apply_world import config_for, gateway_for, justified

    from m365_compliance.actions.executor import apply_plan

    plan = make_plan(world, [delete(world, "old1"), delete(world, "old2")])
    Journal(store).record_plan(plan, actor="m365-compliance plan", made_by="plan")

    async def dying():
        async with gateway_for(server) as graph:
            await apply_plan(plan, _DiesAfterDeleting(graph), store, execute=True, now=NOW, config=config_for(server),
                             current=justified(world.tenant, plan))

    with pytest.raises(Killed):
        asyncio.run(dying())
    assert not world.alive("old1") and writes(server) == 1
    result = apply(server, store, plan, execute=True)
    assert [(o.result, o.code) for o in result.outcomes] == [("already", "gone"), ("done", "deleted")]
    assert "was interrupted mid-action" in result.outcomes[0].reason and writes(server) == 2


def test_an_action_interrupted_mid_write_is_decided_from_the_tenant(world, server, store):
    plan = make_plan(world, [delete(world, "old1"), label(world, "new"), delete(world, "old2")])
    journal = Journal(store)
    killed_run = store.start_run("apply", plan.policy_version)
    journal.record_plan(plan, actor="tester", made_by="plan")
    for action in plan.actions[:2]:  # both writes reached Graph, then the process died before the outcome
        journal.attempt(killed_run, plan, action, actor="tester", now=NOW)
    world.tenant.delete_item(world.item("old1"))
    world.tenant.set_label(world.item("new"), plan.actions[1].label)  # changes the eTag, as the real write did
    result = apply(server, store, plan, execute=True)
    assert [(o.result, o.code) for o in result.outcomes] == [("already", "gone"), ("already", "labelled"),
                                                             ("done", "deleted")]
    assert all(f"run {killed_run} was interrupted" in o.reason for o in result.outcomes[:2])
    assert writes(server) == 1
    assert [r["status"] for r in store.runs("apply")] == ["interrupted", "completed"]


def test_rerunning_an_applied_plan_changes_nothing(world, server, store):
    plan = make_plan(world, [label(world, "new"), event(world), delete(world, "old1"),
                             delete(world, "offer", approval="customer_disposal")])
    apply(server, store, plan, execute=True)
    server.app.meter.reset()
    again = apply(server, store, plan, execute=True)
    assert again.settled_before == 3 and [o.result for o in again.outcomes] == ["awaiting_approval"]
    assert requests(server) == 0 and len(world.tenant.retention_events) == 1


def test_the_same_event_in_a_later_plan_is_not_fired_twice(world, server, store):
    first = make_plan(world, [event(world)], run="night-1")
    second = make_plan(world, [event(world)], run="night-2")
    assert first.id != second.id and first.actions[0].action_id == second.actions[0].action_id
    apply(server, store, first, execute=True)
    outcome = apply(server, store, second, execute=True).outcomes[0]
    assert (outcome.result, outcome.code) == ("already", "fired") and first.id in outcome.reason
    assert len(world.tenant.retention_events) == 1


def test_a_sigkilled_apply_process_resumes_exactly_once(tmp_path):
    """The real thing: `apply --execute` of the demo's first-night plan in its own process, SIGKILLed mid-run,
    then run again."""
    from night import first_night

    night = first_night(tmp_path / "night")
    plan = night.plan()
    deletions = [a for a in plan.actions if a.kind == "delete_item"]
    with night.served() as server:
        night.cli("approve", night.plan_path, "--by", "Marte", "--class", "customer_disposal", "--class",
                  "applicant_deletion", "--class", "retention_event", now=False)
        server.app.faults.configure(FaultPlan(rate=1.0, kinds=("slow",), slow_seconds=0.05))
        command = [sys.executable, "-m", "m365_compliance", "apply", str(night.plan_path), "--config",
                   str(night.policy), "--execute", "--now", night.now]
        process = subprocess.Popen(command, cwd=night.out, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   env={**os.environ, "CI": "1"})
        try:
            _wait_for_outcomes(night.store_path, at_least=len(plan.actions) // 3, process=process)
        finally:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
            process.wait()
        server.app.faults.configure(FaultPlan())
        with StateStore(night.store_path) as store:
            before = sum(n for (_, result), n in _final_outcomes(store, plan).items() if result == "done")
        assert 0 < before < len(plan.actions), "killed mid-run"
        result = night.cli("apply", night.plan_path, "--execute")
        assert result.exit_code == 0, result.output
    assert not any(night.alive(a.item_id) for a in deletions)  # each planned deletion made …
    with StateStore(night.store_path) as store:
        outcomes = _final_outcomes(store, plan)
        finals = [a for a, _ in outcomes]
        assert sorted(finals) == sorted(a.action_id for a in plan.actions)  # … with one final outcome each
        assert [r["status"] for r in store.runs("apply")][-2:] == ["interrupted", "completed"]
    events = [q for e in night.demo.tenant.retention_events for _, q in e.queries]
    assert len(events) == len(set(events)) == sum(a.kind == "fire_retention_event" for a in plan.actions)


def _wait_for_outcomes(path, *, at_least, process, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the apply finished before it could be killed"
        if path.exists():
            with StateStore(path) as store:
                journal = Journal(store)
                done = [e for e in journal.entries() if e["event"] == "outcome" and e["mode"] == "execute"]
                if len(done) >= at_least:
                    return
        time.sleep(0.05)
    raise AssertionError("no outcomes journaled in time")


def test_an_event_fired_by_a_killed_run_is_found_and_not_fired_again(world, server, store):
    """An event has no natural key: resume finds the one its killed run fired by the description it carries."""
    from m365_compliance.actions.steps import event_description

    plan = make_plan(world, [event(world), event(world, "321-2020-002")])
    journal = Journal(store)
    killed_run = store.start_run("apply", plan.policy_version)
    journal.record_plan(plan, actor="tester", made_by="plan")
    landed = plan.actions[0]  # the POST reached Graph, then the process died before the outcome
    journal.attempt(killed_run, plan, landed, actor="tester", now=NOW)
    world.tenant.add_retention_event(f"Contract {landed.asset_id} ended",
                                     [("files", f"ComplianceAssetID:{landed.asset_id}")], NOW,
                                     event_type_id=landed.event_type, description=event_description(landed))
    result = apply(server, store, plan, execute=True)
    assert [(o.result, o.code) for o in result.outcomes] == [("already", "fired"), ("done", "fired")]
    assert f"run {killed_run}" in result.outcomes[0].reason
    assert len(world.tenant.retention_events) == 2 and writes(server) == 1
