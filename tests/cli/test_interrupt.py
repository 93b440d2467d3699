"""Ctrl-C ends every long command the same way: exit 130, one line saying so and what the next run resumes.

The real thing: ``inventory`` in its own process against a sandbox slowed to 0.2 s a request, SIGINT once it
is crawling, then the same command again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config.demo import write_demo_config
from m365_compliance.exit_codes import INTERRUPTED
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.http.app import SandboxOptions
from m365_compliance.sandbox.http.faults import FaultPlan
from m365_compliance.sandbox.server import SandboxServer

_register_commands()


def _crawling(server: SandboxServer, process: subprocess.Popen[str], *, requests: int, timeout: float = 60.0) -> None:
    """Wait until the inventory has made ``requests`` Graph requests (it is then well into its crawl)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the inventory finished before it could be interrupted"
        if server.app.meter.snapshot()["requests"] >= requests:
            return
        time.sleep(0.05)
    raise AssertionError("the inventory made too few requests in time")


def test_ctrl_c_in_inventory_exits_130_with_one_line_and_the_next_run_completes(tmp_path: Path) -> None:
    slow = SandboxOptions(faults=FaultPlan(rate=1.0, kinds=("slow",), slow_seconds=0.2))
    with SandboxServer(build_demo_tenant().tenant, slow) as server:
        write_demo_config(tmp_path / "policy.toml", graph_url=server.base_url, state_path="state.sqlite")
        command = [sys.executable, "-m", "m365_compliance", "inventory", "--config", str(tmp_path / "policy.toml")]
        process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, "CI": "1"})
        try:
            _crawling(server, process, requests=5)
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert process.returncode == INTERRUPTED.code, (out, err)
        assert "Traceback" not in err and "Traceback" not in out
        errors = [line for line in err.splitlines() if line.startswith(("error: ", "interrupted: "))]
        assert errors == ["interrupted: Ctrl-C before inventory finished; the next run resumes each library "
                          "from its last checkpoint"], err
        assert "hint: Run the same command again" in err
        with sqlite3.connect(tmp_path / "state.sqlite") as db:  # nothing half-written
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        server.app.faults.configure(FaultPlan())
        again = CliRunner().invoke(cli, command[3:])
    assert again.exit_code in (0, 3), again.output
    assert "Inventory " in again.output


def test_every_long_command_documents_exit_130_and_what_the_next_run_resumes() -> None:
    for path, resumes in ((["inventory"], "resumes each library from its last checkpoint"),
                          (["run"], "an apply from its journal"), (["plan"], "no plan was recorded"),
                          (["apply"], "resumes from the journal and does nothing twice"),
                          (["demo"], "the next demo starts afresh"), (["dsar", "find"], "does the unfinished step"),
                          (["dsar", "export"], "no partial zip is left"),
                          (["dsar", "erase"], "an apply resumes from the journal")):
        shown = " ".join(CliRunner().invoke(cli, [*path, "--help"]).output.split())
        row = shown[shown.index("130 interrupted Stopped by Ctrl-C"):]
        assert resumes in row, (path, row)


LONG_COMMANDS = [
    ("inventory", ["inventory"], "the next run resumes each library from its last checkpoint"),
    ("run", ["run", "--out", "run-out"], "the next run resumes: the inventory from its checkpoints"),
    ("plan", ["plan", "--out", "plan.json"], "the next run does the unfinished step again"),
    ("apply", ["apply", "plan.json"], "the next run resumes from the journal and does nothing twice"),
    ("dsar", ["dsar", "find", "dsar-20261125-1a2b3c"], "the next run does the unfinished step again"),
    ("dsar", ["dsar", "export", "dsar-20261125-1a2b3c"], "the next run does the unfinished step again"),
]


@pytest.mark.parametrize(("name", "args", "resumes"), LONG_COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, list)
                         else None)
def test_ctrl_c_anywhere_in_a_long_command_is_the_same_one_line_exit_130(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, args: list[str], resumes: str) -> None:
    """The mechanism is the CLI's, not each command's: Ctrl-C while the command's work runs."""
    monkeypatch.chdir(tmp_path)
    write_demo_config(tmp_path / "policy.toml", graph_url="http://127.0.0.1:9/v1.0", state_path="state.sqlite")
    (tmp_path / "plan.json").write_text("{}", encoding="utf-8")

    def ctrl_c(work, *_args, **_kwargs):  # type: ignore[no-untyped-def]
        work.close()
        raise KeyboardInterrupt

    monkeypatch.setattr(asyncio, "run", ctrl_c)
    result = CliRunner().invoke(cli, [*args, "--config", str(tmp_path / "policy.toml")])
    assert result.exit_code == INTERRUPTED.code, result.output
    assert "Traceback" not in result.output
    [line] = [line for line in result.output.splitlines() if line.startswith(("error: ", "interrupted: "))]
    assert line.startswith(f"interrupted: Ctrl-C before {name} finished; ") and resumes in line, line


def test_ctrl_c_in_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import m365_compliance.demo as demo

    def ctrl_c(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "run_demo", ctrl_c)
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "demo-out")])
    assert result.exit_code == INTERRUPTED.code, result.output
    assert "interrupted: Ctrl-C before demo finished; the next demo starts afresh" in result.output


def test_ctrl_c_in_run_still_writes_its_verdict_to_the_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    write_demo_config(tmp_path / "policy.toml", graph_url="http://127.0.0.1:9/v1.0", state_path="state.sqlite")

    def ctrl_c(work, *_args, **_kwargs):  # type: ignore[no-untyped-def]
        work.close()
        raise KeyboardInterrupt

    monkeypatch.setattr(asyncio, "run", ctrl_c)
    result = CliRunner().invoke(cli, ["run", "--config", str(tmp_path / "policy.toml"), "--out",
                                      str(tmp_path / "run-out")])
    summary = json.loads((tmp_path / "run-out" / "run-summary.json").read_text(encoding="utf-8"))
    assert result.exit_code == summary["exitCode"] == INTERRUPTED.code
    assert summary["verdict"] == "interrupted" and summary["stages"] == []
    assert f"interrupted: {summary['reason']}" in result.stderr.splitlines()


def test_ctrl_c_while_the_command_line_loads_is_one_line_and_130_not_a_traceback() -> None:
    """The commands take a moment to import; a Ctrl-C then must read like any other (the signal reaches a
    process that has not even parsed its options). Tried a few times: once Python is up, it lands in the
    imports or in the command, and both are one line and 130."""
    for _ in range(3):
        process = subprocess.Popen([sys.executable, "-m", "m365_compliance", "check", "--help"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.15)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        if process.returncode == -signal.SIGINT:
            continue  # the signal came before Python's own handler existed: nothing of ours ran yet
        text = err.decode()
        assert process.returncode == INTERRUPTED.code and "Traceback" not in text, text
        assert [line for line in text.splitlines() if line.strip()][-1].startswith("interrupted: "), text
        return
    pytest.skip("the signal arrived before Python started three times")
