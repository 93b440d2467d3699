"""Every command's ``--help`` ends with the one exit-code table (:mod:`m365_compliance.exit_codes`).

The table is rendered, never written into a docstring: each command says only what a code means for
it (``exit_notes={3: "…"}`` on its decorator), and a code it never ends with is marked so. The root
group sets these classes as the default for every command and group below it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click
from click.exceptions import NoArgsIsHelpError

from m365_compliance.cli.output import say, what_resumes
from m365_compliance.exit_codes import EVERY_COMMAND, INTERRUPTED, TABLE, USAGE

NOT_HERE = "Not from this command."
FROM_COMMANDS = "From the commands that say so in their --help."


def exit_code_rows(notes: Mapping[int, str], *, group: bool = False) -> list[tuple[str, str]]:
    """The table's rows for one command: each code's meaning, then what it means here (or that it never ends
    so). Codes 0, 1, 2 and 130 apply to every command; 3 and 4 only where the command notes them (a group
    leaves that to its commands)."""
    unknown = set(notes) - {row.code for row in TABLE}
    if unknown:
        raise ValueError(f"exit notes for codes outside the table: {sorted(unknown)}")
    rows = []
    for row in TABLE:
        if row.code in notes:
            text = f"{row.meaning} Here: {notes[row.code]}"
        elif row.code in EVERY_COMMAND:
            text = row.meaning
        else:
            text = f"{row.meaning} {FROM_COMMANDS if group else NOT_HERE}"
        rows.append((f"{row.code:<3} {row.word}", text))
    return rows


class _ExitTable:
    """Adds the exit-code section after a command's epilog (first among the bases: it takes ``exit_notes``
    from the keyword arguments before click's own class sees them)."""

    exit_notes: Mapping[int, str]
    is_group = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        notes = dict(kwargs.pop("exit_notes", None) or {})
        exit_code_rows(notes)  # a code outside the table fails when the command is defined, not when shown
        self.exit_notes = notes
        super().__init__(*args, **kwargs)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)  # type: ignore[misc]
        self._write_table(ctx, formatter)

    def _write_table(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        notes = dict(self.exit_notes)
        if not self.is_group and INTERRUPTED.code not in notes:  # what Ctrl-C keeps, as the exit line says
            path = ctx.command_path.split()
            notes[INTERRUPTED.code] = what_resumes(path[1] if len(path) == 2 else None) + "."
        with formatter.section("Exit codes (the same for every command)"):
            formatter.write_dl(exit_code_rows(notes, group=self.is_group), col_max=16)


class ExplainedCommand(_ExitTable, click.Command):
    """A command whose help ends with the exit-code table."""


class ExplainedGroup(_ExitTable, click.Group):
    """A command group whose help ends with the exit-code table, and whose commands and groups do too."""

    command_class = ExplainedCommand
    is_group = True
    group_class: type[click.Group] | type[type] | None = None  # set below: the class is not defined yet

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """No command given: the help, then the one line of a usage error (click's own ends at the help)."""
        try:
            return super().parse_args(ctx, args)
        except NoArgsIsHelpError:
            click.echo(ctx.get_help(), err=True)
            say(f"error: no command given: choose one of {', '.join(self.list_commands(ctx))}.", err=True)
            ctx.exit(USAGE.code)


ExplainedGroup.group_class = ExplainedGroup
