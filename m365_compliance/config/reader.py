"""Reads one TOML table of the policy file so that every error names the key, the value and what is allowed.

The keys a section builder reads *are* the section's schema: after reading, :meth:`Table.close`
rejects whatever else the table holds and lists the known keys, so there is no second list of key
names to keep in step with the builder.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from datetime import date, time
from typing import Any, Final, TypeVar

from m365_compliance.config.kinds import Invalid, Kind
from m365_compliance.errors import ConfigError, ConfigErrors
from m365_compliance.suggest import did_you_mean

T = TypeVar("T")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Final = _Required()
FILE_HINT: Final = ("docs/config.md describes every key and what it allows; check the file again with "
                    "`m365-compliance config check <file>`.")
_ABSENT: Final = object()
_SHOWN_MAX = 80


def show(value: object) -> str:
    """A value as the error message quotes it: Python literal syntax (a TOML date or date-time as written in
    the file), cut short when long."""
    text = value.isoformat() if isinstance(value, date | time) else repr(value)
    return text if len(text) <= _SHOWN_MAX else text[:_SHOWN_MAX - 1] + "…"


def one_error(errors: list[ConfigError]) -> ConfigError:
    """``errors`` (at least one) as one exception: the error itself, or all of them as :class:`ConfigErrors`."""
    problems = tuple(p for e in errors for p in e.problems)
    return problems[0] if len(problems) == 1 else ConfigErrors(problems)


class SectionFailed(Exception):
    """A section stopped because a part of it (a table of an array) failed, whose errors are already kept."""


class Problems:
    """Every error of a file, collected section by section: an error in one section does not hide the next's.

    Inside a section a wrong required value stops it (what follows may depend on it), while the optional keys
    read together (:meth:`Table.given`) and the unknown keys are each reported; the sections themselves, and each
    table of an array (``[[retention.statutory]]``), are checked one and all.
    """

    def __init__(self) -> None:
        self.found: list[ConfigError] = []

    def section(self, build: Callable[[], T]) -> T | None:
        """What ``build`` returns, or None when it raised a ConfigError (kept, with every error it stands for)."""
        try:
            return build()
        except ConfigError as error:
            self.found.extend(error.problems)
            return None
        except SectionFailed:
            return None

    def raise_any(self) -> None:
        if self.found:
            raise one_error(self.found)


class Table:
    """One table (section) of the policy file; ``key`` is its dotted name, "" for the top level."""

    def __init__(self, data: Mapping[str, Any], key: str, source: str) -> None:
        self._data = data
        self.key = key
        self.source = source
        self._read: list[str] = []

    # ------------------------------------------------------------------ naming and errors
    def child_key(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def invalid(self, name: str, value: object, allowed: str, reason: str = "",
                hint: str | None = None) -> ConfigError:
        """The error for a value that is present but not acceptable (also for combinations of keys)."""
        key = self.child_key(name)
        detail = f"; {reason}" if reason else ""
        return ConfigError(f"{self.source}: `{key}` = {show(value)}: expected {allowed}{detail}",
                           key=key, value=value, allowed=allowed, hint=hint or FILE_HINT)

    def missing(self, name: str, allowed: str, reason: str = "") -> ConfigError:
        key = self.child_key(name)
        strays = [k for k in self._data if k not in self._read]
        close = difflib.get_close_matches(name, strays, n=1, cutoff=0.7)
        typo = f" (found `{self.child_key(close[0])}`: a misspelling?)" if close else ""
        detail = f"; {reason}" if reason else ""
        return ConfigError(f"{self.source}: `{key}` is missing: expected {allowed}{detail}{typo}",
                           key=key, value=None, allowed=allowed, hint=FILE_HINT)

    # ------------------------------------------------------------------ reading values
    def has(self, name: str) -> bool:
        return name in self._data

    def raw(self, name: str) -> object:
        """The value as the file wrote it (for messages about a combination of keys)."""
        return self._data.get(name)

    def _take(self, name: str) -> object:
        if name not in self._read:
            self._read.append(name)
        return self._data.get(name, REQUIRED)

    def get(self, name: str, kind: Kind[T], default: T | _Required = REQUIRED) -> T:
        """The value under ``name`` as ``kind``; ``default`` when absent, or an error if it is required."""
        value = self._take(name)
        if value is REQUIRED:
            if isinstance(default, _Required):
                raise self.missing(name, kind.expected)
            return default
        try:
            return kind.parse(value)
        except Invalid as exc:
            raise self.invalid(name, value, kind.expected, str(exc)) from None

    def given(self, **kinds: Kind[Any]) -> dict[str, Any]:
        """The keys among ``kinds`` that the table has, parsed; absent ones are left to the dataclass default.
        Each is read even when one before it is wrong, so all their errors come at once."""
        parsed: dict[str, Any] = {}
        errors: list[ConfigError] = []
        for name, kind in kinds.items():
            try:
                parsed[name] = self.get(name, kind, _ABSENT)
            except ConfigError as error:
                errors.append(error)
        if errors:
            raise one_error(errors)
        return {name: value for name, value in parsed.items() if value is not _ABSENT}

    def items(self, name: str, kind: Kind[T], default: tuple[T, ...] | _Required = REQUIRED) -> tuple[T, ...]:
        """A list whose every element is ``kind``; an element's error names it as ``key[i]``."""
        value = self._take(name)
        allowed = f"a list of {kind.expected}"
        if value is REQUIRED:
            if isinstance(default, _Required):
                raise self.missing(name, allowed)
            return default
        if not isinstance(value, list):
            raise self.invalid(name, value, allowed)
        parsed: list[T] = []
        for index, element in enumerate(value):
            try:
                parsed.append(kind.parse(element))
            except Invalid as exc:
                raise self.invalid(f"{name}[{index}]", element, kind.expected, str(exc)) from None
        return tuple(parsed)

    def table(self, name: str, *, required: bool = True) -> Table:
        """A sub-table; an absent optional one reads as empty, so every key in it takes its default."""
        value = self._take(name)
        if value is REQUIRED:
            if required:
                raise self.missing(name, f"a table [{self.child_key(name)}]")
            value = {}
        if not isinstance(value, dict):
            raise self.invalid(name, value, f"a table [{self.child_key(name)}]")
        return Table(value, self.child_key(name), self.source)

    def tables(self, name: str) -> list[Table]:
        """An array of tables (``[[key]]``), absent = none; each is named ``key[i]``."""
        value = self._take(name)
        if value is REQUIRED:
            return []
        allowed = f"an array of tables [[{self.child_key(name)}]]"
        if not isinstance(value, list):
            raise self.invalid(name, value, allowed)
        for index, element in enumerate(value):
            if not isinstance(element, dict):
                raise self.invalid(f"{name}[{index}]", element, allowed)
        return [Table(element, self.child_key(f"{name}[{index}]"), self.source)
                for index, element in enumerate(value)]

    # ------------------------------------------------------------------ closing
    def close(self, secrets: Mapping[str, str] | None = None) -> None:
        """Reject every key that was not read (all of them at once). ``secrets`` maps forbidden secret keys to
        their ``*_env`` key."""
        errors = [self._unknown(name, secrets) for name in self._data if name not in self._read]
        if errors:
            raise one_error(errors)

    def _unknown(self, name: str, secrets: Mapping[str, str] | None) -> ConfigError:
        key = self.child_key(name)
        env_key = (secrets or {}).get(name)
        if env_key is not None:  # never echo the secret itself
            allowed = f"`{self.child_key(env_key)}`, the name of an environment variable holding it"
            return ConfigError(
                f"{self.source}: `{key}` must not be in the policy file (it is versioned in git): "
                f"put the secret in an environment variable and set {allowed}",
                key=key, value="<redacted>", allowed=allowed,
                hint=f"Remove `{key}` from the file, rotate that secret if the file was ever committed, "
                     f"and set `{self.child_key(env_key)}`.")
        what = "section" if not self.key else "key"
        known = ", ".join(self._read) or "none"
        return ConfigError(
            f"{self.source}: `{key}` is not a known {what}: expected one of {known}"
            f"{did_you_mean(name, self._read, n=1, cutoff=0.7)}",
            key=key, value=self._data[name], allowed=f"one of {known}", hint=FILE_HINT)
