"""The one exit-code table every command follows, and the verdict a command ends with.

A scheduler acts on the number; a person reads the line. So each code has one meaning for every
command, and a command that ends with anything but 0 prints one line saying why: ``<word>: <reason>``
on stderr (``error:`` for 1 and 2). The help texts and the README render this table; nothing else
defines a code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ExitCode:
    """One row of the table: the number, a short machine word, and what it means for any command."""

    code: int
    word: str
    meaning: str


OK = ExitCode(0, "ok", "Done: the command did all it was asked.")
ERROR = ExitCode(1, "error", "A run-time error (Graph, the state store, a disk, nothing to work on yet); the "
                             "message says what to do next.")
USAGE = ExitCode(2, "usage", "Bad usage or an invalid policy file: an unknown option, a bad value, a plan or "
                             "approval that does not fit. Nothing was done.")
INCOMPLETE = ExitCode(3, "incomplete", "Ran, but not all of it: inventory gaps, an alert sink that failed, "
                                       "actions that failed or that a blast-radius limit holds back.")
FINDINGS = ExitCode(4, "findings", "An open finding at or above --fail-on ([run] fail_on for run).")
INTERRUPTED = ExitCode(130, "interrupted", "Stopped by Ctrl-C; the message says what the next run resumes.")

TABLE: tuple[ExitCode, ...] = (OK, ERROR, USAGE, INCOMPLETE, FINDINGS, INTERRUPTED)
#: Codes any command can end with: the root catches errors and Ctrl-C, click refuses bad usage.
EVERY_COMMAND: frozenset[int] = frozenset({OK.code, ERROR.code, USAGE.code, INTERRUPTED.code})


def by_code(code: int) -> ExitCode:
    """The table's row for ``code``; a code outside the table is a programming error."""
    for row in TABLE:
        if row.code == code:
            return row
    raise ValueError(f"exit code {code} is not in the table")


@dataclass(frozen=True)
class Verdict:
    """How a command ends: its exit code and the one line that says why (ids and counts, no names)."""

    exit: ExitCode
    reason: str

    @property
    def code(self) -> int:
        return self.exit.code

    @property
    def word(self) -> str:
        return self.exit.word

    @property
    def line(self) -> str:
        """The line printed on stderr: ``error:`` for errors and bad usage, else the verdict's word."""
        prefix = "error" if self.exit in (ERROR, USAGE) else self.word
        return f"{prefix}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        """For a summary file: ``exitCode``, ``verdict`` (the machine word) and ``reason``."""
        return {"exitCode": self.code, "verdict": self.word, "reason": self.reason}


def markdown_table() -> str:
    """The table as Markdown, the form the README shows (a test keeps the README equal to it)."""
    rows = [f"| {row.code} | `{row.word}` | {row.meaning} |" for row in TABLE]
    return "\n".join(["| Exit code | Verdict | Meaning |", "|--:|---|---|", *rows])
