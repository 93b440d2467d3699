"""The rule registry: small pure functions of (snapshot, config, now) with their metadata beside them.

A rule is declared once, with its id, control, severity, title and remediation in the decorator and
what it checks in its docstring's first paragraph; docs/rules.md is generated from exactly that
(``python -m m365_compliance.rules.reference``). ``evaluate`` runs every rule and returns the
findings sorted, so evaluating the same snapshot twice — or an old snapshot offline — gives the same
list (DESIGN principle 3).

The distributed engine runs ``evaluate`` on the shared context with one scope at a time and gathers the
results (m365_compliance/engine/gather.py). That equals ``evaluate`` on the whole snapshot as long as a
rule's findings about a scope read only that scope and the shared context, and its findings about no
scope read at most one scope and say nothing without it; a judgement that needs two scopes at once is
gathered explicitly there (a directory group's gap is the one today).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from m365_compliance.rules.findings import SEVERITIES, Finding, Severity, Status, evidence_pairs, stable_id

if TYPE_CHECKING:
    from m365_compliance.config.schema import Config
    from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot
    from m365_compliance.model import DriveItem

RuleFunction = Callable[["Snapshot", "Config", datetime], Iterable[Finding]]

#: The modules whose rules ``evaluate`` runs (importing one registers its rules).
RULE_MODULES = ("access", "retention_applicants", "agreements", "statutory", "register_hygiene", "coverage")


@dataclass(frozen=True)
class Rule:
    id: str
    control: str  # "C1".."C6"; "C1-C6" for coverage, whose findings each name one control
    severity: Severity  # the usual severity; a finding may say more or less (the docstring says when)
    title: str
    remediation: str
    checks: str  # what it checks: the docstring's first paragraph
    function: RuleFunction

    def finding(self, subject: tuple[str, ...], message: str, *, status: Status = "fail",
                severity: Severity | None = None, title: str | None = None, control: str | None = None,
                scope: str | None = None, drive_id: str | None = None, item_id: str | None = None,
                path: str | None = None, evidence: Mapping[str, object] | None = None, due: date | None = None,
                keep_until: date | None = None, reason: str | None = None) -> Finding:
        """A finding of this rule; ``subject`` is what makes it this problem and no other (its id)."""
        return Finding(stable_id(self.id, subject), self.id, control or self.control, severity or self.severity,
                       status, title or self.title, message, self.remediation, scope, drive_id, item_id, path,
                       evidence_pairs(evidence), due, keep_until, reason)

    def about(self, scope: ScopeSnapshot, item: DriveItem, message: str, *, key: tuple[str, ...] = (),
              status: Status = "fail", severity: Severity | None = None, title: str | None = None,
              evidence: Mapping[str, object] | None = None, due: date | None = None,
              keep_until: date | None = None, reason: str | None = None) -> Finding:
        """A finding about one item of a scope: its subject, drive, item id and path filled in."""
        return self.finding((scope.scope, item.id, *key), message, status=status, severity=severity, title=title,
                            scope=scope.scope, drive_id=scope.library.id, item_id=item.id, path=scope.path(item),
                            evidence=evidence, due=due, keep_until=keep_until, reason=reason)


RULES: dict[str, Rule] = {}


def rule(*, id: str, control: str, severity: Severity, title: str,
         remediation: str) -> Callable[[RuleFunction], Rule]:
    """Register a rule function under ``id`` (unique) with its metadata."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")

    def register(function: RuleFunction) -> Rule:
        if id in RULES:
            raise ValueError(f"rule {id} is registered twice")
        checks = " ".join((function.__doc__ or "").strip().split("\n\n")[0].split())
        RULES[id] = Rule(id, control, severity, title, remediation, checks, function)
        return RULES[id]

    return register


def load_rules() -> dict[str, Rule]:
    """Every rule, registered by importing its module."""
    for module in RULE_MODULES:
        importlib.import_module(f"m365_compliance.rules.{module}")
    return RULES


def evaluate(snapshot: Snapshot, config: Config, now: datetime) -> list[Finding]:
    """Every rule over the snapshot as of ``now`` (timezone-aware), sorted: the same input, the same list.

    Two findings with one id are one subject judged twice: identical ones collapse, differing ones are
    a bug in a rule and raise rather than silently dropping one of them.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware: deadlines are computed in the policy's time zone")
    found: dict[str, Finding] = {}
    for r in load_rules().values():
        for f in r.function(snapshot, config, now):
            keep_once(found, f, f"rule {r.id}")
    return in_order(as_of_picture(f, snapshot) for f in found.values())


def keep_once(found: dict[str, Finding], finding: Finding, source: str) -> None:
    """Add ``finding`` to ``found`` (by id): an identical one collapses, a different one with its id raises."""
    earlier = found.setdefault(finding.id, finding)
    if earlier != finding:
        raise ValueError(f"{source} gave two different findings with id {finding.id}")


def in_order(findings: Iterable[Finding]) -> list[Finding]:
    """The order ``evaluate`` returns findings in: by control, rule, scope, path, then id (unique)."""
    return sorted(findings, key=lambda f: (f.control, f.rule_id, f.scope or "", f.path or "", f.id))


#: Rules about the newest run itself (what it could not read), never about a scope's older picture.
NEWEST_RUN_RULES = ("coverage.not-evaluated",)


def as_of_picture(finding: Finding, snapshot: Snapshot) -> Finding:
    """A finding judged on a scope's stale picture is not a current verdict: "not evaluated", saying since when
    and why, with what it said then kept in the evidence. Nothing is planned from it, nothing reads it as fixed."""
    scope = snapshot.scopes.get(finding.scope or "")
    if scope is None or scope.stale is None or finding.rule_id in NEWEST_RUN_RULES:
        return finding
    since = scope.stale.since.date().isoformat() if scope.stale.since is not None else "never read"
    evidence = {**dict(finding.evidence), "staleSince": since, "staleReason": scope.stale.reason,
                "statusWhenRead": finding.status}
    return replace(finding, status="not_evaluated", message=f"Stale since {since} ({scope.stale.reason}): "
                   f"{finding.message}", evidence=evidence_pairs(evidence))
