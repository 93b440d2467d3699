"""Calendar arithmetic in the policy's time zone (Europe/Oslo by default).

Graph returns date-only columns as the UTC instant of local midnight (``2026-02-28T23:00:00Z`` for
1 March, facts §3.3), so every date is converted to the local calendar before it is compared.
Months are calendar months with end-of-month clamping: 29 Feb + 12 months = 28 Feb.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo


def local_date(value: object, tz: ZoneInfo) -> date:
    """A date from a Graph instant, an ISO date, a datetime or a date; ValueError when it is none of these."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))).astimezone(tz).date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    if "T" in text or " " in text:
        return local_date(datetime.fromisoformat(text.replace("Z", "+00:00")), tz)
    for fmt in ("%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {value!r}")


def add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: float) -> date:
    """Whole and half years (3.5 years = 3 years and 6 months, bokføringsloven § 13 as read by Altinn)."""
    return add_months(day, round(years * 12))


def fiscal_year_end(day: date, month: int, month_day: int) -> date:
    """The end of the fiscal year that contains ``day`` (e.g. 31 December)."""
    end = date(day.year, month, min(month_day, calendar.monthrange(day.year, month)[1]))
    return end if day <= end else date(day.year + 1, month, min(month_day, calendar.monthrange(day.year + 1, month)[1]))
