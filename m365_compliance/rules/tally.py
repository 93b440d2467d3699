"""Findings counted per control, and the titles of what is to act on: what ``check`` prints and its
JSON document's ``controls`` carry, counted once here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from m365_compliance.rules.findings import SEVERITIES, Finding, Severity, Status

#: The statuses a person has to act on: a violation, a deadline near, a gap that may hide a violation.
TO_ACT_ON: tuple[Status, ...] = ("fail", "not_evaluated", "warn")


@dataclass(frozen=True)
class TitleCount:
    """``count`` findings of one title, status and severity (the most severe first in a tally)."""

    title: str
    status: Status
    severity: Severity
    count: int


@dataclass(frozen=True)
class ControlTally:
    control: str
    failing: tuple[tuple[Severity, int], ...]  # (severity, count), high first
    warn: int
    info: int
    not_evaluated: int
    to_act_on: tuple[TitleCount, ...]

    @property
    def failing_total(self) -> int:
        return sum(n for _, n in self.failing)


def tally(findings: Iterable[Finding], title: Callable[[Finding], str]) -> tuple[ControlTally, ...]:
    """One :class:`ControlTally` per control that has findings, in control order; ``title`` words each
    finding's title (in the reader's language)."""
    by_control: dict[str, list[Finding]] = {}
    for f in findings:
        by_control.setdefault(f.control, []).append(f)
    return tuple(_tally(control, by_control[control], title) for control in sorted(by_control, key=_control_order))


def _tally(control: str, findings: list[Finding], title: Callable[[Finding], str]) -> ControlTally:
    statuses = Counter(f.status for f in findings)
    failing = Counter(f.severity for f in findings if f.status == "fail")
    titles = Counter((f.status, f.severity, title(f)) for f in findings if f.status in TO_ACT_ON)
    to_act_on = sorted((TitleCount(text, status, severity, n) for (status, severity, text), n in titles.items()),
                       key=_most_urgent_first)
    return ControlTally(control, tuple((s, failing[s]) for s in reversed(SEVERITIES)), statuses["warn"],
                        statuses["info"], statuses["not_evaluated"], tuple(to_act_on))


def _most_urgent_first(entry: TitleCount) -> tuple[int, int, str]:
    """Failing before not evaluated before warnings; within each, the most severe first, then by title."""
    return TO_ACT_ON.index(entry.status), -SEVERITIES.index(entry.severity), entry.title


def _control_order(control: str) -> tuple[int, str]:
    digits = control[1:]
    return (int(digits), control) if digits.isdigit() else (10**6, control)
