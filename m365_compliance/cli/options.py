"""Options shared by commands that read a policy file, and loading it without a traceback."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from m365_compliance.cli.output import fail
from m365_compliance.errors import ComplianceError, OutputError

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_CONFIG = "m365-compliance.toml"


def config_option(func: F) -> F:
    return click.option(
        "--config", "-c", "config_path", type=click.Path(dir_okay=False, path_type=Path),
        default=lambda: os.environ.get("M365_COMPLIANCE_CONFIG", DEFAULT_CONFIG), show_default=DEFAULT_CONFIG,
        help="The policy file (TOML). Also from $M365_COMPLIANCE_CONFIG.",
    )(func)


class OutputPath(click.Path):
    """A path a command writes (``folder``: a folder it writes files into), checked as the command line is
    read: a folder in the way that is a file, a read-only folder, a folder option given a file name
    (``--out report.html``), a name longer than the filesystem allows or a NUL in the path ends before any
    work with ``error:`` naming the option (and no more than a short prefix of a path no disk could hold)
    and the fix, exit 2."""

    def __init__(self, *, folder: bool) -> None:
        super().__init__(file_okay=not folder, dir_okay=folder, path_type=Path)
        self.folder = folder

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from m365_compliance.private_files import output_problem, quote

        path = Path(value)
        problem = output_problem(path, folder=self.folder)
        if problem is not None:
            name = (param.opts[0] if isinstance(param, click.Option) else param.human_readable_name) if param \
                else "path"
            what = "the folder the files are written into" if self.folder else "the file to write"
            fail(OutputError(f"{name} {quote(path)}: {problem.reason}", path=str(path),
                             hint=f"{name} is {what}. {problem.hint}"), exit_code=2)
        return super().convert(value, param, ctx)


class Choices(click.Choice):
    """click's Choice, whose refusal also names the choice that was probably meant (exit 2 as any usage error)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from m365_compliance.suggest import did_you_mean

        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as error:
            error.message += did_you_mean(str(value), [str(c) for c in self.choices])
            raise


def verbose_option(func: F) -> F:
    return click.option("--verbose", "-v", is_flag=True, help="Log debug details (ids and counts only).")(func)


def load_policy(path: Path):  # type: ignore[no-untyped-def]
    """The loaded config, or exit 2 with the loader's message and hint."""
    from m365_compliance.config.load import load_config

    try:
        return load_config(path)
    except ComplianceError as error:
        fail(error, exit_code=2)


NOW_RANGE = (1971, 2999)


def _instant(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime:
    """``--now``: an ISO 8601 instant (UTC when it has no offset); the current time when not given."""
    if value is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(value)  # 3.11 reads a trailing "Z"
    except ValueError as exc:
        raise click.BadParameter("expected an ISO 8601 instant such as 2026-11-25T02:00:00Z") from exc
    if not NOW_RANGE[0] <= when.year <= NOW_RANGE[1]:
        # Deadlines and statutory holds are counted years ahead of ``now``: far dates overflow the calendar.
        raise click.BadParameter(f"expected an instant in the years {NOW_RANGE[0]}–{NOW_RANGE[1]}")
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def now_option(func: F) -> F:
    """``--now INSTANT`` → a ``now`` argument (aware datetime): rehearse a later (or earlier) date."""
    return click.option("--now", "now", callback=_instant, metavar="INSTANT",
                        help="Act as of this instant (ISO 8601; UTC when no offset), e.g. to rehearse a later "
                             "date.")(func)
