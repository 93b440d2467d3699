"""JSON lines on standard output: one object per alert, for a log shipper or a job summary step.

``{"type": "m365-compliance.alert", "runId", "policyVersion", "generatedAt", "language", "kind",
"findingId", "rule", "control", "severity", "status", "title", "message", "remediation", "firstSeen",
"scope", "itemId", "breachClock", "breachWarning", "reportUrl"}`` — the alert's fields (ids and counts,
never a path); ``breachWarning`` is the GDPR Art. 33 sentence in the batch's language, or null.
Each line is written by :func:`~m365_compliance.terminal_text.safe_json`: a title quoting a name cannot
carry a raw control character (C1 and bidi controls too, which json.dumps leaves raw) or a runner command.
The only failure is a closed pipe (the reader went away): the alerts not written are reported failed.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from m365_compliance.alerts.model import Alert, AlertBatch, Delivery
from m365_compliance.alerts.texts import texts_for
from m365_compliance.terminal_text import safe_json

EVENT_TYPE = "m365-compliance.alert"


class JsonLinesSink:
    """``JsonLinesSink()`` writes to ``sys.stdout`` (looked up when delivering, so a redirect applies)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    @property
    def name(self) -> str:
        return "stdout"

    async def deliver(self, batch: AlertBatch) -> Delivery:
        stream = self._stream or sys.stdout
        delivered: list[str] = []
        for index, alert in enumerate(batch.alerts):
            try:
                stream.write(safe_json(record(alert, batch)) + "\n")
                stream.flush()
            except (BrokenPipeError, ValueError) as exc:  # ValueError: the stream was closed
                failed = tuple(a.key for a in batch.alerts[index:])
                return Delivery(self.name, tuple(delivered), failed, f"standard output closed ({type(exc).__name__})")
            delivered.append(alert.key)
        return Delivery(self.name, tuple(delivered))


def record(alert: Alert, batch: AlertBatch) -> dict[str, Any]:
    return {"type": EVENT_TYPE, "runId": batch.run_id, "policyVersion": batch.policy_version,
            "generatedAt": batch.generated_at.isoformat(), "language": batch.language, "kind": alert.kind,
            "findingId": alert.finding_id, "rule": alert.rule_id, "control": alert.control,
            "severity": alert.severity, "status": alert.status, "title": alert.title, "message": alert.message,
            "remediation": alert.remediation, "firstSeen": alert.first_seen.isoformat(), "scope": alert.scope,
            "itemId": alert.item_id, "breachClock": alert.breach_clock,
            "breachWarning": texts_for(batch.language).breach if alert.breach_clock else None,
            "reportUrl": batch.report_url}
