"""Tell each configured sink what drift has to say this run, and remember what reached it.

A sink that fails (or raises) is reported in the outcome and the log; what it did not deliver is
decided again next run (:mod:`.alerting`), so a failing channel never loses an alert nor stops the run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from m365_compliance.alerts.model import Alert, AlertBatch, Delivery, Language, Sink
from m365_compliance.alerts.sinks import deliver_all
from m365_compliance.drift.alert_log import AlertLog
from m365_compliance.drift.alerting import alerts_for_sink
from m365_compliance.drift.compare import Drift
from m365_compliance.rules.findings import Severity
from m365_compliance.state.store import StateStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Channel:
    """A sink with its reminder cadence (``reminder_days``, 0 = never remind)."""

    sink: Sink
    reminder_days: int


@dataclass(frozen=True)
class AlertOutcome:
    offered: dict[str, tuple[Alert, ...]]
    deliveries: tuple[Delivery, ...]

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.deliveries)

    def summary(self) -> dict[str, object]:
        """Per sink: offered, delivered, failed and the error (a sink with nothing to say was not called)."""
        by_sink = {d.sink: d for d in self.deliveries}
        return {name: {"offered": len(alerts), "delivered": len(by_sink[name].delivered) if name in by_sink else 0,
                       "failed": len(by_sink[name].failed) if name in by_sink else 0,
                       "error": by_sink[name].error if name in by_sink else None}
                for name, alerts in self.offered.items()}


async def send_alerts(store: StateStore, drift: Drift, channels: Sequence[Channel], *, now: datetime,
                      policy_version: str, language: Language = "nb", min_severity: Severity = "low",
                      report_url: str | None = None, dry_run: bool = False) -> AlertOutcome:
    """Decide, deliver (unless ``dry_run``) and record. Sinks with nothing to say are not called."""
    alert_log = AlertLog(store)
    offered: dict[str, tuple[Alert, ...]] = {}
    for channel in channels:
        told = alert_log.last_told(channel.sink.name)
        offered[channel.sink.name] = tuple(alerts_for_sink(drift, told, reminder_days=channel.reminder_days, now=now,
                                                           min_severity=min_severity, language=language))
    if dry_run:
        return AlertOutcome(offered, ())
    batches = {name: AlertBatch(drift.evaluation_id, policy_version, now, alerts, language, report_url)
               for name, alerts in offered.items() if alerts}
    busy = [c.sink for c in channels if c.sink.name in batches]
    deliveries = tuple(await deliver_all(busy, batches)) if busy else ()
    for delivery in deliveries:
        alert_log.record(drift.evaluation_id, delivery, offered[delivery.sink], at=now)
        fields = {"sink": delivery.sink, "delivered": len(delivery.delivered), "failed": len(delivery.failed)}
        if not delivery.ok:
            log.warning("alerts to %s failed: %d of %d (%s); they are offered again next run", delivery.sink,
                        len(delivery.failed), len(offered[delivery.sink]), delivery.error, extra={"fields": fields})
    return AlertOutcome(offered, deliveries)
