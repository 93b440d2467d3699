"""The rules reference is current; ``check`` evaluates offline, keeps paths off the terminal, stores and writes
findings, re-evaluates a snapshot file, and exits by the documented codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.demo import run_demo
from m365_compliance.rules.reference import render
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.state.findings_repo import FindingsRepository
from m365_compliance.state.store import StateStore

DOCS = Path(__file__).parents[2] / "docs" / "rules.md"
NOW = "2026-11-25T02:00:00Z"


def test_rules_reference_is_current():
    assert DOCS.read_text(encoding="utf-8") == render(), \
        "regenerate: python -m m365_compliance.rules.reference > docs/rules.md"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    _register_commands()
    tenant = build_demo_tenant()
    outcome = run_demo(tmp_path_factory.mktemp("demo"), demo=tenant)
    return outcome, [a.name for a in tenant.manifest.applicants]


def check(policy: Path, *args: str):
    return CliRunner().invoke(cli, ["check", "--config", str(policy), "--now", NOW, *args])


def test_check_offline_stores_and_writes_findings_without_paths_on_the_terminal(demo, tmp_path):
    outcome, applicants = demo
    out = tmp_path / "findings.json"
    result = check(outcome.policy_path, "--json-out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "Findings (all controls):"
    assert [line.split(":")[0] for line in result.output.splitlines() if line[:1] == "C"] == \
        ["C1", "C2", "C3", "C4", "C5", "C6"]
    assert not [name for name in applicants if name in result.output]  # applicant folders are named after people
    findings = json.loads(out.read_text(encoding="utf-8"))["findings"]
    assert {f["control"] for f in findings} == {"C1", "C2", "C3", "C4", "C5", "C6"}
    assert all(f["displayTitle"] in result.output for f in findings if f["status"] in ("fail", "warn", "not_evaluated"))
    assert any(f["displayTitle"] != f["title"] for f in findings)  # the policy speaks bokmål: titles in its language
    with StateStore(outcome.config.state.path) as store:
        stored = FindingsRepository(store).latest()
        assert stored == sorted(({k: v for k, v in f.items() if k != "displayTitle"} for f in findings),
                                key=lambda f: f["id"])
        assert store.runs("check")[-1]["status"] == "succeeded"


def test_show_paths_names_them(demo):
    outcome, applicants = demo
    result = check(outcome.policy_path, "--show-paths")
    assert result.exit_code == 0, result.output
    assert [name for name in applicants if name in result.output]


def test_fail_on_and_a_snapshot_file_re_evaluated_offline(demo, tmp_path):
    outcome, _applicants = demo
    snap, first, again = tmp_path / "snapshot.json", tmp_path / "first.json", tmp_path / "again.json"
    result = check(outcome.policy_path, "--fail-on", "high", "--snapshot-out", str(snap), "--json-out", str(first))
    assert result.exit_code == 4, result.output
    assert snap.stat().st_mode & 0o077 == 0  # the snapshot names people: owner-only
    replay = check(outcome.policy_path, "--snapshot", str(snap), "--json-out", str(again))
    assert replay.exit_code == 0, replay.output
    replayed, checked = (json.loads(p.read_text(encoding="utf-8")) for p in (again, first))
    assert replayed["findings"] == checked["findings"] and replayed["controls"] == checked["controls"]
    assert replayed["metadata"]["snapshotRunId"] == checked["metadata"]["snapshotRunId"]


def test_exit_codes_for_errors(demo, tmp_path):
    outcome, _applicants = demo
    bad_now = check(outcome.policy_path, "--now", "yesterday")
    assert bad_now.exit_code == 2 and "ISO 8601" in bad_now.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "other"}', encoding="utf-8")
    unreadable = check(outcome.policy_path, "--snapshot", str(broken))
    assert unreadable.exit_code == 1 and "snapshot file" in unreadable.output and "Traceback" not in unreadable.output
    bad_policy = tmp_path / "policy.toml"
    bad_policy.write_text("[tenant]\ntenant_id = 42\n", encoding="utf-8")
    assert check(bad_policy).exit_code == 2


def test_check_without_an_inventory_says_what_to_do(tmp_path):
    _register_commands()
    from m365_compliance.config.demo import write_demo_config

    policy = tmp_path / "policy.toml"
    write_demo_config(policy, graph_url="http://127.0.0.1:9/v1.0", state_path="state.sqlite")
    result = check(policy)
    assert result.exit_code == 1
    assert "inventory" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("threshold", ["high", "low"])
def test_fail_on_says_in_one_line_which_findings_made_it_exit_4(demo, tmp_path, threshold):
    outcome, _applicants = demo
    out = tmp_path / "findings.json"
    result = check(outcome.policy_path, "--fail-on", threshold, "--json-out", str(out))
    findings = json.loads(out.read_text(encoding="utf-8"))["findings"]
    order = ("low", "medium", "high")
    over = [f for f in findings if f["status"] in ("fail", "not_evaluated")
            and order.index(f["severity"]) >= order.index(threshold)]
    by_control = ", ".join(f"{c} {sum(f['control'] == c for f in over)}" for c in sorted({f["control"] for f in over}))
    failing = sum(f["status"] == "fail" for f in over)
    kinds = "failing" if failing == len(over) else f"{failing} failing, {len(over) - failing} not evaluated"
    assert result.exit_code == 4 and over
    assert result.stderr.splitlines() == [f"findings: {len(over)} open findings at or above {threshold} ({kinds}; "
                                          f"--fail-on {threshold}): {by_control}."], result.stderr
    assert "findings:" not in result.stdout  # the table stays on stdout, the verdict on stderr
