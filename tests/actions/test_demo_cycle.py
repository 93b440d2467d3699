"""The whole cycle on the 321 demo tenant, through the CLI: inventory → check → plan → dry run →
approve → apply → inventory again shows the controls satisfied, and the journal tells the story."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import pytest
from click.testing import CliRunner

from m365_compliance.actions.plan_json import read_plan
from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config.load import load_config
from m365_compliance.demo import run_demo
from m365_compliance.inventory.service import inventory_from_config
from m365_compliance.inventory.snapshot_load import load_snapshot
from m365_compliance.inventory.spec import inventory_spec
from m365_compliance.rules.registry import evaluate
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.demo_access import grant_sharing_delta
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.state.store import StateStore

_register_commands()
ACTING = {"remediation_off": 'remove_grants = ["C1", "C3"]', "limits": "max_deletion_share = 0.5"}


def _cli(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def _demo(tmp_path, *, acting: bool):
    """The demo after its first night (inventory + check), its policy made to act when ``acting``."""
    demo = build_demo_tenant()
    grant_sharing_delta(demo.tenant)  # pins the sharing-delta picture (docs/permissions.md)
    outcome = run_demo(tmp_path, demo=demo)
    policy = outcome.policy_path
    if acting:
        text = policy.read_text(encoding="utf-8").replace("remove_grants = []", ACTING["remediation_off"])
        policy.write_text(text.replace("max_deletion_share = 0.10", ACTING["limits"]).replace(
            "max_deletions = 50", "max_deletions = 200"), encoding="utf-8")
    port = int(outcome.config.tenant.graph_url.rsplit(":", 1)[1].split("/")[0])
    return demo, load_config(policy), port


def _findings(config, clock):
    with StateStore(config.state.path) as store:
        return evaluate(load_snapshot(store, inventory_spec(config)), config, clock)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("cycle")
    demo, config, port = _demo(tmp_path, acting=True)
    t, now = demo.tenant, demo.tenant.clock.isoformat()
    cfg = ("--config", config.source)
    steps = {}
    with SandboxServer(t, port=port) as server:  # the same tenant at the same address, the next morning
        steps["plan"] = _cli("plan", *cfg, "--out", tmp_path / "plan.json", "--now", now)
        plan = read_plan(tmp_path / "plan.json")
        steps["dry"] = _cli("apply", tmp_path / "plan.json", *cfg, "--now", now)
        steps["dry_writes"] = server.app.meter.snapshot()["writes"]
        steps["approve"] = _cli("approve", tmp_path / "plan.json", *cfg, "--by", "Marte Olsen", "--class",
                                "customer_disposal", "--class", "applicant_deletion", "--class", "retention_event",
                                "--note", "DPA dialogue done")
        steps["apply"] = _cli("apply", tmp_path / "plan.json", *cfg, "--execute", "--now", now, "--by", "nightly")
        steps["writes"] = server.app.meter.snapshot()["writes"]
        steps["again"] = _cli("apply", tmp_path / "plan.json", *cfg, "--execute", "--now", now)
        steps["writes_again"] = server.app.meter.snapshot()["writes"]
        asyncio.run(inventory_from_config(config))
    steps["export"] = _cli("journal", "export", *cfg, "--format", "json", tmp_path / "journal.json")
    journal = json.loads((tmp_path / "journal.json").read_text(encoding="utf-8"))["entries"]
    return demo, config, plan, steps, _findings(config, t.clock), journal


def test_each_step_succeeds_and_the_dry_run_writes_nothing(cycle):
    _demo, _config, plan, steps, _after, _journal = cycle
    for name in ("plan", "dry", "approve", "apply", "again", "export"):
        assert steps[name].exit_code == 0, (name, steps[name].output)
    assert steps["dry_writes"] == 0 and "Nothing was changed" in steps["dry"].output
    assert steps["writes"] > 0
    assert steps["writes_again"] == steps["writes"], "re-running the applied plan changed something"
    kinds = Counter(a.kind for a in plan.actions)
    assert set(kinds) == {"remove_permission", "fire_retention_event", "apply_statutory_label", "apply_label",
                          "delete_item"}


def test_the_next_inventory_shows_the_controls_satisfied(cycle):
    demo, _config, _plan, _steps, after, _journal = cycle
    m, t = demo.manifest, demo.tenant
    failing = Counter(f.rule_id for f in after if f.status == "fail")
    assert failing["c2.applicant-retention"] == 0
    assert failing["c1.recruitment-access"] == 0 and failing["c3.customer-access"] == 0
    # What is left for disposal is exactly what a record label keeps (records are never deleted); a record the
    # law still keeps (held with its folder's primary documentation) is not even due.
    left = {f.item_id for f in after if f.rule_id == "c5.disposal-due" and f.status == "fail"}
    held = {f.item_id for f in after if f.rule_id == "c6.statutory-hold"}
    assert left == set(m.record_labelled) - held and left
    assert all(t.item(m.customers_drive, r) for r in m.record_labelled)
    for applicant in m.applicants:
        if applicant.hired:  # never deleted, never labelled for deletion
            assert t.effective_label(t.item(m.recruitment_drive, applicant.folder_id)) is None


def test_labels_events_and_statutory_holds_are_in_place(cycle):
    demo, config, plan, _steps, after, _journal = cycle
    t, m = demo.tenant, demo.manifest
    for action in plan.actions:
        if action.kind == "apply_statutory_label" and action.item_id not in m.record_labelled:
            assert t.effective_label(t.item(action.drive_id, action.item_id)).name == action.label
        if action.kind == "apply_label":
            assert t.effective_label(t.item(action.drive_id, action.item_id)).name == config.retention.applicant_label
    assets = sorted(q for e in t.retention_events for _, q in e.queries)
    assert assets == sorted(f'ComplianceAssetID:"{a.asset_id}"' for a in plan.actions
                            if a.kind == "fire_retention_event")
    held = {f.item_id for f in after if f.rule_id == "c6.statutory-hold"}
    assert held and all(i in t.drive(m.customers_drive).items for i in held)


def test_the_journal_tells_the_story(cycle):
    demo, _config, plan, _steps, _after, journal = cycle
    mine = [e for e in journal if e["plan_id"] == plan.id]
    events = [e["event"] for e in mine]
    assert events[0] == "plan" and "approval" in events
    assert events.count("apply_started") == 3 and events.count("apply_finished") == 3
    dry = Counter(e["result"] for e in mine if e["event"] == "outcome" and e["mode"] == "dry_run")
    executed = Counter((e["kind"], e["result"], e["code"]) for e in mine
                       if e["event"] == "outcome" and e["mode"] == "execute")
    assert dry["awaiting_approval"] == sum(a.requires_approval for a in plan.actions)
    deletions = [a for a in plan.actions if a.kind == "delete_item"]
    # Records were never planned (their labels were read before planning): every planned deletion was made.
    assert not {a.item_id for a in deletions} & set(demo.manifest.record_labelled)
    assert {s.subject.rsplit("/", 1)[1] for s in plan.skipped if s.code == "record_label"} <= \
        set(demo.manifest.record_labelled)
    assert executed[("delete_item", "done", "deleted")] == len(deletions)
    assert sum(executed.values()) == len(plan.actions)  # one outcome per action, the re-run added none
    assert {e["policy_version"] for e in mine} == {plan.policy_version}
    approval = next(e for e in mine if e["event"] == "approval")
    assert approval["actor"] == "Marte Olsen" and "DPA dialogue done" in approval["reason"]


def test_the_demo_policys_limits_stop_a_large_disposal_before_any_write(tmp_path):
    demo, config, port = _demo(tmp_path, acting=False)
    cfg = ("--config", config.source)
    now = demo.tenant.clock.isoformat()
    with SandboxServer(demo.tenant, port=port) as server:
        planned = _cli("plan", *cfg, "--out", tmp_path / "plan.json", "--now", now, "--show-paths")
        assert planned.exit_code == 3 and "[OVER]" in planned.output
        assert "/Søkere/" in planned.output  # paths for the reviewer's terminal; plan.json has none
        assert "Søkere" not in (tmp_path / "plan.json").read_text(encoding="utf-8")
        _cli("approve", tmp_path / "plan.json", *cfg, "--by", "Marte Olsen", "--class", "customer_disposal",
             "--class", "applicant_deletion")
        server.app.meter.reset()  # the plan read labels; apply must send nothing at all
        stopped = _cli("apply", tmp_path / "plan.json", *cfg, "--execute", "--now", now)
        assert stopped.exit_code == 3 and "stopped before any change" in stopped.output
        assert server.app.meter.snapshot()["requests"] == 0
