"""Page one of the report: the three questions management asks, answered from the report's own figures.

*Are we keeping the policy?* — one line per control: green (holds), amber (warnings, accepted
exceptions or not evaluated), red (open failures). *What do you need to decide?* — approvals waiting,
exceptions expiring within 30 days, data-subject requests due or overdue, exposures on GDPR Art. 33's
72-hour clock. *What changed since last time?* — new, fixed, still failing. Everything is computed from
:class:`~m365_compliance.report.model.ReportData`, so page one cannot disagree with the sections after it.
The wording is the renderers' (:mod:`.page_one_text`); this module only decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from m365_compliance.dsar.report_view import CaseRow
from m365_compliance.report.model import CONTROLS, RULE_CONTROLS, ExceptionRow, FindingRow, ReportData

Light = Literal["green", "amber", "red"]
#: How far ahead an accepted exception's expiry counts as a decision to make.
EXPIRY_DAYS = 30
#: GDPR Art. 33: a breach is notified within 72 hours of becoming aware of it.
BREACH_HOURS = 72


@dataclass(frozen=True)
class ControlLine:
    """One control's status and the figures its sentence is made from.

    ``reason`` names the sentence (``holds``, ``failing``, ``warnings``, ``accepted``, ``not_evaluated``,
    ``dsar_overdue``, ``dsar_due``, ``dsar_ok``, ``breach``, ``new``, ``drift_ok``, ``alerts_failed``,
    ``evidence_ok``); ``n`` the count it speaks of and ``finding`` the most serious of them (its title is named).
    """

    control: str
    light: Light
    reason: str
    n: int = 0
    finding: FindingRow | None = None


@dataclass(frozen=True)
class ApprovalWait:
    """Actions of one approval class the newest plan holds back until someone approves them."""

    approval_class: str
    count: int
    oldest: date | None  # when the oldest finding behind them was first seen


@dataclass(frozen=True)
class Exposure:
    """An open finding exposing applicant or customer data to outsiders, and its 72-hour deadline.

    The clock runs from the policy time of the evaluation that first saw the finding open (drift's
    ``breach_deadline``); where only the day is known (a store from before that was kept), from that
    day's first moment in the policy's time zone, the earliest it can have started: never late."""

    finding: FindingRow
    deadline: datetime
    hours_left: int  # negative once the deadline has passed


@dataclass(frozen=True)
class Decisions:
    approvals: tuple[ApprovalWait, ...]
    expiring: tuple[ExceptionRow, ...]
    requests: tuple[CaseRow, ...]
    exposures: tuple[Exposure, ...]

    @property
    def none(self) -> bool:
        return not (self.approvals or self.expiring or self.requests or self.exposures)


@dataclass(frozen=True)
class Changes:
    first_night: bool
    new: int
    fixed: int
    still_failing: int


@dataclass(frozen=True)
class PageOne:
    controls: tuple[ControlLine, ...]
    decisions: Decisions
    changes: Changes


def page_one(d: ReportData) -> PageOne:
    today = d.generated_at.astimezone(d.tz).date()
    controls = tuple(_line(d, c) for c in CONTROLS if d.selection.covers(c))
    return PageOne(controls, Decisions(_approvals(d), _expiring(d, today), _requests(d), _exposures(d)),
                   Changes(d.drift.previous_evaluation_id is None, d.drift.count("new"), d.drift.count("fixed"),
                           d.drift.count("still_failing")))


_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def _line(d: ReportData, control: str) -> ControlLine:
    if control in RULE_CONTROLS:
        return _rule_line(d, control)
    if control == "C7":
        overdue = sum(c.overdue and c.status != "closed" for c in d.dsar_cases)
        due = sum(c.due_soon and not c.overdue and c.status != "closed" for c in d.dsar_cases)
        if overdue:
            return ControlLine(control, "red", "dsar_overdue", overdue)
        if due:
            return ControlLine(control, "amber", "dsar_due", due)
        return ControlLine(control, "green", "dsar_ok", sum(c.status != "closed" for c in d.dsar_cases))
    if control == "C8":
        if d.drift.breach:
            return ControlLine(control, "red", "breach", len(d.drift.breach))
        new = d.drift.count("new") + d.drift.count("expired")
        if new:
            return ControlLine(control, "amber", "new", new)
        return ControlLine(control, "green", "drift_ok")
    if d.alert_failures:
        return ControlLine(control, "amber", "alerts_failed", len(d.alert_failures))
    return ControlLine(control, "green", "evidence_ok", d.evidence.journal_entries)


def _rule_line(d: ReportData, control: str) -> ControlLine:
    rows = d.findings_of(control)
    failing = sorted((f for f in rows if f.status == "fail" and f.drift_state != "accepted"),
                     key=lambda f: (not f.on_breach_clock, _SEVERITY_ORDER.get(f.severity, 3), f.id))
    if failing:
        return ControlLine(control, "red", "failing", len(failing), failing[0])
    not_evaluated = [f for f in rows if f.status == "not_evaluated"]
    if not_evaluated:
        return ControlLine(control, "amber", "not_evaluated", len(not_evaluated), not_evaluated[0])
    accepted = [f for f in rows if f.status == "fail"]
    if accepted:
        return ControlLine(control, "amber", "accepted", len(accepted), accepted[0])
    warnings = sorted((f for f in rows if f.status == "warn"), key=lambda f: (f.due or date.max, f.id))
    if warnings:
        return ControlLine(control, "amber", "warnings", len(warnings), warnings[0])
    return ControlLine(control, "green", "holds")


def _approvals(d: ReportData) -> tuple[ApprovalWait, ...]:
    first_seen = {f.id: f.first_seen for f in d.findings if f.first_seen is not None}
    groups: dict[str, list[date | None]] = {}
    for p in d.pending_approvals:
        seen = [first_seen[i] for i in p.finding_ids if i in first_seen]
        groups.setdefault(p.approval_class, []).append(min(seen) if seen else None)
    return tuple(ApprovalWait(cls, len(days), min((x for x in days if x is not None), default=None))
                 for cls, days in sorted(groups.items()))


def _expiring(d: ReportData, today: date) -> tuple[ExceptionRow, ...]:
    horizon = today + timedelta(days=EXPIRY_DAYS)
    return tuple(sorted((x for x in d.exceptions if x.state == "in_force" and x.expires <= horizon
                         and d.selection.covers(x.control or "")), key=lambda x: (x.expires, x.finding_id)))


def _requests(d: ReportData) -> tuple[CaseRow, ...]:
    if not d.selection.covers("C7"):
        return ()
    return tuple(sorted((c for c in d.dsar_cases if c.status != "closed" and (c.overdue or c.due_soon)),
                        key=lambda c: (c.due, c.case_id)))


def _exposures(d: ReportData) -> tuple[Exposure, ...]:
    found = []
    for f in d.drift.breach:
        if f.breach_deadline is not None:
            deadline = f.breach_deadline
        elif f.first_seen is not None:
            deadline = datetime.combine(f.first_seen, time.min, tzinfo=d.tz) + timedelta(hours=BREACH_HOURS)
        else:
            continue
        left = (deadline - d.generated_at).total_seconds() / 3600
        found.append(Exposure(f, deadline, int(left // 1)))
    return tuple(sorted(found, key=lambda e: (e.deadline, e.finding.id)))
