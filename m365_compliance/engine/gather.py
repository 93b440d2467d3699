"""Which partition answers for which finding, and the gathered findings: exactly ``evaluate`` on the whole snapshot.

A worker holds the shared context and one scope, runs every rule, and keeps:

* the findings about its own scope. Every rule judges a scope from that scope and the shared context
  alone, so these are exactly the whole snapshot's. Findings another partition makes about this scope are
  not kept: that partition lacks the scope, and a rule may then say something the whole snapshot does
  not (a permissions gap of an unreadable root is reported by the access rule at the item when the scope is
  there, by the coverage rule when it is not);
* the findings about no scope that has a partition: the register, the directory, a scope no inventory
  reached. Those read no scope (every partition makes them alike, and identical ones collapse) or one
  scope and are made only where it is present (a register row that points to no customer folder needs the
  customer scope, and nothing is said without it). So their union is the whole snapshot's.

One part of the rules needs every scope at once: a directory group whose members could not be read is
"not evaluated" for the controls of the roles it is in and of the scopes where it is granted, else for
C1 and C3 (:func:`m365_compliance.rules.coverage.group_controls`). A partition without the other scopes
would fall back to C1 and C3 where the whole snapshot names one control. So the partitions' findings for
those gaps are dropped, each partition reports which of those groups its scope grants, and the findings
are made here, once, from all of them.

Identical duplicates collapse and different findings with one id raise, as in ``evaluate``: across partitions
that means a rule reads a scope it should not (a bug to fix, never a finding to drop). The order is
``evaluate``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.rules.coverage import CONTROLS, gap_finding_id, gap_findings, group_controls, group_of
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.registry import in_order, keep_once

if TYPE_CHECKING:
    from m365_compliance.engine.task import PartitionResult


def answers_for(scope: str, finding: Finding, scopes: frozenset[str]) -> bool:
    """Whether the partition of ``scope`` answers for ``finding``, when ``scopes`` have partitions."""
    return finding.scope == scope or finding.scope not in scopes


def gather(results: Sequence[PartitionResult], context: Snapshot) -> list[Finding]:
    """The partitions' findings (each kept by :func:`answers_for`) with the groups' gaps judged across scopes."""
    spanning = [gap for gap in context.gaps if group_of(gap) is not None]
    judged_here = {gap_finding_id(gap, control) for gap in spanning for control in CONTROLS}
    found: dict[str, Finding] = {}
    for result in results:
        for finding in result.findings:
            if finding.id not in judged_here:
                keep_once(found, finding, f"the partition of {result.scope}")
    for gap in spanning:
        group = group_of(gap)
        granted_in = [r.scope for r in results if group in r.granted_groups]
        for finding in gap_findings(gap, group_controls(group or "", context.roles, granted_in)):
            keep_once(found, finding, "the directory's gaps")
    return in_order(found.values())
