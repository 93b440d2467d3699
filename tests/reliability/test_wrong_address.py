"""A wrong address fails fast and says which: a closed port answers nothing, so the first call retries a
few times, quickly, and then the run stops with one error naming the URL — every command, no
traceback, no minutes of retrying (issue: an inventory that never wedges and never lies)."""

from __future__ import annotations

import socket

from click.testing import CliRunner

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config.demo import write_demo_config

_register_commands()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends: nothing listens there


def test_a_closed_port_stops_every_command_at_once_with_the_url(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/v1.0"
    policy = tmp_path / "policy.toml"
    write_demo_config(policy, graph_url=url, state_path="state.sqlite")
    runner = CliRunner()
    inventory = runner.invoke(cli, ["inventory", "--config", str(policy), "--verbose"])
    assert inventory.exit_code == 1, inventory.output
    assert f"Could not connect to {url} (connection refused)" in inventory.output and "hint:" in inventory.output
    assert "4 attempts failed" in inventory.output  # 1 + connect_retries, then no other call tried at all
    assert inventory.output.count("retrying") <= 3 and "Traceback" not in inventory.output
    doctor = runner.invoke(cli, ["doctor", "--config", str(policy), "--json"])
    assert "Traceback" not in doctor.output and doctor.exit_code != 0
    assert doctor.output.count(f"Could not connect to {url}") == 1  # one check, not one per probe
    run = runner.invoke(cli, ["run", "--config", str(policy), "--out", str(tmp_path / "out")])
    assert run.exit_code == 1 and f"Could not connect to {url}" in run.output, run.output
