"""Options shared by commands that read a policy file, and loading it without a traceback."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from m365_compliance.cli.output import fail
from m365_compliance.errors import ComplianceError

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_CONFIG = "m365-compliance.toml"


def config_option(func: F) -> F:
    return click.option(
        "--config", "-c", "config_path", type=click.Path(dir_okay=False, path_type=Path),
        default=lambda: os.environ.get("M365_COMPLIANCE_CONFIG", DEFAULT_CONFIG), show_default=DEFAULT_CONFIG,
        help="The policy file (TOML). Also from $M365_COMPLIANCE_CONFIG.",
    )(func)


def verbose_option(func: F) -> F:
    return click.option("--verbose", "-v", is_flag=True, help="Log debug details (ids and counts only).")(func)


def load_policy(path: Path):  # type: ignore[no-untyped-def]
    """The loaded config, or exit 2 with the loader's message and hint."""
    from m365_compliance.config.load import load_config

    try:
        return load_config(path)
    except ComplianceError as error:
        fail(error, exit_code=2)


def parse_now(text: str | None) -> datetime:
    """``--now``: an ISO 8601 instant (naive = UTC), or the current time."""
    if not text:
        return datetime.now(UTC)
    try:
        now = datetime.fromisoformat(text)  # 3.11 reads a trailing "Z"
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--now") from error
    return now if now.tzinfo else now.replace(tzinfo=UTC)


now_option = click.option("--now", "now_text", help="Act as of this instant (ISO 8601), e.g. to rehearse a later date.")
