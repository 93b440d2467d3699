"""Findings: what a rule says about one subject, with a stable id so runs can be compared."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

SEVERITIES = ("low", "medium", "high")
STATUSES = ("fail", "warn", "info", "not_evaluated")


@dataclass(frozen=True)
class Finding:
    """One rule's verdict on one subject. ``status``: fail (violation), warn (deadline near),
    info (a retention decision, e.g. "keep until"), not_evaluated (the data could not be read)."""

    id: str
    rule_id: str
    control: str
    severity: str
    status: str
    title: str
    message: str
    remediation: str
    scope: str | None = None
    item_id: str | None = None
    path: str | None = None  # may name an applicant: reports only, never logs
    evidence: tuple[tuple[str, str], ...] = ()
    due: date | None = None  # due since / due on (deletion, disposition)
    keep_until: date | None = None  # statutory hold
    extra: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id, "rule": self.rule_id, "control": self.control, "severity": self.severity,
            "status": self.status, "title": self.title, "message": self.message, "remediation": self.remediation,
            "scope": self.scope, "itemId": self.item_id, "path": self.path, "evidence": dict(self.evidence),
            "due": self.due.isoformat() if self.due else None,
            "keepUntil": self.keep_until.isoformat() if self.keep_until else None,
        }


def stable_id(rule_id: str, *subject: str) -> str:
    """The same rule on the same subject gets the same id in every run (drift compares by it)."""
    digest = hashlib.sha256("\x1f".join((rule_id, *subject)).encode()).hexdigest()
    return f"{rule_id.split('.')[0].upper()}-{digest[:12]}"
