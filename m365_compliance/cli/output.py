"""How commands talk to people: a progress line on a terminal, structured JSON logs in CI.

Log records carry ids and counts only (never names or file names: personal data stays out of logs).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections import Counter
from typing import Any

import click

from m365_compliance.errors import (
    ApprovalError,
    ComplianceError,
    DsarError,
    LimitExceeded,
    PlanError,
)

EXIT_OVER_LIMIT = 3


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
        return json.dumps(entry, ensure_ascii=False)


def interactive() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if interactive():
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
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


def fail(error: ComplianceError, exit_code: int = 1) -> None:
    """Print a library error as one line plus its hint, and exit (no traceback)."""
    click.echo(f"error: {error.message}", err=True)
    if error.hint:
        click.echo(f"hint: {error.hint}", err=True)
    raise SystemExit(exit_code)


def fail_action(error: ComplianceError) -> None:
    """:func:`fail` for plan, approve, apply and data-subject steps: 3 when a blast-radius limit stopped
    the run, 2 for a bad plan, approval or input, else 1."""
    if isinstance(error, LimitExceeded):
        fail(error, EXIT_OVER_LIMIT)
    usage = isinstance(error, PlanError | ApprovalError) or (isinstance(error, DsarError) and error.usage)
    fail(error, 2 if usage else 1)
