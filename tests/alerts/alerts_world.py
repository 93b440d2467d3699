"""Alerts made from real findings of the demo tenant, whose applicant folders are named after people.

Drift decides which alerts a sink gets; these tests only need alerts as drift would make them, so
:func:`alert_of` copies a finding's fields as the contract says (everything but the path).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from m365_compliance.alerts.model import Alert, AlertBatch, AlertKind, Language
from m365_compliance.rules.findings import Finding

GENERATED = datetime(2026, 11, 25, 2, 5, tzinfo=UTC)
_PERSON_FOLDER = re.compile(r"^\d{4}-\d{2} (.+)$")  # "2026-01 Kasper Tangen"


@dataclass(frozen=True)
class Demo:
    findings: tuple[Finding, ...]

    def with_paths(self, control: str | None = None) -> list[Finding]:
        """Findings whose path names an applicant (the ones that must not leak)."""
        return [f for f in self.findings if f.path and people_in(f.path) and (control is None or f.control == control)]

    def people(self, findings: Iterable[Finding]) -> set[str]:
        return {name for f in findings for name in people_in(f.path or "")}


def people_in(path: str) -> list[str]:
    return [m[1] for segment in path.split("/") if (m := _PERSON_FOLDER.match(segment))]


def alert_of(finding: Finding, kind: AlertKind = "new", *, breach: bool = False) -> Alert:
    return Alert(finding_id=finding.id, kind=kind, rule_id=finding.rule_id, control=finding.control,
                 severity=finding.severity, status="fixed" if kind == "fixed" else finding.status,
                 title=finding.title, message=finding.message, remediation=finding.remediation,
                 first_seen=date(2026, 11, 1), scope=finding.scope, item_id=finding.item_id, breach_clock=breach)


def batch_of(alerts: Sequence[Alert], language: Language = "nb", report_url: str | None = None) -> AlertBatch:
    return AlertBatch(run_id="run-42", policy_version="2022-07-04", generated_at=GENERATED, alerts=tuple(alerts),
                      language=language, report_url=report_url)


def assert_no_people(text: str, people: set[str]) -> None:
    assert people, "the check needs names to look for"
    leaked = {p for p in people if p in text or re.search(rf"\b{re.escape(p.split()[-1])}\b", text)}
    assert not leaked, f"personal data in what was sent: {sorted(leaked)}"
