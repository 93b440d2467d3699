"""What a refused command must print: one ``error:`` line, a ``hint:`` under it, and no traceback."""

from __future__ import annotations


def one_error(output: str, *fragments: str) -> str:
    """The single ``error:`` line (followed by a ``hint:``), checked for ``fragments``; no traceback."""
    assert "Traceback" not in output, output
    lines = output.splitlines()
    errors = [n for n, line in enumerate(lines) if line.startswith("error: ")]
    assert len(errors) == 1, output
    assert lines[errors[0] + 1].startswith("hint: "), output
    for fragment in fragments:
        assert fragment in lines[errors[0]], output
    return lines[errors[0]]
