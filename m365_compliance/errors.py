"""The project's error tree. Every error carries a ``hint``: what the reader should do next.

ComplianceError
├── ConfigError          a policy file that does not validate (names key, value, what is allowed)
├── StateError           the state store cannot be opened, read or written
├── GraphError           Microsoft Graph refused or failed (see m365_compliance.graph.errors)
└── InventoryError       an inventory could not run at all (a partial failure is a gap, not this)
"""

from __future__ import annotations


class ComplianceError(Exception):
    """Base of every error the CLI reports as a one-line message plus a hint."""

    default_hint = "See the documentation for this command (--help)."

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint or self.default_hint

    def __str__(self) -> str:
        return self.message


class ConfigError(ComplianceError):
    """A setting that does not validate.

    ``key`` is the dotted name (``limits.max_deletions``, ``retention.statutory[1].years``; None when
    the file as a whole is at fault), ``value`` what was found (None when the key is missing) and
    ``allowed`` what would be accepted, so a caller can act on the parts and not only the message.
    """

    default_hint = "Fix the named setting in the policy file (or environment) and run the command again."

    def __init__(self, message: str, *, key: str | None = None, value: object = None,
                 allowed: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.key = key
        self.value = value
        self.allowed = allowed


class StateError(ComplianceError):
    default_hint = "Check the [state] path in the policy file and that the folder is writable."


class InventoryError(ComplianceError):
    default_hint = "Run `m365-compliance doctor` to see which site, library or permission is missing."
