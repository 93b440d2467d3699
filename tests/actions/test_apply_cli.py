"""approve / apply / journal export through the CLI: exit codes, one-line errors, approvals.toml."""

from __future__ import annotations

import csv
import json

from apply_world import (
    as_planned,
    delete,
    label,
    make_plan,
    policy_file,
    requests,
    writes,
)
from click.testing import CliRunner

from m365_compliance.actions.plan_json import plan_to_json, write_plan
from m365_compliance.cli.main import _register_commands, cli

_register_commands()


def _setup(world, server, tmp_path, *, loose=True):
    config = policy_file(tmp_path / "policy.toml", server.base_url, loose=loose)
    plan = make_plan(world, [label(world, "new"), delete(world, "offer", approval="customer_disposal"),
                             delete(world, "old1", approval="applicant_deletion")], policy=config.policy_version)
    write_plan(plan, tmp_path / "plan.json")
    as_planned(config, world, plan)
    return plan, ["--config", str(tmp_path / "policy.toml")]


def _run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def test_dry_run_approve_apply_and_export(world, server, tmp_path):
    plan, cfg = _setup(world, server, tmp_path)
    dry = _run("apply", tmp_path / "plan.json", *cfg)
    assert dry.exit_code == 0, dry.output
    assert "Dry run of plan" in dry.output and "Nothing was changed" in dry.output and writes(server) == 0
    approved = _run("approve", tmp_path / "plan.json", *cfg, "--by", "Marte Olsen", "--class", "customer_disposal",
                    "--note", "agreed with the customer")
    assert approved.exit_code == 0 and "Recorded approval of 1 action(s)" in approved.output
    again = _run("approve", tmp_path / "plan.json", *cfg, "--by", "Marte Olsen", "--class", "customer_disposal",
                 "--note", "agreed with the customer")
    assert "Already recorded" in again.output
    applied = _run("apply", tmp_path / "plan.json", *cfg, "--execute", "--by", "nightly")
    assert applied.exit_code == 0, applied.output
    assert "done 2" in applied.output and "awaiting_approval 1" in applied.output
    assert not world.alive("offer") and world.alive("old1") and writes(server) == 2
    exported = _run("journal", "export", *cfg, "--format", "csv", tmp_path / "journal.csv")
    assert exported.exit_code == 0, exported.output
    with (tmp_path / "journal.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    story = [(r["event"], r["mode"], r["result"]) for r in rows]
    assert story[0] == ("plan", "", "recorded") and ("approval", "", "approved") in story
    assert ("outcome", "execute", "done") in story and ("outcome", "dry_run", "dry_run") in story
    assert {r["policy_version"] for r in rows} == {plan.policy_version}
    assert {r["actor"] for r in rows if r["event"] == "outcome" and r["mode"] == "execute"} == {"nightly"}


def test_an_approvals_file_beside_the_plan_is_recorded_by_apply(world, server, tmp_path):
    plan, cfg = _setup(world, server, tmp_path)
    (tmp_path / "approvals.toml").write_text(
        f'plan = "{plan.id}"\n\n[[approval]]\nby = "Marte Olsen"\ndate = 2026-11-25\n'
        f'actions = ["{plan.actions[2].action_id}"]\n', encoding="utf-8")
    result = _run("apply", tmp_path / "plan.json", *cfg, "--execute")
    assert result.exit_code == 0, result.output
    assert not world.alive("old1") and world.alive("offer")
    (tmp_path / "approvals.toml").write_text(
        'plan = "plan-0000000000000000"\n\n[[approval]]\nby = "Marte Olsen"\ndate = 2026-11-25\n'
        'classes = ["customer_disposal"]\n', encoding="utf-8")
    stale = _run("apply", tmp_path / "plan.json", *cfg, "--execute")
    assert stale.exit_code == 2 and "needs a new approval" in stale.output and "hint:" in stale.output
    assert world.alive("offer")


def test_a_plan_over_the_policys_limits_exits_3_before_any_request(world, server, tmp_path):
    _plan, cfg = _setup(world, server, tmp_path, loose=False)  # the demo policy's 10 % of the 17 items in scope
    _run("approve", tmp_path / "plan.json", *cfg, "--by", "Marte", "--class", "customer_disposal", "--class",
         "applicant_deletion")
    result = _run("apply", tmp_path / "plan.json", *cfg, "--execute")
    assert result.exit_code == 3, result.output
    assert result.output.startswith("error: The run would delete 4 of 17 items") and "hint:" in result.output
    assert writes(server) == 0 and world.alive("offer") and world.alive("old1")


def test_an_edited_plan_or_unknown_action_is_a_one_line_error(world, server, tmp_path):
    plan, cfg = _setup(world, server, tmp_path)
    body = json.loads(plan_to_json(plan))
    body["actions"][0]["label"] = "Something else"
    (tmp_path / "edited.json").write_text(json.dumps(body), encoding="utf-8")
    edited = _run("apply", tmp_path / "edited.json", *cfg)
    assert edited.exit_code == 2 and edited.output.startswith("error: edited.json")
    unknown = _run("approve", tmp_path / "plan.json", *cfg, "--by", "Marte", "--action", "act-nope")
    assert unknown.exit_code == 2 and "is not in plan" in unknown.output
    nothing = _run("approve", tmp_path / "plan.json", *cfg, "--by", "Marte")
    assert nothing.exit_code == 2 and "names no action" in nothing.output
    assert writes(server) == 0


def test_plan_without_an_inventory_says_what_to_do(world, server, tmp_path):
    policy_file(tmp_path / "policy.toml", server.base_url)
    result = _run("plan", "--config", tmp_path / "policy.toml", "--out", tmp_path / "new-plan.json")
    assert result.exit_code == 1 and result.output.startswith("error: ") and "inventory" in result.output
    assert not (tmp_path / "new-plan.json").exists()
