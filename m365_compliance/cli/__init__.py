"""The ``m365-compliance`` command line: a thin click skin over the library.

Each command parses its options, calls one library function, renders the result and returns a
documented exit code. Library errors (:class:`m365_compliance.errors.ComplianceError`) become a
one-line message with a hint, never a traceback.
"""

from __future__ import annotations

from m365_compliance.cli.main import cli, main

__all__ = ["cli", "main"]
