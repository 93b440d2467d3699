"""Reading Graph's throttling headers: ``Retry-After`` and ``RateLimit-*`` (facts §7.3).

``Retry-After`` may be whole seconds, fractional seconds (which Kiota cannot parse, facts §8.3) or an
HTTP-date; any size is honoured here, Kiota's 180-second cap being the reason the gateway owns retries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value, or None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``RateLimit-Limit/Remaining/Reset``: sent once the app used 80 % of its minute budget."""

    limit: int | None
    remaining: int
    reset_seconds: float


def rate_limit(headers: Mapping[str, str]) -> RateLimit | None:
    """The RateLimit headers of a response (any header-name case), or None when not sent."""
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        remaining = int(lower["ratelimit-remaining"])
        reset = float(lower.get("ratelimit-reset", "0"))
    except (KeyError, ValueError):
        return None
    limit = lower.get("ratelimit-limit")
    return RateLimit(int(limit) if limit and limit.isdigit() else None, remaining, max(0.0, reset))
