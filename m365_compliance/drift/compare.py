"""Classify each open finding of an evaluation against the one before: new, still failing, fixed.

Only open findings (a violation, or a gap that may hide one) drift. A finding that was open and is
gone is "fixed" only when its control was evaluated this time in its scope; when a coverage finding
says that control was not evaluated there, it is "unverified" — an unreadable site must never read
as a fixed one (DESIGN principle 2). A stale finding (judged on a picture the newest inventory could
not refresh) is not a current verdict: it drifts like a finding gone from sight, and the gap's own
coverage finding is what is new; once the scope is read again, it compares with what it said then. A finding with an exception in force is "accepted"; once the
exception has expired it is "expired" until someone decides again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from m365_compliance.drift.exceptions import AcceptedException
from m365_compliance.drift.exposure import exposes_to_outsiders
from m365_compliance.rules.dates import local_date
from m365_compliance.rules.findings import Finding

DriftState = Literal["new", "still_failing", "fixed", "unverified", "accepted", "expired"]
DRIFT_STATES: tuple[DriftState, ...] = ("new", "still_failing", "expired", "accepted", "unverified", "fixed")
COVERAGE_RULE = "coverage.not-evaluated"
#: A finding in these states is no longer open (gone, or gone from sight).
CLOSED_STATES: frozenset[DriftState] = frozenset({"fixed", "unverified"})
#: GDPR Art. 33: a breach is notified within 72 hours of becoming aware of it.
BREACH_HOURS = timedelta(hours=72)


@dataclass(frozen=True)
class DriftEntry:
    """One finding's drift. ``finding`` is this run's (for fixed/unverified: the last run's). ``first_seen_at``
    is the policy time its open streak began (None when no stored evaluation tells: first seen ``today``);
    ``first_seen`` is its calendar day in the policy's time zone."""

    finding: Finding
    state: DriftState
    first_seen: date
    breach_clock: bool
    exception: AcceptedException | None = None
    first_seen_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.state not in CLOSED_STATES

    @property
    def breach_deadline(self) -> datetime | None:
        """When the 72 hours of GDPR Art. 33 run out, counted from when it was first seen (policy time)."""
        if not self.breach_clock or self.first_seen_at is None:
            return None
        return self.first_seen_at + BREACH_HOURS


@dataclass(frozen=True)
class Drift:
    evaluation_id: str
    previous_evaluation_id: str | None
    entries: tuple[DriftEntry, ...]
    #: (control, scope) pairs a coverage finding says were not evaluated this run: nothing there is "fixed".
    unevaluated: frozenset[tuple[str, str | None]] = frozenset()

    def verifiable(self, control: str, scope: str | None) -> bool:
        """Whether this run could have seen a finding of ``control`` in ``scope`` if it were still there."""
        return (control, scope) not in self.unevaluated

    def counts(self) -> Counter[DriftState]:
        return Counter(e.state for e in self.entries)

    def by_state(self, *states: DriftState) -> tuple[DriftEntry, ...]:
        return tuple(e for e in self.entries if e.state in states)


def classify(current: Iterable[Finding], previous: Iterable[Finding] | None, *, today: date, tz: ZoneInfo,
             first_seen: Mapping[str, datetime], exceptions: Mapping[str, AcceptedException],
             evaluation_id: str, previous_evaluation_id: str | None) -> Drift:
    """The drift of ``current`` against ``previous`` (None: the first evaluation, everything open is new).
    ``first_seen``: per finding, the policy time its open streak began; ``today`` and ``tz``: the policy's."""

    def seen(finding_id: str) -> date:
        at = first_seen.get(finding_id)
        return local_date(at, tz) if at is not None else today

    now_open = {f.id: f for f in current if f.is_open and not f.is_stale}
    before_open = {f.id: f for f in (previous or ()) if f.open_when_read}
    unevaluated = {(f.control, f.scope) for f in now_open.values() if f.rule_id == COVERAGE_RULE}
    entries: list[DriftEntry] = []
    for finding in now_open.values():
        exception = exceptions.get(finding.id)
        state: DriftState
        if exception is not None and exception.holds_on(today):
            state = "accepted"
        elif exception is not None and exception.expired_on(today):
            state = "expired"
        else:
            state = "still_failing" if finding.id in before_open else "new"
        entries.append(DriftEntry(finding, state, seen(finding.id), exposes_to_outsiders(finding), exception,
                                  first_seen.get(finding.id)))
    for finding in before_open.values():
        if finding.id in now_open:
            continue
        gone: DriftState = "fixed" if (finding.control, finding.scope) not in unevaluated else "unverified"
        entries.append(DriftEntry(finding, gone, seen(finding.id), exposes_to_outsiders(finding),
                                  exceptions.get(finding.id), first_seen.get(finding.id)))
    order = {s: i for i, s in enumerate(DRIFT_STATES)}
    entries.sort(key=lambda e: (order[e.state], e.finding.control, e.finding.id))
    return Drift(evaluation_id, previous_evaluation_id, tuple(entries), frozenset(unevaluated))
