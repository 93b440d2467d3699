"""``plan`` over a limit says what ``apply`` will still do: the forecast is worked out the way apply decides
(limits over what it may run: no approval needed, or approved), and the demo's plan says it truthfully."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from m365_compliance.actions.limit_forecast import describe_forecast, forecast_apply
from m365_compliance.actions.limits import evaluate_limits
from m365_compliance.actions.plan_model import Action, Plan
from m365_compliance.config.schema import Limits

POPULATIONS = {"recruitment": 400, "customers": 600}


def _delete(n: int, scope: str = "customers", *, items: int = 1, approval: bool = True) -> Action:
    contents = tuple((f"{scope}-{n}-c{i}", '"1"') for i in range(items - 1))
    return Action("delete_item", "drive", f"{scope}-del-{n}", "due", scope=scope, expected_contents=contents,
                  requires_approval=approval, approval_class="customer_disposal" if approval else None)


def _label(n: int) -> Action:
    return Action("apply_label", "drive", f"label-{n}", "applicant folder", scope="recruitment", label="Søker")


def _removal(n: int) -> Action:
    return Action("remove_permission", "drive", f"grant-{n}", "C1", scope="recruitment", permission_id=f"p{n}")


def _plan(actions: list[Action], limits: Limits) -> Plan:
    return Plan(datetime(2026, 11, 25, tzinfo=UTC), "2022-07-04", "run-1", sum(POPULATIONS.values()), tuple(actions),
                limits=evaluate_limits(actions, POPULATIONS, limits))


def test_deletions_awaiting_approval_leave_the_rest_to_run_and_say_how_many_may_be_approved() -> None:
    limits = Limits(max_deletions=50, max_deletion_share=1.0)
    actions = [_removal(i) for i in range(3)] + [_label(i) for i in range(12)] + [_delete(i) for i in range(80)]
    forecast = forecast_apply(_plan(actions, limits), POPULATIONS, limits)
    assert not forecast.stopped and len(forecast.runnable) == 15 and len(forecast.held) == 80
    assert describe_forecast(forecast) == (
        "over max_deletions (50): apply will run the 3 grant removals and the 12 label actions and leave the 80 "
        "deletions (80 items) awaiting approval; approve deletions of at most 50 items in all (max_deletions) from "
        "this plan, or apply stops before any change (the rest waits for the next plan).")


def test_approved_and_unapproved_deletions_count_as_apply_counts_them() -> None:
    """An approval recorded already (the same plan content planned again) counts: the room left shrinks."""
    limits = Limits(max_deletions=10, max_deletion_share=1.0)
    actions = [_delete(i, items=3) for i in range(6)]  # 18 items in all
    plan = _plan(actions, limits)
    forecast = forecast_apply(plan, POPULATIONS, limits, approved={actions[0].action_id, actions[1].action_id})
    assert [a.action_id for a in forecast.runnable] == [actions[0].action_id, actions[1].action_id]
    assert forecast.room == ((plan.limits[0], 4),)  # 10 allowed, 6 items approved already
    assert "apply will run the 2 deletions (6 items) and leave the 4 deletions (12 items) awaiting approval; " \
           "approve deletions of at most 4 items in all (max_deletions)" in describe_forecast(forecast)


def test_what_needs_no_approval_crossing_a_limit_stops_apply_before_any_change() -> None:
    limits = Limits(max_deletions=5, max_deletion_share=1.0, max_permission_removals=25)
    actions = [_label(0)] + [_delete(i, "recruitment", approval=False) for i in range(7)]  # auto-approved
    forecast = forecast_apply(_plan(actions, limits), POPULATIONS, limits)
    assert forecast.stopped and [c.limit for c in forecast.stops] == ["max_deletions"]
    assert describe_forecast(forecast) == (
        "over max_deletions (5): apply will stop before any change, because what it may run without another "
        "approval — 1 label action and 7 deletions (7 items) — already crosses max_deletions (5); nothing runs "
        "until the limit is raised under [limits] (a reviewed change of the policy file).")


def test_too_many_grant_removals_stop_apply_whatever_is_approved() -> None:
    limits = Limits(max_permission_removals=2)
    forecast = forecast_apply(_plan([_removal(i) for i in range(3)], limits), POPULATIONS, limits)
    assert forecast.stopped and forecast.room[0][1] is None
    assert describe_forecast(forecast).startswith("over max_permission_removals (2): apply will stop before any change")


def test_the_share_limit_names_its_scope_and_its_room_in_items() -> None:
    limits = Limits(max_deletions=500, max_deletion_share=0.1)  # 10 % of customers' 600 items: 60
    actions = [_label(0)] + [_delete(i, items=10) for i in range(8)]
    forecast = forecast_apply(_plan(actions, limits), POPULATIONS, limits)
    text = describe_forecast(forecast)
    assert text.startswith("over max_deletion_share (0.1 in the customers scope): apply will run the 1 label action "
                           "and leave the 8 deletions (80 items) awaiting approval")
    assert "at most 60 items in the customers scope (max_deletion_share)" in text


def test_the_demo_plan_says_what_apply_then_does(tmp_path) -> None:
    """The demo policy's share limit is crossed: the line printed by ``plan`` is what the dry run of apply does."""
    from night import first_night

    night = first_night(tmp_path / "n", acting=False)
    with night.served():
        planned = night.cli("plan", "--out", night.plan_path)
        assert planned.exit_code == 3, planned.output
        [line] = [line for line in planned.stderr.splitlines() if line.startswith("incomplete: ")]
        plan = json.loads(night.plan_path.read_text(encoding="utf-8"))
        free = [a for a in plan["actions"] if not a["requiresApproval"]]
        held = [a for a in plan["actions"] if a["requiresApproval"]]
        crossed = [c["limit"] for c in plan["limits"] if c["exceeded"]]
        assert "max_deletion_share" in crossed, plan["limits"]
        head = line.split(": apply will ")[0]
        assert head.startswith("incomplete: over ") and all(limit in head for limit in crossed), line
        assert "max_deletion_share (0.1 in the " in head, line
        assert "awaiting approval" in line and "apply stops before any change" in line, line
        words = {"apply_label": "label action", "apply_statutory_label": "label action",
                 "remove_permission": "grant removal", "fire_retention_event": "retention event"}
        ran = re.search(r"apply will run (.*?) and leave", line)
        assert ran is not None, line
        said_free = sum(int(n) for n in re.findall(r"the (\d+) ", ran.group(1)))
        assert said_free == len(free) and all(words[a["kind"]] in ran.group(1) for a in free)
        waiting = line.split(" and leave ", 1)[1].split(" awaiting approval")[0]
        assert sum(int(n) for n in re.findall(r"the (\d+) ", waiting)) == len(held)
        assert f"the {sum(a['kind'] == 'delete_item' for a in held)} deletions" in waiting, waiting
        applied = night.cli("apply", night.plan_path)
    assert applied.exit_code == 0, applied.output  # not stopped: it ran what the plan said, and held the rest
    done = next(line for line in applied.stdout.splitlines() if line.startswith("Dry run of plan"))
    counts = dict(re.findall(r"(\w+) (\d+)", done.split(": ", 1)[1].split(";")[0]))
    assert int(counts.get("awaiting_approval", 0)) == len(held)
    assert sum(int(n) for k, n in counts.items() if k != "awaiting_approval") == len(free)
