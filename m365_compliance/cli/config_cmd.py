"""``m365-compliance config …``: look at the policy file before anything runs against the tenant."""

from __future__ import annotations

from pathlib import Path

import click

from m365_compliance.cli.main import cli
from m365_compliance.cli.options import load_policy
from m365_compliance.config import check_config


@cli.group("config")
def config_group() -> None:
    """The policy file (TOML, policy-as-code): check it before it runs.

    \b
    Example:
      m365-compliance config check policy.toml
    """


@config_group.command("check")
@click.argument("path", type=click.Path(path_type=Path))
def check(path: Path) -> None:
    """Validate the policy file PATH (and exceptions.toml beside it) and summarise what it makes the tool do.

    Prints one line per section and a `warning:` line for each valid but doubtful setting (an expired
    exception among them). An invalid file gets one `error:` line per error, every section checked.

    \b
    Example:
      m365-compliance config check policy.toml

    Exit codes: 0 the file is valid (warnings included), 2 it is not (each `error:` names the file,
    the key, the value found and what is allowed).
    """
    for line in check_config(load_policy(path)):
        click.echo(line)
