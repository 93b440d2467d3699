"""The root command group; subcommands register themselves from their own modules."""

from __future__ import annotations

import click

from m365_compliance import __version__

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="m365-compliance")
def cli() -> None:
    """Make the privacy policy enforceable, checked every night and provable in Microsoft 365.

    \b
    Example:
      m365-compliance demo --out demo-out      # the whole pipeline against the bundled sandbox
      m365-compliance config check policy.toml
      m365-compliance inventory --config policy.toml

    Exit codes: 0 success, 1 a run-time error (the message says what to do), 2 bad usage or config.
    """


def _register_commands() -> None:
    # Imported here so each command module stays independent of the others.
    from m365_compliance.cli import check_cmd  # noqa: F401
    from m365_compliance.cli import config_cmd  # noqa: F401
    from m365_compliance.cli import demo_cmd  # noqa: F401
    from m365_compliance.cli import doctor_cmd  # noqa: F401
    from m365_compliance.cli import drift_cmd  # noqa: F401
    from m365_compliance.cli import dsar_cmd  # noqa: F401
    from m365_compliance.cli import inventory_cmd  # noqa: F401
    from m365_compliance.cli import plan_cmd  # noqa: F401
    from m365_compliance.cli import report_cmd  # noqa: F401
    from m365_compliance.cli import run_cmd  # noqa: F401
    from m365_compliance.cli import sandbox_cmd  # noqa: F401
    from m365_compliance.cli import state_cmd  # noqa: F401


def main() -> None:
    _register_commands()
    cli(prog_name="m365-compliance")
