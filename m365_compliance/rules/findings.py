"""Findings: what one rule says about one subject, with an id that stays the same across runs.

Drift (C8) and the plan (issue 5) compare runs by finding id, so the id is a hash of the rule id and
the subject key only — never of the message, the severity or the date of the run. ``path`` may name
an applicant (recruitment folders are named after people): it is kept for the report, which the
reader is entitled to, but messages and log lines carry item ids only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

Severity = Literal["low", "medium", "high"]
Status = Literal["fail", "warn", "info", "not_evaluated"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high")
#: fail: a violation; warn: a deadline is near; info: a retention decision ("keep until …", C6), not a
#: violation; not_evaluated: the data could not be read, so nothing may be concluded (DESIGN principle 2).
STATUSES: tuple[Status, ...] = ("fail", "warn", "info", "not_evaluated")


@dataclass(frozen=True)
class Finding:
    """One rule's verdict on one subject, with the evidence a reviewer needs to act on it.

    ``evidence`` is sorted (key, value) pairs so the finding stays hashable and its JSON stable.
    ``due`` is when something had to happen or will have to ("due since" when in the past);
    ``keep_until`` and ``reason`` say why and how long bookkeeping law keeps an item (C6).
    """

    id: str
    rule_id: str
    control: str
    severity: Severity
    status: Status
    title: str
    message: str  # item ids, dates and counts only: no names, no paths
    remediation: str
    scope: str | None = None  # "recruitment", "customers", "register", "directory"
    drive_id: str | None = None
    item_id: str | None = None
    path: str | None = None  # may name an applicant: reports only, never logs or terminal output by default
    evidence: tuple[tuple[str, str], ...] = ()
    due: date | None = None
    keep_until: date | None = None
    reason: str | None = None

    @property
    def is_open(self) -> bool:
        """A violation, or a gap that may hide one: what ``--fail-on`` and alerts count."""
        return self.status in ("fail", "not_evaluated")

    @property
    def is_stale(self) -> bool:
        """Judged on a scope's older picture, which the newest inventory could not refresh (then "not evaluated",
        with the verdict of that picture in ``statusWhenRead``): the coverage finding of the gap speaks for now."""
        return any(k == "staleSince" for k, _ in self.evidence)

    @property
    def open_when_read(self) -> bool:
        """Open in the picture it was judged on, however old: what drift compares a later night against."""
        if not self.is_stale:
            return self.is_open
        return dict(self.evidence).get("statusWhenRead") in ("fail", "not_evaluated")

    def at_least(self, severity: Severity) -> bool:
        return SEVERITIES.index(self.severity) >= SEVERITIES.index(severity)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id, "rule": self.rule_id, "control": self.control, "severity": self.severity,
            "status": self.status, "title": self.title, "message": self.message, "remediation": self.remediation,
            "scope": self.scope, "driveId": self.drive_id, "itemId": self.item_id, "path": self.path,
            "evidence": dict(self.evidence), "due": _day(self.due), "keepUntil": _day(self.keep_until),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> Finding:
        """The finding back from :meth:`as_dict` (as the state store keeps it)."""
        evidence = body.get("evidence") or {}
        return cls(
            id=body["id"], rule_id=body["rule"], control=body["control"], severity=body["severity"],
            status=body["status"], title=body["title"], message=body["message"], remediation=body["remediation"],
            scope=body.get("scope"), drive_id=body.get("driveId"), item_id=body.get("itemId"), path=body.get("path"),
            evidence=evidence_pairs(evidence), due=_from_day(body.get("due")),
            keep_until=_from_day(body.get("keepUntil")), reason=body.get("reason"))


def stable_id(rule_id: str, subject: tuple[str, ...]) -> str:
    """The same rule on the same subject gets the same id in every run, on every machine."""
    digest = hashlib.sha256("\x1f".join((rule_id, *subject)).encode()).hexdigest()
    return f"{rule_id.split('.')[0].upper()}-{digest[:12]}"


def evidence_pairs(evidence: Mapping[str, object] | None) -> tuple[tuple[str, str], ...]:
    """Evidence as sorted text pairs; empty values are left out rather than shown as "None"."""
    return tuple(sorted((k, str(v)) for k, v in (evidence or {}).items() if v not in (None, "")))


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _from_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
