"""``m365-compliance run`` on the sandbox: every stage, exit codes from [run] fail_on, and a second
night that is incremental, sees the first night's history (drift, alerts told once) and its plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config.demo import write_demo_config
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.demo_access import grant_sharing_delta
from m365_compliance.sandbox.server import SandboxServer

_register_commands()
STAGES = ["inventory", "check", "plan", "apply", "report", "alerts"]


@pytest.fixture
def night(tmp_path: Path):
    demo = build_demo_tenant()
    grant_sharing_delta(demo.tenant)  # pins the sharing-delta picture (docs/permissions.md)
    with SandboxServer(demo.tenant) as server:
        policy = tmp_path / "policy.toml"
        write_demo_config(policy, graph_url=server.base_url, state_path="state.sqlite")

        def run(out: str, *extra: str):
            result = CliRunner().invoke(cli, ["run", "--config", str(policy), "--out", str(tmp_path / out),
                                              "--now", demo.tenant.clock.isoformat(), *extra],
                                        catch_exceptions=False)
            summary = json.loads((tmp_path / out / "run-summary.json").read_text())
            return result, summary, server

        yield run, demo, policy


def test_two_nights_the_second_incremental_with_the_first_nights_history(night):
    run, demo, policy = night
    first, summary, server = run("night1")
    assert [s["stage"] for s in summary["stages"]] == STAGES
    assert all(s["status"] == "ok" for s in summary["stages"]), summary["stages"]
    assert first.exit_code == 4  # the demo has open high findings; [run] fail_on = "high"
    assert summary["inventory"]["modes"] and "full" in summary["stages"][0]["detail"]
    assert summary["drift"]["new"] > 0 and "still_failing" not in summary["drift"]
    told_first = summary["alerts"]["stdout"]["delivered"]
    assert told_first == summary["drift"]["new"]
    assert server.app.meter.snapshot()["writes"] == 0  # dry run by default
    for name in ("plan.json", "report.html", "report.xlsx", "report.md"):
        assert name in summary["files"].values() and (policy.parent / "night1" / name).stat().st_size > 0

    demo.tenant.add_link(demo.tenant.item(demo.manifest.recruitment_drive, demo.manifest.applicants[0].folder_id),
                         "anonymous")
    second, summary2, _ = run("night2")
    assert "incremental" in summary2["stages"][0]["detail"]
    assert summary2["drift"].get("new") == 1 and summary2["drift"]["still_failing"] == told_first
    assert summary2["alerts"]["stdout"]["delivered"] == 1  # the first night's findings are not told again
    assert second.exit_code == 4


def test_fail_on_never_and_a_failed_stage(night, tmp_path):
    run, demo, policy = night
    policy.write_text(policy.read_text(encoding="utf-8") + '\n[run]\nfail_on = "never"\n', encoding="utf-8")
    ok, _, _ = run("ok")
    assert ok.exit_code == 0
    demo.tenant.access.denied_sites.update(s for s in demo.tenant.sites)  # every site answers 403
    partial, summary, _ = run("partial", "--full")
    assert partial.exit_code in (1, 3)
    inventory = summary["stages"][0]
    assert inventory["status"] in ("incomplete", "failed")
    assert "report" in [s["stage"] for s in summary["stages"]]  # the report still tells what was not evaluated
