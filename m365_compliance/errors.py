"""The project's error tree. Every error carries a ``hint``: what the reader should do next.

ComplianceError
├── ConfigError          a policy file that does not validate (names key, value, what is allowed)
│   └── ConfigErrors     several of them at once: every error of the file, each in ``problems``
├── StateError           the state store cannot be opened, read or written
│   ├── StoreLocked      another command holds the store's writer lock (names its pid, host, command)
│   ├── StoreFull        the disk holding the store is full (the store is intact: the change was rolled back)
│   └── StoreNotWritable the store or its folder may not be written (read-only folder, permissions)
├── OutputError          a file or folder a command writes cannot be (a path through a file, no permission, full)
├── GraphError           Microsoft Graph refused or failed (see m365_compliance.graph.errors)
├── InventoryError       an inventory could not run at all (a partial failure is a gap, not this)
├── PlanError            a plan file that cannot be applied (unreadable, edited, other policy version)
├── ApprovalError        an approval that does not fit the plan (other plan id, unknown action or class)
├── LimitExceeded        a plan over a blast-radius limit: the run stopped before its first write
├── DsarError            a data-subject request step that cannot be taken (unknown case, wrong state, bad input)
└── EngineError          the distributed engine cannot evaluate (Dask missing, scheduler unreachable, a worker lost)
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

    @property
    def problems(self) -> tuple[ConfigError, ...]:
        """Each error this one stands for: itself, or every error of a file (:class:`ConfigErrors`)."""
        return (self,)


class ConfigErrors(ConfigError):
    """Every error found in a file, in the order of its sections: nobody fixes one to meet the next.

    Its ``key``, ``value``, ``allowed`` and ``hint`` are the first error's; its message is all of theirs, one per
    line, so code that matches one error's text still finds it.
    """

    def __init__(self, errors: tuple[ConfigError, ...]) -> None:
        first = errors[0]
        super().__init__("\n".join(e.message for e in errors), key=first.key, value=first.value,
                         allowed=first.allowed, hint=first.hint)
        self.errors = errors

    @property
    def problems(self) -> tuple[ConfigError, ...]:
        return self.errors


class StateError(ComplianceError):
    default_hint = "Check the [state] path in the policy file and that the folder is writable."


class StoreLocked(StateError):
    """The store's exclusive writer lock is held by another live command; refused at once, never waited for.

    ``pid``, ``host``, ``command``, ``since`` and ``heartbeat`` describe the holder (None when it has not
    written them yet), so a caller can act on the parts and not only the message.
    """

    default_hint = ("Wait for that command to finish, then run this one again. A lock whose process is gone "
                    "(killed, crashed, or silent for 3 heartbeats on another host) is taken over automatically.")

    def __init__(self, message: str, *, pid: int | None = None, host: str | None = None,
                 command: str | None = None, since: str | None = None, heartbeat: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.pid = pid
        self.host = host
        self.command = command
        self.since = since
        self.heartbeat = heartbeat


class StoreFull(StateError):
    """SQLite answered SQLITE_FULL: the disk (or quota) is full. SQLite rolled the unfinished change back, so
    the store is as the last finished step left it; told apart from a damaged store so nobody throws it away."""

    default_hint = "Free space on that disk and run the command again; the state store itself is intact."


class StoreNotWritable(StateError):
    """The store or its folder may not be written by this user (read-only folder or file, permissions)."""

    default_hint = ("Make the state folder and the store writable by the user running m365-compliance "
                    "(e.g. chmod u+w), or set [state] path to a folder it may write.")


class OutputError(ComplianceError):
    """A file or folder a command writes cannot be: a folder in its path is a file, the folder may not be
    written, the disk is full. ``path`` is what was being written; the message says which part is wrong."""

    default_hint = "Choose another path, or fix the one named, and run the command again."

    def __init__(self, message: str, *, path: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.path = path


class InventoryError(ComplianceError):
    default_hint = "Run `m365-compliance doctor` to see which site, library or permission is missing."


class PlanError(ComplianceError):
    default_hint = "Make a new plan with `m365-compliance plan --config POLICY --out plan.json` and review it."


class ApprovalError(ComplianceError):
    """An approval binds to one plan id and its action ids; anything else is refused, never guessed."""

    default_hint = ("Approve the plan you are applying: `m365-compliance approve plan.json --by NAME --class ...`, "
                    "or update approvals.toml to the plan's id and action ids.")


class LimitExceeded(ComplianceError):
    """A blast-radius limit (``limit``: the setting's name) would be crossed: ``selected`` of ``population``.

    ``allowed`` is the limit's value (a count, or a share for ``max_deletion_share``).
    """

    default_hint = ("Review the plan. If it is right, approve fewer deletions or raise the limit under [limits] "
                    "in the policy file (a reviewed change), then apply again.")

    def __init__(self, message: str, *, limit: str, allowed: float, selected: int, population: int,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.limit = limit
        self.allowed = allowed
        self.selected = selected
        self.population = population


class DsarError(ComplianceError):
    """A data-subject request step refused: ``usage`` is True for bad input (exit 2), else a state problem (exit 1)."""

    default_hint = "See `m365-compliance dsar list --config POLICY` for the cases and docs/dsar.md for the steps."

    def __init__(self, message: str, *, hint: str | None = None, usage: bool = False) -> None:
        super().__init__(message, hint=hint)
        self.usage = usage


class EngineError(ComplianceError):
    """The engine ``[engine] master`` names cannot evaluate the rules: Dask is not installed, the scheduler does
    not answer, a worker runs another m365-compliance or was lost. Nothing was stored: the evaluation is whole
    or not at all."""

    default_hint = ("Check `[engine] master` in the policy file (docs/scale.md), or evaluate in this process with "
                    "`--engine embedded`.")
