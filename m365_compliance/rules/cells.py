"""Column values as they arrive from a SharePoint list, a library column or a CSV/XLSX register.

A list sends typed JSON (booleans, numbers, person objects); a CSV file sends every cell as text.
These readers accept both and raise ValueError for a value they cannot read, so the rule that asked
can report it (a malformed cell is a finding, never a crash). Dates are in :mod:`.dates`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_TRUE = frozenset({"true", "1", "yes", "ja", "y", "j", "x"})
_FALSE = frozenset({"false", "0", "no", "nei", "n"})
_MAIL = re.compile(r"[^@\s,;<>\"']+@[^@\s,;<>\"']+")
_GUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")

#: A century of days: the most any agreement's deletion period may say.
MAX_DAYS = 36500


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def text(value: object) -> str | None:
    """Stripped text, or None when the cell is empty."""
    return None if is_empty(value) else str(value).strip()


def flag(value: object) -> bool | None:
    """A yes/no cell (``True``, ``"ja"``, ``"1"``, …); None when empty; ValueError when it is neither."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"not yes/no: {word[:20]!r}")


def whole_number(value: object) -> int | None:
    """A count of days (``90``, ``"90"``, ``90.0``); None when empty; ValueError otherwise."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise ValueError("not a number: a yes/no value")  # noqa: TRY004  (callers report ValueError as a finding)
    number = float(str(value).strip().replace(",", "."))
    if not number.is_integer() or not 0 <= number <= MAX_DAYS:  # more would overflow date arithmetic
        raise ValueError(f"not a whole number of days from 0 to {MAX_DAYS}: {number}")
    return int(number)


def people(value: object) -> tuple[tuple[str, ...], int]:
    """References to people in a person or text cell: lower-case mails and object ids, and how many
    entries carried neither (a bare ``LookupId`` names a site user the directory cannot match)."""
    if is_empty(value):
        return (), 0
    if isinstance(value, (list, tuple)):
        refs: list[str] = []
        unmatched = 0
        for entry in value:
            found, missing = people(entry)
            refs.extend(found)
            unmatched += missing
        return tuple(refs), unmatched
    if isinstance(value, Mapping):
        mail = value.get("Email") or value.get("email") or value.get("mail")
        return ((str(mail).strip().lower(),), 0) if mail else ((), 1)
    words = str(value)
    refs = [m.lower() for m in _MAIL.findall(words)] + [g.lower() for g in _GUID.findall(words)]
    return tuple(refs), 0 if refs else 1
