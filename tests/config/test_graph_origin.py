"""Where the Graph token goes: never to a URL carrying a password (which would also be echoed everywhere),
and to a host that is not a cloud's Graph only when the policy file says so in a reviewed line.

Every command is run through the CLI and everything it leaves behind is searched for the password.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config import demo_config_text

_register_commands()

PASSWORD = "Pl4nted-Gr4ph-Passw0rd"
SANDBOX = "http://127.0.0.1:8765/v1.0"
WITH_PASSWORD = f"http://graph-user:{PASSWORD}@127.0.0.1:8765/v1.0"
CUSTOM = "https://graph.proxy.example/v1.0"


def _policy(folder: Path, graph_url: str, *, tenant_extra: str = "", real_auth: bool = False) -> Path:
    text = demo_config_text(SANDBOX, "state.sqlite").replace(f'"{SANDBOX}"', f'"{graph_url}"')
    if real_auth:
        text = text.replace('method = "none"', 'method = "azure_cli"')
    text = text.replace("[tenant]\n", f"[tenant]\n{tenant_extra}", 1)
    path = folder / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


COMMANDS = [
    ["config", "check", "{policy}"],
    ["doctor", "--config", "{policy}", "--json"],
    ["inventory", "--config", "{policy}"],
    ["check", "--config", "{policy}", "--json-out", "findings.json"],
    ["plan", "--config", "{policy}", "--out", "plan.json"],
    ["run", "--config", "{policy}", "--out", "run-out"],
    ["report", "--config", "{policy}", "--out", "report"],
    ["dsar", "list", "--config", "{policy}"],
]


def test_a_graph_url_with_a_password_is_refused_by_every_command_and_never_echoed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    policy = _policy(tmp_path, WITH_PASSWORD)
    seen: list[str] = []
    for command in COMMANDS:
        result = CliRunner().invoke(cli, [part.format(policy=policy) for part in command])
        assert result.exit_code == 2, (command, result.output)
        assert "Traceback" not in result.output
        assert "error: " in result.output and "`tenant.graph_url` holds a user name or password" in result.output
        assert "http://***@127.0.0.1:8765/v1.0" in result.output  # the host is named, the credentials are not
        seen.append(result.output)
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != policy]
    assert written == []  # no findings.json, plan, report or state store: refused before anything ran
    for text in seen:
        assert PASSWORD not in text and "graph-user" not in text


@pytest.mark.parametrize(("old", "new", "key"), [
    ('site_url = "https://tretoen.sharepoint.com/sites/rekruttering"',
     f'site_url = "https://svc:{PASSWORD}@tretoen.sharepoint.com/sites/rekruttering"', "recruitment.site_url"),
    ('[[alerts.sinks]]\ntype = "stdout"',
     f'[[alerts.sinks]]\ntype = "github"\nrepo = "tretoen/compliance"\napi_url = "https://bot:{PASSWORD}@ghe.example/api/v3"',
     "alerts.sinks[0].api_url"),
])
def test_other_urls_with_a_password_are_refused_without_echo(tmp_path: Path, old: str, new: str, key: str) -> None:
    policy = _policy(tmp_path, SANDBOX)
    text = policy.read_text(encoding="utf-8")
    assert old in text
    policy.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check", str(policy)])
    assert result.exit_code == 2, result.output
    assert f"`{key}` holds a user name or password" in result.output
    assert PASSWORD not in result.output


def test_a_graph_host_that_is_not_microsoft_graph_is_an_error(tmp_path: Path) -> None:
    policy = _policy(tmp_path, CUSTOM, real_auth=True)
    for command in (["config", "check", str(policy)], ["inventory", "--config", str(policy)]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert "`tenant.graph_url` = 'https://graph.proxy.example/v1.0': expected a Microsoft Graph host" \
            in result.output
        assert "allow_custom_graph_host = true" in result.output  # the hint names the way out


def test_allow_custom_graph_host_turns_the_error_into_a_warning(tmp_path: Path) -> None:
    policy = _policy(tmp_path, CUSTOM, real_auth=True, tenant_extra="allow_custom_graph_host = true\n")
    result = CliRunner().invoke(cli, ["config", "check", str(policy)])
    assert result.exit_code == 0, result.output
    assert ("warning: tenant.graph_url https://graph.proxy.example/v1.0 is not Microsoft Graph (allowed by "
            "tenant.allow_custom_graph_host): the app's Graph token is sent to graph.proxy.example") in result.output


@pytest.mark.parametrize("graph_url", [SANDBOX, "http://localhost:8765/v1.0", "http://[::1]:8765/v1.0",
                                       "https://graph.microsoft.us/v1.0"])
def test_loopback_and_the_clouds_graph_hosts_need_no_flag(tmp_path: Path, graph_url: str) -> None:
    policy = _policy(tmp_path, graph_url, real_auth=not graph_url.startswith("http://"))
    result = CliRunner().invoke(cli, ["config", "check", str(policy)])
    assert result.exit_code == 0, result.output
    assert "is not Microsoft Graph" not in result.output


def test_a_flag_that_is_not_needed_is_warned_about(tmp_path: Path) -> None:
    policy = _policy(tmp_path, SANDBOX, tenant_extra="allow_custom_graph_host = true\n")
    result = CliRunner().invoke(cli, ["config", "check", str(policy)])
    assert result.exit_code == 0, result.output
    assert "warning: tenant.allow_custom_graph_host = true is not needed for 127.0.0.1" in result.output
