"""``m365-compliance config …``: look at the policy file before anything runs against the tenant."""

from __future__ import annotations

from pathlib import Path

import click

from m365_compliance.cli.main import cli
from m365_compliance.cli.options import load_policy
from m365_compliance.config import check_config
from m365_compliance.exit_codes import OK, USAGE


@cli.group("config")
def config_group() -> None:
    """The policy file (TOML, policy-as-code): check it before it runs.

    \b
    Example:
      m365-compliance config check policy.toml
    """


@config_group.command("check", exit_notes={
    OK.code: "the file is valid (warnings included).",
    USAGE.code: "the file is not valid: `error:` names the key, the value found and what is allowed.",
})
@click.argument("path", type=click.Path(path_type=Path))
def check(path: Path) -> None:
    """Validate the policy file PATH (and exceptions.toml beside it) and summarise what it makes the tool do.

    Prints one line per section and a `warning:` line for each valid but doubtful setting (an expired
    exception among them). An invalid file gets one `error:` line per error, every section checked.

    \b
    Example:
      m365-compliance config check policy.toml
    """
    for line in check_config(load_policy(path)):
        click.echo(line)
