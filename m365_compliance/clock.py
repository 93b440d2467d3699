"""Policy time and wall time: ``--now`` rehearses a date, but a rehearsal of a later date never executes.

Rules are evaluated as of ``now`` (policy time) so a person can see what a later date would bring;
executed against that picture, the same run would delete data that is not due yet. Wall time is
this machine's clock; a few minutes of difference between machines are tolerated.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from m365_compliance.errors import PlanError

#: How far ahead of this machine's clock ``now`` may be when executing (clocks of two machines disagree a little).
CLOCK_SKEW = timedelta(minutes=5)


def wall_now() -> datetime:
    return datetime.now(UTC)


def refuse_future_execution(now: datetime, wall: datetime | None = None) -> None:
    """Raise :class:`PlanError` when ``now`` lies later than the wall clock (beyond a small skew)."""
    if now > (wall or wall_now()) + CLOCK_SKEW:
        raise PlanError(f"--now {now.isoformat()} lies in the future: a rehearsal of a later date cannot execute "
                        "anything (it would delete what is not due yet).",
                        hint="Rehearse it as a dry run, or execute without --now.")
