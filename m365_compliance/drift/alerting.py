"""Which alerts each sink gets this run: new once, reminders at the sink's cadence, fixed once.

Decided from the drift and what the sink was already told (:mod:`.alert_log`), never from what was
merely attempted: an alert a sink failed to deliver is simply decided again next run. A finding the
sink was told about and that is gone is "fixed" only where this run could have seen it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from m365_compliance.alerts.model import Alert, AlertKind
from m365_compliance.drift.alert_log import Told
from m365_compliance.drift.compare import Drift, DriftEntry
from m365_compliance.rules.finding_texts import Language, finding_text, id_subject
from m365_compliance.rules.findings import Severity


def alerts_for_sink(drift: Drift, told: dict[str, Told], *, reminder_days: int, now: datetime,
                    min_severity: Severity = "low", language: Language = "nb") -> list[Alert]:
    alerts: list[Alert] = []
    open_ids: set[str] = set()
    for entry in drift.entries:
        if not entry.open:
            continue
        open_ids.add(entry.finding.id)
        if entry.state == "accepted" or not entry.finding.at_least(min_severity):
            continue
        kind = _kind(entry, told.get(entry.finding.id), reminder_days, now)
        if kind is not None:
            alerts.append(to_alert(entry, kind, language))
    for finding_id, last in told.items():
        if finding_id in open_ids or last.alert.kind == "fixed":
            continue
        if drift.verifiable(last.alert.control, last.alert.scope):  # else gone only from sight ("unverified")
            alerts.append(_fixed(last.alert))
    return alerts


def _kind(entry: DriftEntry, last: Told | None, reminder_days: int, now: datetime) -> AlertKind | None:
    if last is None or last.alert.kind == "fixed":
        return "expired" if entry.state == "expired" else "new"
    if entry.state == "expired" and entry.exception is not None and (
            last.alert.kind != "expired" or last.told_at.date() <= entry.exception.expires):
        return "expired"  # told before the exception ran out: the decision is due again
    if reminder_days and now - last.told_at >= timedelta(days=reminder_days):
        return "reminder"
    return None


def to_alert(entry: DriftEntry, kind: AlertKind, language: Language = "nb") -> Alert:
    """The alert in the sinks' language: the finding's title, message and remediation from the templates, naming
    its item by id only (alerts carry ids and counts, never a name or a path)."""
    f = entry.finding
    text = finding_text(f, language, id_subject(f, language))
    return Alert(finding_id=f.id, kind=kind, rule_id=f.rule_id, control=f.control, severity=f.severity,
                 status=f.status, title=text.title, message=text.message, remediation=text.remediation,
                 first_seen=entry.first_seen, scope=f.scope, item_id=f.item_id, breach_clock=entry.breach_clock)


def _fixed(last: Alert) -> Alert:
    return replace(last, kind="fixed", status="fixed", breach_clock=False)
