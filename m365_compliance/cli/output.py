"""How commands talk to people: a progress line on a terminal, structured JSON logs in CI.

Log records carry ids and counts only (never names or file names: personal data stays out of logs).
Whatever does reach a line — a name in a message, a path shown on request — passes
:func:`~m365_compliance.terminal_text.safe_line` (or ``safe_json`` for a JSON line) first, so a name
from the tenant is printed as data and never acts on the terminal or the CI runner.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections import Counter
from typing import Any, NoReturn

import click

from m365_compliance.errors import (
    ApprovalError,
    ComplianceError,
    ConfigError,
    DsarError,
    LimitExceeded,
    PlanError,
)
from m365_compliance.exit_codes import ERROR, INCOMPLETE, INTERRUPTED, OK, USAGE, ExitCode, Verdict, by_code
from m365_compliance.terminal_text import safe_json, safe_line

#: What running the command again does after Ctrl-C, where it differs from starting the step over.
_RESUMES = {
    "inventory": "the next run resumes each library from its last checkpoint",
    "run": "the next run resumes: the inventory from its checkpoints, an apply from its journal",
    "apply": "the next run resumes from the journal and does nothing twice",
    "demo": "the next demo starts afresh",
}
_STARTS_OVER = "nothing half-done was kept: the next run does the unfinished step again"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if hasattr(record, "fields"):
            entry.update(record.fields)  # type: ignore[attr-defined]
        return safe_json(entry)


class TerminalFormatter(logging.Formatter):
    """The plain format for a person at a terminal: the message one inert line, and each line of a
    traceback below it inert too (an exception's text may quote a name)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return safe_line(super().formatMessage(record))

    def format(self, record: logging.LogRecord) -> str:
        # The message line holds no raw line break, so what follows the first is the traceback or stack
        # (possibly cached on the record by another formatter, hence not formatException).
        message, newline, rest = super().format(record).partition("\n")
        return message + newline + "\n".join(safe_line(line) for line in rest.split("\n")) if newline else message


def say(text: str, *, err: bool = False) -> None:
    """Print one line that may hold tenant text (a path, a name, a message quoting one) through
    :func:`safe_line`: every command's output lines go through here, not through ``click.echo``."""
    click.echo(safe_line(text), err=err)


def interactive() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if interactive():
        handler.setFormatter(TerminalFormatter("%(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(JsonFormatter())
    root = logging.getLogger("m365_compliance")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO if not interactive() else logging.WARNING)
    root.propagate = False


class Progress:
    """Counts what the inventory reports; redraws one line on a terminal, logs every N seconds in CI."""

    def __init__(self, label: str, *, every_seconds: float = 15.0) -> None:
        self.label = label
        self.counts: Counter[str] = Counter()
        self.every = every_seconds
        self._last = time.monotonic()
        self._tty = interactive()
        self._log = logging.getLogger("m365_compliance.progress")

    def __call__(self, what: str, n: int) -> None:
        self.counts[what] += n
        now = time.monotonic()
        if self._tty:
            text = ", ".join(f"{k} {v:,}" for k, v in sorted(self.counts.items()))
            click.echo(f"\r{self.label}: {text}", nl=False, err=True)
        elif now - self._last >= self.every:
            self._last = now
            self._log.info("progress", extra={"fields": {"stage": self.label, **self.counts}})

    def close(self) -> None:
        if self._tty and self.counts:
            click.echo("", err=True)


def conclude(verdict: Verdict, *, hint: str | None = None) -> NoReturn:
    """End the command with ``verdict``: a non-zero one prints its one line (and a hint) on stderr first."""
    if verdict.exit is not OK:
        say(verdict.line, err=True)
        if hint:
            say(f"hint: {hint}", err=True)
    raise SystemExit(verdict.code)


def fail(error: ComplianceError, exit_code: int = ERROR.code) -> NoReturn:
    """Print a library error as one line plus its hint, and exit with ``exit_code`` (no traceback). A file's
    several errors (:class:`~m365_compliance.errors.ConfigErrors`) are one line each, then each different hint
    once."""
    problems = error.problems if isinstance(error, ConfigError) else (error,)
    if len(problems) == 1:
        conclude(Verdict(by_code(exit_code), error.message), hint=error.hint)
    for problem in problems:
        say(Verdict(by_code(exit_code), problem.message).line, err=True)
    for hint in dict.fromkeys(p.hint for p in problems if p.hint):
        say(f"hint: {hint}", err=True)
    raise SystemExit(exit_code)


def what_resumes(command: str | None) -> str:
    """What running ``command`` (a root-level name) again does after Ctrl-C: said on exit and in its help."""
    return _RESUMES.get(command or "", _STARTS_OVER)


def interruption(command: str | None) -> Verdict:
    """The verdict of Ctrl-C, for every command alike: what was stopped and what the next run resumes.

    SQLite rolls back the open transaction and private_files replaces a file whole, so what was kept is an
    inventory's committed pages and an apply's journal: exactly what the next run resumes from."""
    return Verdict(INTERRUPTED, f"Ctrl-C before {command or 'the command'} finished; {what_resumes(command)}")


def interrupted(command: str | None) -> NoReturn:
    """Ctrl-C: one line saying so and what the next run resumes, exit 130."""
    if interactive():
        click.echo("", err=True)  # end the progress line (and the terminal's ^C)
    conclude(interruption(command), hint="Run the same command again when you are ready.")


def exit_for(error: ComplianceError) -> ExitCode:
    """The table's row for a refused plan, approval or data-subject step: incomplete when a blast-radius limit
    stopped the run before any change, usage for a bad plan, approval, ``--now`` or input, else error."""
    if isinstance(error, LimitExceeded):
        return INCOMPLETE
    usage = isinstance(error, PlanError | ApprovalError) or (isinstance(error, DsarError) and error.usage)
    return USAGE if usage else ERROR


def fail_action(error: ComplianceError) -> NoReturn:
    """:func:`fail` for plan, approve, apply, run and data-subject steps, with the code :func:`exit_for` says."""
    fail(error, exit_for(error).code)
