"""One exit-code table: rendered into every command's --help and the README from one definition, and the
dsar summaries whole (not cut at "Art.")."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from m365_compliance.cli.exit_help import NOT_HERE, ExplainedCommand, ExplainedGroup, exit_code_rows
from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.exit_codes import FINDINGS, INCOMPLETE, OK, TABLE, USAGE, Verdict, by_code, markdown_table

_register_commands()
README = Path(__file__).resolve().parents[2] / "README.md"


def _paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in sorted(group.commands.items()):
        found += _paths(command, (*prefix, name)) if isinstance(command, click.Group) else [(*prefix, name)]
    return found


def _help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output


def _flat(text: str) -> str:
    return " ".join(text.split())


def _table(help_text: str) -> str:
    return help_text[help_text.index("Exit codes (the same for every command):"):]


ALL = _paths(cli)


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p) or "m365-compliance")
def test_every_help_ends_with_the_whole_table_once_and_no_table_of_its_own(path: tuple[str, ...]) -> None:
    shown = _help(path)
    assert shown.count("Exit codes") == 1, shown  # the rendered table, no second one written in a docstring
    table = _flat(_table(shown))
    for row in TABLE:
        assert f"{row.code} {row.word} {row.meaning}" in table, (path, row.code, table)
    assert re.search(r"\b130 interrupted\b", table) and table.index(" 0 ok ") < table.index("130 interrupted")


def test_every_command_is_a_command_that_renders_the_table() -> None:
    """A command added later gets the table without asking: the root's classes are every command's default."""
    kinds = {type(cli.get_command(click.Context(cli), p[0])) for p in ALL if p}
    assert kinds <= {ExplainedCommand, ExplainedGroup}, kinds


@pytest.mark.parametrize(("path", "code", "note"), [
    (("check",), FINDINGS.code, "at or above --fail-on"),
    (("run",), FINDINGS.code, "[run] fail_on (the line counts them by control)"),
    (("run",), INCOMPLETE.code, "an apply that a limit stopped or whose actions failed"),
    (("inventory",), INCOMPLETE.code, "complete with gaps"),
    (("plan",), INCOMPLETE.code, "the line says what apply will still do"),
    (("apply",), INCOMPLETE.code, "a limit stopped the apply before any change, or some actions failed"),
    (("alert",), INCOMPLETE.code, "a sink failed"),
    (("dsar", "erase"), INCOMPLETE.code, "some actions failed"),
    (("config", "check"), USAGE.code, "names the key"),
])
def test_a_command_says_what_a_code_means_for_it(path: tuple[str, ...], code: int, note: str) -> None:
    row = _row(_table(_help(path)), code)
    assert note in row.split(" Here: ", 1)[1], row


def _row(table: str, code: int) -> str:
    """One row of the rendered table, from its code to the next row's."""
    flat = _flat(table)
    starts = [flat.index(f" {r.code} {r.word} ") for r in TABLE] + [len(flat)]
    n = [r.code for r in TABLE].index(code)
    return flat[starts[n]:starts[n + 1]].strip()


@pytest.mark.parametrize(("path", "code"), [(("check",), INCOMPLETE.code), (("inventory",), FINDINGS.code),
                                            (("plan",), FINDINGS.code), (("report",), INCOMPLETE.code),
                                            (("dsar", "list"), FINDINGS.code)])
def test_a_code_a_command_never_ends_with_is_marked(path: tuple[str, ...], code: int) -> None:
    row = by_code(code)
    assert f"{code} {row.word} {row.meaning} {NOT_HERE}" in _flat(_table(_help(path)))


def test_a_note_for_a_code_outside_the_table_is_refused_when_the_command_is_defined() -> None:
    with pytest.raises(ValueError, match="outside the table"):
        click.command("x", cls=ExplainedCommand, exit_notes={5: "five"})(lambda: None)
    assert [term for term, _ in exit_code_rows({})] == [f"{r.code:<3} {r.word}" for r in TABLE]


def test_the_readme_shows_the_table_rendered_from_the_same_definition() -> None:
    text = README.read_text(encoding="utf-8")
    assert markdown_table() in text
    assert len(re.findall(r"^\| Exit code \|", text, flags=re.M)) == 1  # one table, no second copy


def test_a_verdict_line_leads_with_its_word_and_errors_with_error() -> None:
    assert Verdict(FINDINGS, "2 open findings.").line == "findings: 2 open findings."
    assert Verdict(INCOMPLETE, "1 gap.").line == "incomplete: 1 gap."
    assert Verdict(USAGE, "bad --now.").line == "error: bad --now."
    assert Verdict(OK, "every stage ran.").as_dict() == {"exitCode": 0, "verdict": "ok", "reason": "every stage ran."}
    with pytest.raises(ValueError):
        by_code(5)


def test_dsar_summaries_are_whole_sentences_not_cut_at_art() -> None:
    shown = _help(("dsar",))
    listing = shown[shown.index("Commands:"):shown.index("Exit codes")]
    lines = [line.strip() for line in listing.splitlines()[1:] if line.strip()]
    dsar = cli.commands["dsar"]
    assert isinstance(dsar, click.Group)
    assert len(lines) == len(dsar.commands)
    for line in lines:
        name, summary = line.split(None, 1)
        assert summary == dsar.commands[name].short_help, line
        assert not summary.endswith(("Art.", "...", "e.g.")) and summary.endswith("."), line
