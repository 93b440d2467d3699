"""The root command group; subcommands register themselves from their own modules.

The root also ends what no command should have to handle on its own, the same way for all of them:
Ctrl-C (exit 130, saying what the next run resumes), a disk or path that refuses a write or a read (any
``OSError``: a full disk, a name too long, a symlink loop, a folder that is a file, no permission; and
the ``ValueError`` a NUL in a path raises) (exit 1, naming the path and the fix) and a library error a
command did not catch (exit 1) are one ``error:`` line and a ``hint:`` line, never a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

import click
from click.exceptions import NoArgsIsHelpError

from m365_compliance import __version__
from m365_compliance.cli.exit_help import ExplainedGroup
from m365_compliance.cli.output import fail, interrupted
from m365_compliance.errors import ComplianceError
from m365_compliance.exit_codes import USAGE

log = logging.getLogger(__name__)


class RootGroup(ExplainedGroup):
    """The command group whose :meth:`invoke` wraps every subcommand (their option parsing included); its
    commands' help texts end with the exit-code table (:mod:`.exit_help`)."""

    def invoke(self, ctx: click.Context) -> Any:
        from m365_compliance.private_files import os_error, path_value_error

        try:
            return super().invoke(ctx)
        except click.UsageError as error:  # a bad option, value or argument: one line and a hint, like any refusal
            if isinstance(error, NoArgsIsHelpError):
                raise
            where = error.ctx.command_path if error.ctx is not None else ctx.command_path
            fail(ComplianceError(error.format_message(), hint=f"See `{where} --help` for the options and what "
                                 "each takes."), USAGE.code)
        except KeyboardInterrupt:
            interrupted(ctx.invoked_subcommand)
        except ComplianceError as error:  # a command that let one through (a full or read-only store anywhere)
            fail(error)
        except BrokenPipeError:
            raise  # stdout piped into `head`: click quietens it
        except OSError as exc:  # a path no check caught: too long, a symlink loop, not a folder, no permission, full
            log.debug("file operation failed", exc_info=True)
            fail(os_error(exc))  # never raises, whatever the path
        except ValueError as exc:  # a NUL (or an unencodable character) in a path: "embedded null byte"
            error = path_value_error(exc)
            if error is None:
                raise
            log.debug("path refused by the system", exc_info=True)
            fail(error)


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="m365-compliance")
def cli() -> None:
    """Make the privacy policy enforceable, checked every night and provable in Microsoft 365.

    \b
    Example:
      m365-compliance demo --out demo-out      # the whole pipeline against the bundled sandbox
      m365-compliance config check policy.toml
      m365-compliance inventory --config policy.toml

    Every command ends with one exit code from the table below; any code but 0 comes with one line on
    stderr saying why.
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
