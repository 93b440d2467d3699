"""Gaps are findings: whatever the inventory could not read is reported "not evaluated", per control.

In compliance, silence reads as "compliant" (DESIGN principle 2), so an unreadable site, a refused
permission read, an unexpandable group or a missing register each yield one finding per control
that depended on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from m365_compliance.config.schema import Config
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.registry import rule

CONTROLS_BY_SCOPE = {
    "recruitment": ("C1", "C2"),
    "customers": ("C3", "C4", "C5", "C6"),
    "register": ("C3", "C4", "C5"),
    "directory": ("C1", "C3"),
}


def _controls(scope: str, operation: str) -> tuple[str, ...]:
    if scope == "directory" and operation == "list users":
        return ("C4",)  # only the register's contact persons are checked against the user list
    return CONTROLS_BY_SCOPE.get(scope, ("C1", "C3"))


@rule(id="coverage.not-evaluated", control="C1-C6", severity="high",
      title="Not evaluated: data the inventory could not read",
      remediation="Follow the hint (usually a missing Graph permission or a wrong name in the policy file), then "
                  "run the inventory again.")
def not_evaluated(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """One finding per gap and per control that depends on the gap's scope."""
    for gap in snapshot.gaps:
        for control in _controls(gap.scope, gap.operation):
            finding = not_evaluated.finding(
                (control, gap.scope, gap.operation, gap.target), f"{control} not evaluated for {gap.scope}: could not "
                f"{gap.operation} ({gap.message})", status="not_evaluated", scope=gap.scope,
                evidence={"operation": gap.operation, "target": gap.target, "status": str(gap.status or ""),
                          "hint": gap.hint or ""})
            yield Finding(**{**finding.__dict__, "control": control})
