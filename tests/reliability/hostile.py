"""What every hostile-input test asserts about a CLI answer: the exit code, no traceback, the message."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from click.testing import CliRunner, Result

from m365_compliance.cli.main import _register_commands, cli

_register_commands()


def invoke(args: Sequence[str]) -> Result:
    """The CLI in-process; an exception escaping a command fails the test (catch_exceptions=False)."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def run_process(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI as a real process, to see the stderr a user sees."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "m365_compliance", *args], cwd=cwd, capture_output=True, check=False,
                          text=True, encoding="utf-8", errors="replace", timeout=120, env=env)


def output_of(result: Result | subprocess.CompletedProcess[str]) -> str:
    if isinstance(result, Result):
        return result.output  # stdout and stderr interleaved (click 8.2)
    return result.stdout + result.stderr


def assert_clear_error(result: Result | subprocess.CompletedProcess[str], code: int,
                       fragments: Sequence[str] = ()) -> str:
    """Exit ``code`` with an ``error:`` line holding every fragment, and no traceback."""
    exit_code = result.exit_code if isinstance(result, Result) else result.returncode
    text = output_of(result)
    assert "Traceback" not in text, text
    assert exit_code == code, (exit_code, text)
    assert "error:" in text.lower(), text  # ours, or click's "Error:" for a usage error
    for fragment in fragments:
        assert fragment in text, (fragment, text)
    return text
