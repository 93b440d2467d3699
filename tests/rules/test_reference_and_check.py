"""The rules reference is current; `check` evaluates offline, writes JSON, round-trips a snapshot file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.demo import run_demo
from m365_compliance.rules.reference import render

DOCS = Path(__file__).parents[2] / "docs" / "rules.md"


def test_rules_reference_is_current():
    assert DOCS.read_text(encoding="utf-8") == render(), \
        "regenerate: python -m m365_compliance.rules.reference > docs/rules.md"


@pytest.fixture(scope="module")
def demo_policy(tmp_path_factory) -> Path:
    return run_demo(tmp_path_factory.mktemp("demo")).policy_path


def test_check_offline_json_and_exit_code(demo_policy, tmp_path):
    _register_commands()
    out, snap = tmp_path / "findings.json", tmp_path / "snapshot.json"
    args = ["check", "--config", str(demo_policy), "--now", "2026-11-25T02:00:00Z"]
    result = CliRunner().invoke(cli, [*args, "--json-out", str(out), "--snapshot-out", str(snap)])
    assert result.exit_code == 0, result.output
    assert "C1" in result.output and "findings to act on" in result.output
    assert "Søkere" not in result.output  # no paths (applicant names) without --show-paths
    findings = json.loads(out.read_text(encoding="utf-8"))
    assert {f["control"] for f in findings} >= {"C1", "C2", "C3", "C4", "C5", "C6"}
    failed = CliRunner().invoke(cli, [*args, "--fail-on", "high"])
    assert failed.exit_code == 4
    # The exported snapshot re-evaluates offline to the same findings.
    again = tmp_path / "again.json"
    replay = CliRunner().invoke(cli, [*args, "--snapshot", str(snap), "--json-out", str(again)])
    assert replay.exit_code == 0, replay.output
    assert json.loads(again.read_text(encoding="utf-8")) == findings


def test_check_without_an_inventory_says_what_to_do(tmp_path):
    _register_commands()
    from m365_compliance.config.demo import write_demo_config

    policy = tmp_path / "policy.toml"
    write_demo_config(policy, graph_url="http://127.0.0.1:9/v1.0", state_path="state.sqlite")
    result = CliRunner().invoke(cli, ["check", "--config", str(policy)])
    assert result.exit_code == 1
    assert "inventory" in result.output and "Traceback" not in result.output
