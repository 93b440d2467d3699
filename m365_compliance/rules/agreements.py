"""The agreement register, read from raw rows into agreements — and every row problem kept as data.

A malformed row never stops the run: its problems travel with it, and register hygiene (C4)
reports them. Contact persons come from a person column (objects with ``Email``, or lookup ids) and
an optional text column of e-mails.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from m365_compliance.config.schema import RegisterColumns
from m365_compliance.rules.dates import local_date

_EMAILS = re.compile(r"[^@\s,;]+@[^@\s,;]+")


@dataclass(frozen=True)
class Agreement:
    row_id: str
    customer: str
    folder: str | None
    agreement_id: str | None
    start: date | None
    end: date | None
    contact_emails: tuple[str, ...]
    dpa_reference: str | None
    dpa_deletion_days: int | None
    problems: tuple[str, ...]  # "start date 'x' is not a date", ...

    def ended(self, today: date) -> bool:
        return self.end is not None and self.end < today


def read_agreements(rows: tuple[Mapping[str, Any], ...], columns: RegisterColumns, tz: ZoneInfo) -> list[Agreement]:
    return [_agreement(row, columns, tz) for row in rows]


def _agreement(row: Mapping[str, Any], c: RegisterColumns, tz: ZoneInfo) -> Agreement:
    problems: list[str] = []
    customer = _text(row.get(c.customer))
    if not customer:
        problems.append(f"no customer name in column {c.customer}")

    def day(column: str, required: bool) -> date | None:
        value = row.get(column)
        if value in (None, ""):
            if required:
                problems.append(f"no date in column {column}")
            return None
        try:
            return local_date(value, tz)
        except ValueError:
            problems.append(f"{column} {str(value)[:40]!r} is not a date")
            return None

    start, end = day(c.start, True), day(c.end, False)
    if start and end and end < start:
        problems.append(f"{c.end} is before {c.start}")
    deletion_days = None
    raw_days = row.get(c.dpa_deletion_days)
    if raw_days not in (None, ""):
        try:
            deletion_days = int(float(str(raw_days)))
        except ValueError:
            problems.append(f"{c.dpa_deletion_days} {str(raw_days)[:20]!r} is not a number")
    return Agreement(
        row_id=str(row.get("id", "")), customer=customer or "", folder=_text(row.get(c.folder)) if c.folder else None,
        agreement_id=_text(row.get(c.agreement_id)), start=start, end=end,
        contact_emails=tuple(sorted(set(_contacts(row.get(c.contacts)) + _contacts(
            row.get(c.contact_emails) if c.contact_emails else None)))),
        dpa_reference=_text(row.get(c.dpa_reference)), dpa_deletion_days=deletion_days, problems=tuple(problems))


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value not in (None, "") else None


def _contacts(value: Any) -> list[str]:
    """E-mails from a person column (objects, lists of objects) or a text column of addresses."""
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return [e for v in value for e in _contacts(v)]
    if isinstance(value, Mapping):
        email = value.get("Email") or value.get("email")
        return [str(email).lower()] if email else []
    return [m.lower() for m in _EMAILS.findall(str(value))]
