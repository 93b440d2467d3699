"""``check_config`` (summary and warnings) and the ``config check`` command's output and exit codes."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from m365_compliance.cli import config_cmd  # noqa: F401  # registers `config` on the group
from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config import check_config, demo_config_text, parse_config

SANDBOX = "http://127.0.0.1:8765/v1.0"


def demo_raw() -> dict[str, Any]:
    return tomllib.loads(demo_config_text(SANDBOX))


def warnings_for(raw: dict[str, Any], environ: dict[str, str] | None = None) -> list[str]:
    config = parse_config("", "/policies/policy.toml", overrides=raw)
    return [line for line in check_config(config, environ or {}) if line.startswith("warning: ")]


def test_summary_of_the_demo_config_has_a_line_per_section_and_no_warnings() -> None:
    lines = check_config(parse_config(demo_config_text(SANDBOX), "/policies/policy.toml"), {})
    prefixes = ["policy:", "tenant:", "auth:", "recruitment (C1, C2):", "customers (C3, C4, C5):", "roles:",
                "register:", "retention (C2):", "statutory 'primary' (C6):", "statutory 'secondary' (C6):",
                "limits:", "remediation:", "alerts:", "state:", "inventory:", "data-subject requests (C7):",
                "engine:"]
    assert [next(p for p in prefixes if line.startswith(p)) for line in lines] == prefixes
    text = "\n".join(lines)
    assert "version 2022-07-04" in text and "(sandbox on loopback)" in text
    assert "https://tretoen.sharepoint.com/sites/rekruttering, library 'Dokumenter', folder 'Søkere'" in text
    assert "kept 3.5 years" in text and "label 'Bokføring primær 5 år'" in text
    assert "rekruttering@tretoen.no" not in text  # roles are counted, not listed
    assert "/policies/.m365-compliance/state.sqlite" in text


@pytest.mark.parametrize(("change", "fragment"), [
    (lambda r: r["register"].update(source="file", path="missing.csv") or [r["register"].pop(k) for k in
                                                                          ("site_url", "list")],
     "register.path /policies/missing.csv does not exist here"),
    (lambda r: r.update(alerts={"sinks": [{"type": "teams", "url_env": "TEAMS_HOOK"}]}),
     "alerts.sinks[0].url_env: environment variable TEAMS_HOOK is not set here"),
    (lambda r: r["retention"].update(applicant_months=18), "longer than the privacy policy's 12 months (P6)"),
    (lambda r: r["retention"].pop("statutory"), "no [[retention.statutory]] classes"),
    (lambda r: r["limits"].update(recycle_bin=False), "deletions are permanent"),
    (lambda r: r["limits"].update(auto_approve_applicant_deletions=True), "without a person approving"),
    (lambda r: r.pop("alerts"), "no [[alerts.sinks]]"),
    (lambda r: r["roles"].update(sales=[]), "roles.sales is empty"),
    (lambda r: r["tenant"].update(graph_url="https://graph.microsoft.com/v1.0", cloud="usgov")
     or r["auth"].update(method="azure_cli"), "is not the usgov cloud's Graph"),
    (lambda r: r["tenant"].update(graph_url="http://127.0.0.1:8765/beta"), "uses /beta"),
])
def test_warnings(change: Any, fragment: str) -> None:
    raw = demo_raw()
    change(raw)
    found = warnings_for(raw)
    assert any(fragment in line for line in found), found


def test_a_set_secret_variable_is_not_warned_about() -> None:
    raw = demo_raw()
    raw["alerts"] = {"sinks": [{"type": "github", "repo": "tretoen/compliance"}]}
    assert any("GITHUB_TOKEN" in line for line in warnings_for(raw))
    assert not any("GITHUB_TOKEN" in line for line in warnings_for(raw, {"GITHUB_TOKEN": "x"}))


def test_the_alerts_line_names_the_language_and_the_github_api() -> None:
    raw = demo_raw()
    raw["alerts"] = {"language": "en", "sinks": [{"type": "github", "repo": "tretoen/compliance",
                                                  "api_url": "https://ghe.example/api/v3"}]}
    lines = check_config(parse_config("", "/policies/policy.toml", overrides=raw), {"GITHUB_TOKEN": "x"})
    [alerts] = [line for line in lines if line.startswith("alerts:")]
    assert alerts == ("alerts: github issues in tretoen/compliance via https://ghe.example/api/v3, reminders every "
                      "7 days; written in English")


# ---------------------------------------------------------------------------------------- the command
@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(folder: Path, text: str) -> Path:
    path = folder / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_prints_the_summary_and_exits_0(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["config", "check", str(write(tmp_path, demo_config_text(SANDBOX)))])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("policy: TRETOEN AS personvernerklæring, version 2022-07-04")
    assert "inventory: mode auto" in result.stdout and result.stderr == ""


def test_check_exits_0_with_warnings(runner: CliRunner, tmp_path: Path) -> None:
    text = demo_config_text(SANDBOX).replace("recycle_bin = true", "recycle_bin = false")
    result = runner.invoke(cli, ["config", "check", str(write(tmp_path, text))])
    assert result.exit_code == 0 and "warning: limits.recycle_bin = false" in result.stdout


@pytest.mark.parametrize(("text", "message"), [
    (demo_config_text(SANDBOX).replace("max_deletions = 50", 'max_deletions = "ten"'),
     "`limits.max_deletions` = 'ten': expected an integer ≥ 0"),
    (demo_config_text(SANDBOX).replace("max_deletions = 50", "max_deletion = 50"),
     "`limits.max_deletion` is not a known key"),
    (demo_config_text(SANDBOX).replace('graph_url = "http://127.0.0.1:8765/v1.0"', ""),
     "`auth.method` = 'none'"),
    (demo_config_text(SANDBOX).replace('timezone = "Europe/Oslo"', 'timezone = "Mars/Olympus"'),
     "`retention.timezone` = 'Mars/Olympus'"),
    ("[policy\n", "not valid TOML"),
])
def test_check_reports_a_bad_file_as_error_and_exits_2(runner: CliRunner, tmp_path: Path, text: str,
                                                       message: str) -> None:
    path = write(tmp_path, text)
    result = runner.invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 2
    first, hint = result.stderr.splitlines()[:2]
    assert first.startswith(f"error: {path}: ") and message in first
    assert hint.startswith("hint: ") and result.stdout == ""
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("target", ["missing.toml", "."])
def test_check_on_a_missing_file_or_a_folder_exits_2(runner: CliRunner, tmp_path: Path, target: str) -> None:
    result = runner.invoke(cli, ["config", "check", str(tmp_path / target)])
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and "Traceback" not in result.output


def test_check_help_has_an_example(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["config", "check", "--help"])
    assert result.exit_code == 0 and "m365-compliance config check policy.toml" in result.stdout


def test_the_cli_registers_the_config_group() -> None:
    _register_commands()
    assert "check" in cli.commands["config"].commands  # type: ignore[attr-defined]
