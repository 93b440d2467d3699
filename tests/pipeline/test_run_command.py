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
    word, opening = {1: ("error", "the inventory stage failed: "), 3: ("incomplete", "inventory: ")}[partial.exit_code]
    assert (summary["exitCode"], summary["verdict"]) == (partial.exit_code, word)
    assert summary["reason"].startswith(opening) and partial.stderr.splitlines()[-1] == f"{word}: {summary['reason']}"


def test_a_run_that_exits_4_says_which_findings_and_records_the_verdict(night, tmp_path):
    run, demo, policy = night
    result, summary, _ = run("night1")
    assert all(s["status"] == "ok" for s in summary["stages"])  # every stage ok, and yet exit 4: the line says why
    assert (result.exit_code, summary["exitCode"], summary["verdict"]) == (4, 4, "findings")
    assert result.stderr.splitlines()[-1] == f"findings: {summary['reason']}"
    head, by_control = summary["reason"].split("): ")
    assert '[run] fail_on = "high"' in head
    counts = dict(part.rsplit(" ", 1) for part in by_control.rstrip(".").split(", "))
    checked = CliRunner().invoke(cli, ["check", "--config", str(policy), "--now", demo.tenant.clock.isoformat(),
                                       "--json-out", str(tmp_path / "findings.json")])
    findings = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))["findings"]
    high = [f for f in findings if f["status"] in ("fail", "not_evaluated") and f["severity"] == "high"]
    assert int(head.split()[0]) == len(high) == sum(int(n) for n in counts.values()) > 0
    assert counts == {c: str(sum(f["control"] == c for f in high)) for c in counts}
    assert checked.exit_code == 0  # check without --fail-on: evaluated, no verdict line
    assert not [line for line in checked.stderr.splitlines() if line.split(":")[0] in ("findings", "error")]


def test_a_clean_run_ends_with_an_ok_line_and_records_it(night):
    run, _demo, policy = night
    policy.write_text(policy.read_text(encoding="utf-8") + '\n[run]\nfail_on = "never"\n', encoding="utf-8")
    result, summary, _ = run("ok")
    assert (result.exit_code, summary["exitCode"], summary["verdict"]) == (0, 0, "ok")
    assert summary["reason"] == "every stage ran." and result.stderr.splitlines()[-1] == "ok: every stage ran."


def test_a_run_whose_apply_a_limit_stops_is_incomplete_not_a_failure(night):
    run, _demo, policy = night
    text = policy.read_text(encoding="utf-8").replace("auto_approve_applicant_deletions = false",
                                                      "auto_approve_applicant_deletions = true")
    policy.write_text(text.replace("max_deletions = 50", "max_deletions = 1") + '\n[run]\nfail_on = "never"\n',
                      encoding="utf-8")
    result, summary, server = run("limited")
    apply = next(s for s in summary["stages"] if s["stage"] == "apply")
    assert apply["status"] == "incomplete" and "max_deletions = 1" in apply["detail"], apply
    assert (result.exit_code, summary["verdict"]) == (3, "incomplete")
    assert summary["reason"].startswith("apply: The run would delete ") and "stopped before any change" in \
        summary["reason"]
    assert result.stderr.splitlines()[-1] == f"incomplete: {summary['reason']}"
    assert server.app.meter.snapshot()["writes"] == 0


def test_a_run_refused_before_any_stage_still_writes_its_verdict(night, tmp_path):
    _run, demo, policy = night
    result = CliRunner().invoke(cli, ["run", "--config", str(policy), "--out", str(tmp_path / "ahead"), "--mode",
                                      "execute", "--now", "2999-01-01T00:00:00Z"])
    summary = json.loads((tmp_path / "ahead" / "run-summary.json").read_text(encoding="utf-8"))
    assert (result.exit_code, summary["exitCode"], summary["verdict"], summary["stages"]) == (2, 2, "usage", [])
    assert "lies in the future" in summary["reason"]
    assert result.stderr.splitlines()[0] == f"error: {summary['reason']}"
