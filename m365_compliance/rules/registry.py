"""The rule registry: small pure functions of (snapshot, config, now) with their metadata beside them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from m365_compliance.rules.findings import SEVERITIES, Finding, stable_id

if TYPE_CHECKING:
    from m365_compliance.config.schema import Config
    from m365_compliance.inventory.snapshot import Snapshot

RuleFunction = Callable[["Snapshot", "Config", datetime], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    control: str
    severity: str
    title: str
    remediation: str
    checks: str  # what it checks, from the docstring's first paragraph
    function: RuleFunction

    def finding(self, subject: tuple[str, ...], message: str, *, status: str = "fail", severity: str | None = None,
                scope: str | None = None, item_id: str | None = None, path: str | None = None,
                evidence: dict[str, str] | None = None, due: date | None = None,
                keep_until: date | None = None, title: str | None = None) -> Finding:
        return Finding(stable_id(self.id, *subject), self.id, self.control, severity or self.severity, status,
                       title or self.title, message, self.remediation, scope, item_id, path,
                       tuple(sorted((evidence or {}).items())), due, keep_until)


RULES: dict[str, Rule] = {}


def rule(*, id: str, control: str, severity: str, title: str, remediation: str) -> Callable[[RuleFunction], Rule]:
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}")

    def register(function: RuleFunction) -> Rule:
        if id in RULES:
            raise ValueError(f"rule {id} registered twice")
        checks = " ".join((function.__doc__ or "").strip().split("\n\n")[0].split())
        RULES[id] = Rule(id, control, severity, title, remediation, checks, function)
        return RULES[id]

    return register


def evaluate(snapshot: Snapshot, config: Config, now: datetime) -> list[Finding]:
    """Every rule over the snapshot; sorted so two evaluations of the same input are identical."""
    from m365_compliance.rules import access, coverage, register_hygiene, retention  # noqa: F401  (registers)

    findings = [f for r in RULES.values() for f in r.function(snapshot, config, now)]
    unique = {f.id: f for f in findings}
    return sorted(unique.values(), key=lambda f: (f.control, f.rule_id, f.path or "", f.id))
