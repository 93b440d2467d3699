"""approve / apply / journal export through the CLI on the demo tenant's first night: exit codes, one-line
errors, approvals.toml."""

from __future__ import annotations

import csv
import json

from night import Night

from m365_compliance.actions.plan_json import plan_to_json


def _deletions(night: Night, scope: str) -> list:
    return [a for a in night.plan().actions if a.kind == "delete_item" and a.scope == scope]


def test_dry_run_approve_apply_and_export(night: Night):
    plan = night.plan()
    customer, applicant = _deletions(night, "customers"), _deletions(night, "recruitment")
    with night.served() as server:
        dry = night.cli("apply", night.plan_path)
        assert dry.exit_code == 0, dry.output
        assert "Dry run of plan" in dry.output and "Nothing was changed" in dry.output
        assert server.app.meter.snapshot()["writes"] == 0
        approved = night.cli("approve", night.plan_path, "--by", "Marte Olsen", "--class", "customer_disposal",
                             "--note", "agreed with the customer", now=False)
        assert approved.exit_code == 0 and f"Recorded approval of {len(customer)} action(s)" in approved.output
        again = night.cli("approve", night.plan_path, "--by", "Marte Olsen", "--class", "customer_disposal",
                          "--note", "agreed with the customer", now=False)
        assert "Already recorded" in again.output
        applied = night.cli("apply", night.plan_path, "--execute", "--by", "nightly")
    assert applied.exit_code == 0, applied.output
    assert f"awaiting_approval {len(applicant) + sum(a.kind == 'fire_retention_event' for a in plan.actions)}" \
        in applied.output
    assert all(not night.alive(a.item_id) for a in customer) and all(night.alive(a.item_id) for a in applicant)
    exported = night.cli("journal", "export", "--format", "csv", night.out / "journal.csv", now=False)
    assert exported.exit_code == 0, exported.output
    with (night.out / "journal.csv").open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["plan_id"] == plan.id]
    story = [(r["event"], r["mode"], r["result"]) for r in rows]
    assert story[0] == ("plan", "", "recorded") and ("approval", "", "approved") in story
    assert ("outcome", "execute", "done") in story and ("outcome", "dry_run", "dry_run") in story
    assert {r["policy_version"] for r in rows} == {plan.policy_version}
    assert {r["actor"] for r in rows if r["event"] == "outcome" and r["mode"] == "execute"} == {"nightly"}


def test_an_approvals_file_beside_the_plan_is_recorded_by_apply(night: Night):
    plan = night.plan()
    applicant = _deletions(night, "recruitment")[0]
    (night.out / "approvals.toml").write_text(
        f'plan = "{plan.id}"\n\n[[approval]]\nby = "Marte Olsen"\ndate = 2026-11-25\n'
        f'actions = ["{applicant.action_id}"]\n', encoding="utf-8")
    with night.served():
        result = night.cli("apply", night.plan_path, "--execute")
        assert result.exit_code == 0, result.output
        assert not night.alive(applicant.item_id)
        assert all(night.alive(a.item_id) for a in _deletions(night, "customers"))
        (night.out / "approvals.toml").write_text(
            'plan = "plan-0000000000000000"\n\n[[approval]]\nby = "Marte Olsen"\ndate = 2026-11-25\n'
            'classes = ["customer_disposal"]\n', encoding="utf-8")
        stale = night.cli("apply", night.plan_path, "--execute")
    assert stale.exit_code == 2 and "needs a new approval" in stale.output and "hint:" in stale.output
    assert all(night.alive(a.item_id) for a in _deletions(night, "customers"))


def test_a_plan_over_the_policys_limits_exits_3_before_any_write(tmp_path):
    from night import first_night

    night = first_night(tmp_path / "n", acting=False)  # the demo policy: at most 10 % of a scope
    with night.served() as server:
        night.cli("approve", night.plan_path, "--by", "Marte", "--class", "customer_disposal", "--class",
                  "applicant_deletion", now=False)
        result = night.cli("apply", night.plan_path, "--execute")
        writes = server.app.meter.snapshot()["writes"]
    assert result.exit_code == 3, result.output
    assert result.output.startswith("incomplete: The run would delete ") and "hint:" in result.output
    assert writes == 0 and all(night.alive(a.item_id) for a in _deletions(night, "customers"))


def test_an_edited_plan_or_unknown_action_is_a_one_line_error(night: Night):
    body = json.loads(plan_to_json(night.plan()))
    body["actions"][0]["reason"] = "Something else"
    (night.out / "edited.json").write_text(json.dumps(body), encoding="utf-8")
    with night.served() as server:
        edited = night.cli("apply", night.out / "edited.json")
        unknown = night.cli("approve", night.plan_path, "--by", "Marte", "--action", "act-nope", now=False)
        nothing = night.cli("approve", night.plan_path, "--by", "Marte", now=False)
        writes = server.app.meter.snapshot()["writes"]
    assert edited.exit_code == 2 and edited.output.startswith("error: edited.json")
    assert unknown.exit_code == 2 and "is not in plan" in unknown.output
    assert nothing.exit_code == 2 and "names no action" in nothing.output
    assert writes == 0


def test_plan_without_an_inventory_says_what_to_do(world, server, tmp_path):
    from apply_world import policy_file
    from click.testing import CliRunner

    from m365_compliance.cli.main import cli

    policy_file(tmp_path / "policy.toml", server.base_url)
    result = CliRunner().invoke(cli, ["plan", "--config", str(tmp_path / "policy.toml"), "--out",
                                      str(tmp_path / "new-plan.json")])
    assert result.exit_code == 1 and result.output.startswith("error: ") and "inventory" in result.output
    assert not (tmp_path / "new-plan.json").exists()
