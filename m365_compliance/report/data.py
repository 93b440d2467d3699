"""``build_report_data``: everything the management report shows, read from the state store in one go.

The latest evaluation's findings, the trend over every evaluation, the drift against the one before,
accepted exceptions, the evaluated snapshot (for applicant ages and agreement states), the journal,
the alert log, and what the newest nightly plan kept because of a retention label or the law. Building
a report adds nothing to the store (the repositories it opens may create their empty tables). Figures
from the snapshot are as of ``now`` in the policy's time zone; findings are as the evaluation stored them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

from m365_compliance.actions.journal import Journal
from m365_compliance.config.schema import Config
from m365_compliance.drift.alert_log import AlertLog
from m365_compliance.drift.compare import Drift
from m365_compliance.drift.exceptions import AcceptedException, ExceptionRepository
from m365_compliance.drift.history import load_drift
from m365_compliance.dsar.report_view import case_rows
from m365_compliance.errors import StateError
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.inventory.snapshot_load import load_snapshot
from m365_compliance.inventory.spec import inventory_spec
from m365_compliance.report import activity, findings_view, plan_view, tenant_view
from m365_compliance.report.model import ReportData, Selection
from m365_compliance.report.subjects import Names
from m365_compliance.rules.dates import local_date
from m365_compliance.state.findings_repo import FindingsRepository
from m365_compliance.state.store import StateStore

__all__ = ["ReportData", "build_report_data"]

#: How far ahead "upcoming deletions" look.
UPCOMING_DAYS = 90


def build_report_data(store: StateStore, config: Config, *, now: datetime, include_names: bool = False,
                      period_days: int = 30, upcoming_days: int = UPCOMING_DAYS,
                      selection: Selection = Selection()) -> ReportData:
    """The report of the latest stored evaluation as of ``now``, narrowed to ``selection`` (its controls, findings
    at or above its minimum severity); StateError when no evaluation is stored."""
    repo = FindingsRepository(store)
    history = [(e, Counter({k: n for k, n in c.items() if selection.covers(k[0], k[1])}))
               for e, c in repo.counts_by_evaluation()]  # every evaluation, oldest first, with its counts: the trend
    if not history:
        raise StateError("The state store holds no evaluation, so there is nothing to report.",
                         hint="Run `m365-compliance inventory` and `m365-compliance check` first.")
    latest = history[-1][0]
    tz = config.retention.timezone
    today = local_date(now, tz)
    all_findings = repo.findings_of(latest.id)
    findings = [f for f in all_findings if selection.covers(f.control, f.severity)]
    full_drift = load_drift(store, today=today, tz=tz, evaluation_id=latest.id, declared=config.exceptions)
    drift = replace(full_drift, entries=tuple(e for e in full_drift.entries
                                              if selection.covers(e.finding.control, e.finding.severity)))
    snapshot = _snapshot(store, config, latest.snapshot_run_id)
    names = Names.of(config, snapshot, include_names)
    rows = findings_view.rows_with_drift(findings, drift, include_names, names)
    controls = {f.id: f.control for f in findings} | {e.finding.id: e.finding.control for e in drift.entries}
    journal = Journal(store).entries()
    since, until = now - timedelta(days=period_days), now  # policy time: journal rows by their ``policy_at``
    runs = store.runs()
    inventory = next((activity.run_info(r) for r in runs if r["kind"] == "inventory"
                      and r["id"] == latest.snapshot_run_id), None)
    return ReportData(
        policy_name=config.policy.name, policy_version=config.policy_version, tz=tz, generated_at=now,
        include_names=include_names, evaluation=findings_view.evaluation_info(latest), inventory=inventory,
        findings=rows, counts=findings_view.counts_of(findings), trend=findings_view.trend(history, tz),
        coverage=findings_view.coverage(findings, len(snapshot.gaps) if snapshot is not None else None),
        drift=findings_view.drift_summary(drift, include_names, names),
        exceptions=activity.exception_rows([*ExceptionRepository(store).all(), *_from_file(drift)], controls, today),
        applicants=tenant_view.applicant_ages(snapshot, config, today, include_names),
        deletions=findings_view.deletions(rows, today, upcoming_days),
        agreements=tenant_view.agreements(snapshot, config, all_findings, today),
        actions=activity.actions(journal, since, until),
        alert_failures=activity.sink_failures(AlertLog(store).attempts(since), until),
        evidence=activity.evidence(runs, len(history), journal),
        dsar_cases=case_rows(store, today, config.dsar.due_soon_days),
        kept=plan_view.kept_by_label(store),  # after Journal(store): it creates the plans table of a new store
        pending_approvals=plan_view.pending_approvals(store), selection=selection,
    )


def _from_file(drift: Drift) -> list[AcceptedException]:
    """The exceptions of exceptions.toml that apply to an open finding of the drift (one row per finding)."""
    return [e.exception for e in drift.entries if e.open and e.exception is not None and e.exception.from_file]


def _snapshot(store: StateStore, config: Config, run_id: str) -> Snapshot | None:
    """The inventory the evaluation read; None when it is gone (the sections that need it say so)."""
    try:
        return load_snapshot(store, inventory_spec(config), run_id or None)
    except StateError:
        return None
