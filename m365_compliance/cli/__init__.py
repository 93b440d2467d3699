"""The ``m365-compliance`` command line: a thin click skin over the library.

Each command parses its options, calls one library function, renders the result and returns a
documented exit code. Library errors (:class:`m365_compliance.errors.ComplianceError`) become a
one-line message with a hint, never a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

#: Ctrl-C while the command line is still loading: nothing has started (exit 130, as in the table).
_EARLY_INTERRUPT = "interrupted: Ctrl-C before the command started; nothing was done. Run it again when ready.\n"


def main() -> None:
    """The console entry point. Loading the commands takes a moment; a Ctrl-C then gets one line and exit
    130, as during a command, not a traceback from the imports."""
    try:
        from m365_compliance.cli.main import _register_commands, cli

        _register_commands()
    except KeyboardInterrupt:
        sys.stderr.write(_EARLY_INTERRUPT)
        raise SystemExit(130) from None
    cli(prog_name="m365-compliance")


def __getattr__(name: str) -> Any:
    """``cli`` loads the command group on first use, so importing this package stays instant."""
    if name == "cli":
        from m365_compliance.cli.main import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["cli", "main"]
