"""In a machine format nothing but the document reaches stdout: what the work prints goes to stderr,
also when the command fails; in text the work's output stays on stdout."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from m365_compliance.cli.machine_format import JSON, emit, format_option, stdout_held


@click.command()
@format_option(json_flag=True)
@click.option("--fail", is_flag=True)
def noisy(fmt: str, fail: bool) -> None:
    with stdout_held(fmt):
        print("a library line")
        click.echo("an echoed line")
        if fail:
            raise SystemExit(1)
    if fmt == JSON:
        emit({"ok": True})


@pytest.mark.parametrize("args", [["--format", "json"], ["--json"]])
def test_the_document_is_alone_on_stdout(args):
    result = CliRunner().invoke(noisy, args)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"ok": True}
    assert result.stderr.splitlines() == ["a library line", "an echoed line"]


def test_what_was_held_reaches_stderr_when_the_command_fails():
    result = CliRunner().invoke(noisy, ["--format", "json", "--fail"])
    assert result.exit_code == 1 and result.stdout == ""
    assert "a library line" in result.stderr


def test_text_leaves_stdout_alone():
    result = CliRunner().invoke(noisy, [])
    assert result.stdout.splitlines() == ["a library line", "an echoed line"] and result.stderr == ""
