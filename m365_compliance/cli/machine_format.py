"""``--format text|json`` (and ``ocsf`` for ``check``): one JSON document alone on stdout.

While a command works in a machine format, whatever would reach stdout (a line a library prints, the
stdout alert sink of ``run``) is held back, so stdout carries exactly the one document; logs and
progress go to stderr as always. ``--json``, where a command had it, is ``--format json``.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from typing import Any, TypeVar

import click

from m365_compliance.terminal_text import safe_json

F = TypeVar("F", bound=Callable[..., Any])
TEXT, JSON, OCSF = "text", "json", "ocsf"


def format_option(*extra: str, json_flag: bool = False) -> Callable[[F], F]:
    """``--format [text|json|…extra]`` → a ``fmt`` argument; ``json_flag`` keeps ``--json`` as a shorthand."""

    def decorate(func: F) -> F:
        func = click.option("--format", "fmt", type=click.Choice((TEXT, JSON, *extra)), default=TEXT,
                            show_default=True,
                            help="text for people; json: one JSON document on stdout (docs/schemas/)"
                                 + (", ocsf: OCSF Detection Findings" if OCSF in extra else "") + ".")(func)
        if json_flag:
            func = click.option("--json", "fmt", flag_value=JSON, hidden=True,
                                help="The same as --format json.")(func)
        return func

    return decorate


@contextmanager
def stdout_held(fmt: str) -> Iterator[io.StringIO]:
    """In a machine format, hold back what the work writes to stdout and pass it on to stderr when the
    block ends, however it ends (text: stdout stays as it is). A caller that wants what was written in
    the document takes it with :func:`take` inside the block."""
    held = io.StringIO()
    if fmt == TEXT:
        yield held
        return
    try:
        with redirect_stdout(held):
            yield held
    finally:
        rest = take(held)
        if rest:
            sys.stderr.write(rest if rest.endswith("\n") else rest + "\n")


def take(held: io.StringIO) -> str:
    """What was held so far, leaving nothing held."""
    text = held.getvalue()
    held.seek(0)
    held.truncate()
    return text


def emit(document: Any) -> None:
    """Print the document as the only thing on stdout (control characters escaped by ``safe_json``)."""
    click.echo(safe_json(document, indent=1))
