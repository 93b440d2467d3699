"""Calendar dates in the policy's time zone (Europe/Oslo by default), and calendar-month arithmetic.

Graph returns a date-only column as the UTC instant of the site's local midnight
(``2026-02-28T23:00:00Z`` is 1 March in Oslo, graph-api-facts §3.3), and "today" at 00:30 in Oslo is
still yesterday in UTC, so every instant is turned into a local calendar date before it is compared.
A CSV register sends text: ISO dates, ``dd.mm.yyyy`` (Norwegian) and ``dd/mm/yyyy`` are read too.
Months are calendar months with end-of-month clamping: 31 Jan + 1 month = 28/29 Feb, and a leap day
plus 12 months is 28 February.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from m365_compliance.config.kinds import MonthDay

if TYPE_CHECKING:
    from m365_compliance.config.schema import Config

_LOCAL_FORMATS = ("%d.%m.%Y", "%d/%m/%Y")


def policy_today(config: Config, now: datetime) -> date:
    """The calendar day of ``now`` in the policy's time zone: what deadlines and expiries are counted in."""
    return local_date(now, config.retention.timezone)


def local_date(value: object, tz: ZoneInfo) -> date:
    """The calendar date in ``tz`` of an instant, an ISO date/time text, a datetime or a date.

    An aware instant is converted to ``tz``; a naive date/time is already local wall-clock time.
    Anything else raises ValueError (the caller turns that into a finding, never a crash).
    """
    if isinstance(value, datetime):
        return value.astimezone(tz).date() if value.tzinfo is not None else value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    try:
        return local_date(datetime.fromisoformat(text), tz)
    except ValueError:
        pass
    for fmt in _LOCAL_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text[:40]!r}")


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, clamped to the month's last day (29 Feb 2024 + 12 = 28 Feb 2025)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: float) -> date:
    """Whole and half years as months: 3.5 years is 3 years and 6 months (bokføringsloven § 13 via Altinn)."""
    return add_months(day, round(years * 12))


def fiscal_year_end(day: date, year_end: MonthDay) -> date:
    """The last day of the fiscal year ``day`` belongs to (bokføringsloven § 13 counts from it)."""
    return year_end.on_or_after(day)
