"""`sandbox serve` in a real process: prints its base URL, serves Graph, writes a policy file; `export`."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
from click.testing import CliRunner

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config.load import load_config

CLI = "from m365_compliance.cli import main; main()"


def test_serve_prints_its_url_and_answers_graph(tmp_path):
    policy = tmp_path / "policy.toml"
    process = subprocess.Popen([sys.executable, "-c", CLI, "sandbox", "serve", "--demo", "--port", "0",
                                "--write-config", str(policy)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        assert first.startswith("Policy file written")
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1.0")
        site = httpx.get(f"{base_url}/sites/tretoen.sharepoint.com:/sites/rekruttering", timeout=10).json()
        assert site["displayName"] == "Rekruttering"
        config = load_config(policy)
        assert config.tenant.graph_url == base_url
        assert config.recruitment.site_url.endswith("/sites/rekruttering")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_refuses_conflicting_options():
    _register_commands()
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--tenant", __file__, "--demo"])
    assert result.exit_code == 2
    assert "--tenant serves a tenant file" in result.output


def test_serve_with_a_broken_tenant_file_is_a_clear_error(tmp_path):
    _register_commands()
    bad = tmp_path / "tenant.json"
    bad.write_text('{"users": [], "sites": [{"name": "has space"}]}', encoding="utf-8")
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--tenant", str(bad), "--port", "0"])
    assert result.exit_code == 2
    assert "sites[0].name" in result.output
    assert "Traceback" not in result.output


def test_export_writes_a_loadable_tenant_file(tmp_path):
    _register_commands()
    out = tmp_path / "tenant.json"
    result = CliRunner().invoke(cli, ["sandbox", "export", "--demo", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {s["name"] for s in data["sites"]} == {"rekruttering", "kunder"}


def test_every_sandbox_command_has_an_example_in_its_help():
    _register_commands()
    for args in (["sandbox"], ["sandbox", "serve"], ["sandbox", "export"]):
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0
        example = result.output.split("Example:\n", 1)[1].splitlines()[0]
        assert example.strip().startswith("m365-compliance sandbox"), args  # kept verbatim by \b


def test_option_values_are_validated_before_anything_is_built(tmp_path):
    _register_commands()
    runner = CliRunner()
    for args, words in ((["serve", "--fault-rate", "1.5"], "--fault-rate"), (["serve", "--port", "70000"], "--port"),
                        (["serve", "--scale", "10"], "--scale"), (["export", str(tmp_path / "t.json")], "--demo"),
                        (["export", "--demo", "--scale", "5", str(tmp_path / "t.json")], "--scale")):
        result = runner.invoke(cli, ["sandbox", *args])
        assert result.exit_code == 2, args
        assert words in result.output, (args, result.output)
    assert not (tmp_path / "t.json").exists()
