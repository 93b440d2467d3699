"""The stored findings as report rows: counts, trend, coverage, drift and due deletions.

Everything here is read from the findings the rules stored (and the drift computed from them), so
the report's figures are the evaluation's figures; nothing re-decides what a rule decided.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from m365_compliance.drift.compare import COVERAGE_RULE, DRIFT_STATES, Drift, DriftEntry
from m365_compliance.report.model import (
    Counts,
    Coverage,
    CoverageRow,
    Deletions,
    DriftSummary,
    EvaluationInfo,
    FindingRow,
    TrendPoint,
)
from m365_compliance.report.subjects import Names
from m365_compliance.rules.finding_texts import LANGUAGES
from m365_compliance.rules.findings import Finding
from m365_compliance.state.findings_repo import Evaluation

#: Rules whose failures are items past their deletion date ("due since DATE").
OVERDUE_RULES = frozenset({"c2.applicant-retention", "c5.disposal-due"})


def evaluation_info(e: Evaluation) -> EvaluationInfo:
    return EvaluationInfo(e.id, e.evaluated_at, e.snapshot_run_id, e.policy_version)


def finding_row(f: Finding, entry: DriftEntry | None, include_names: bool, names: Names) -> FindingRow:
    """The finding worded in both languages, its item named as :class:`Names` allows (a gap's own message
    quotes what could not be read, perhaps a path: the templates say which operation instead)."""
    row = dict(f.evidence).get("row")
    words = tuple((lang, names.words(f, lang, include_names)) for lang in LANGUAGES)
    return FindingRow(
        id=f.id, rule_id=f.rule_id, control=f.control, severity=f.severity, status=f.status, title=f.title,
        message=f.message, remediation=f.remediation, scope=f.scope, item_id=f.item_id, due=f.due,
        keep_until=f.keep_until, drift_state=entry.state if entry else None,
        first_seen=entry.first_seen if entry else None, breach_clock=entry.breach_clock if entry else False,
        breach_deadline=entry.breach_deadline if entry else None,
        reference=f"row {row}" if row and not f.item_id else None,
        path=f.path if include_names else None, words=words)


def rows_with_drift(findings: Iterable[Finding], drift: Drift, include_names: bool,
                    names: Names) -> tuple[FindingRow, ...]:
    entries = {e.finding.id: e for e in drift.entries if e.open}
    return tuple(finding_row(f, entries.get(f.id), include_names, names) for f in findings)


def drift_summary(drift: Drift, include_names: bool, names: Names) -> DriftSummary:
    counts = drift.counts()
    return DriftSummary(drift.previous_evaluation_id, tuple((s, counts.get(s, 0)) for s in DRIFT_STATES),
                        tuple(finding_row(e.finding, e, include_names, names) for e in drift.entries))


def counts_of(findings: Iterable[Finding]) -> Counts:
    return Counts.of((f.control, f.severity, f.status) for f in findings)


def trend(history: Sequence[tuple[Evaluation, Counter[tuple[str, str, str]]]], tz: ZoneInfo) -> tuple[TrendPoint, ...]:
    """One point per night: the last evaluation of each day in the policy's time zone (a rerun the same day
    replaces the earlier one), oldest first (``FindingsRepository.counts_by_evaluation``)."""
    nightly: dict[date, tuple[Evaluation, Counter[tuple[str, str, str]]]] = {}
    for e, c in history:  # oldest first: a later evaluation of the same day wins
        nightly[e.evaluated_at.astimezone(tz).date()] = (e, c)
    return tuple(TrendPoint(evaluation_info(e), Counts(tuple((*k, n) for k, n in sorted(c.items()))))
                 for _, (e, c) in sorted(nightly.items()))


def coverage(findings: Sequence[Finding], inventory_gaps: int | None) -> Coverage:
    """Not-evaluated findings grouped by control, scope and what could not be read (no hints, no targets:
    a target may be a path)."""
    groups: dict[tuple[str, str, str], int] = {}
    for f in findings:
        if f.status != "not_evaluated":
            continue
        what = dict(f.evidence).get("operation", "") if f.rule_id == COVERAGE_RULE else f.rule_id
        key = (f.control, f.scope or "", what or f.rule_id)
        groups[key] = groups.get(key, 0) + 1
    degraded = sum(f.rule_id == COVERAGE_RULE and f.status == "info" for f in findings)
    rows = tuple(CoverageRow(c, s or None, w, n) for (c, s, w), n in sorted(groups.items()))
    return Coverage(rows, inventory_gaps, degraded)


def deletions(rows: Sequence[FindingRow], today: date, horizon_days: int) -> Deletions:
    """Overdue: items whose deletion date has passed; upcoming: warnings due within the horizon."""
    overdue = tuple(sorted((r for r in rows if r.rule_id in OVERDUE_RULES and r.status == "fail"),
                           key=lambda r: (r.due or date.min, r.control, r.id)))
    end = today + timedelta(days=horizon_days)
    upcoming = tuple(sorted((r for r in rows if r.status == "warn" and r.due is not None and today <= r.due <= end),
                            key=lambda r: (r.due or date.max, r.control, r.id)))
    return Deletions(overdue, upcoming, horizon_days)
