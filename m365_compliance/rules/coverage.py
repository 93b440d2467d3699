"""Gaps are findings: whatever the inventory could not read is "not evaluated", per control that needed it.

Items whose parent chain does not reach the library root are a gap too: they lie in no scope folder
anyone configured, so they are neither counted (a deletion share measured against them would be
diluted) nor judged.

In compliance silence reads as "compliant" (DESIGN principle 2), so every gap in the snapshot is
reported against the controls that depended on it: an unreadable site, library or folder → every
control of that scope; the register → C3, C4 and C5; a role's group → that role's control; the user
list → C4 (contact persons); applicant folders whose columns could not be read → C2 (the C2 rules
leave them out rather than guess). Only a root whose permissions could not be read is left to the
access rules, which report it at the item, with its path.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from m365_compliance.config.schema import Config
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.rules.allowed import ROLE_CONTROLS
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.registry import rule
from m365_compliance.state.inventory_repo import Gap

SCOPE_CONTROLS: dict[str, tuple[str, ...]] = {
    "recruitment": ("C1", "C2"),
    "customers": ("C3", "C4", "C5", "C6"),
    "register": ("C3", "C4", "C5"),
}
ACCESS_CONTROL = {"recruitment": "C1", "customers": "C3"}
#: A gap that loses nothing: the inventory read permissions item by item instead of by sharing delta.
DEGRADED_ONLY = ("sharing delta",)


def controls_of(gap: Gap, snapshot: Snapshot) -> tuple[str, ...]:
    """The controls whose evaluation the gap leaves incomplete."""
    if gap.scope in ACCESS_CONTROL and gap.operation in ("permissions", *DEGRADED_ONLY):
        return (ACCESS_CONTROL[gap.scope],)
    if gap.scope in ACCESS_CONTROL and gap.operation == "unit columns":
        return ("C2",) if gap.scope == "recruitment" else SCOPE_CONTROLS[gap.scope]
    if gap.scope in SCOPE_CONTROLS:
        return SCOPE_CONTROLS[gap.scope]
    if gap.scope == "directory":
        kind, _, name = gap.target.partition(" ")
        if kind == "role":
            return ROLE_CONTROLS.get(name, ("C1", "C3"))
        if kind == "group":
            return _group_controls(name, snapshot)
        if kind == "users":
            return ("C4",)
    return ("C1", "C2", "C3", "C4", "C5", "C6")  # a gap nobody mapped yet: assume it touches everything


def _group_controls(group_id: str, snapshot: Snapshot) -> tuple[str, ...]:
    """A group's controls: of the roles it belongs to, else of the scopes where it is granted."""
    found = {c for role, groups in snapshot.roles.items() if group_id in groups for c in ROLE_CONTROLS.get(role, ())}
    for name, scope in snapshot.scopes.items():
        if any(g.id == group_id for perms in scope.permissions.values() for p in perms for g in p.grantees):
            found.add(ACCESS_CONTROL.get(name, "C1"))
    return tuple(sorted(found)) or ("C1", "C3")


def _reported_by_a_rule(gap: Gap, snapshot: Snapshot) -> bool:
    """An unreadable root: the access rule reports it at the item (see module docstring)."""
    scope = snapshot.scopes.get(gap.scope)
    return gap.operation == "permissions" and scope is not None and gap.target.rsplit("/", 1)[-1] in scope.unreadable


@rule(id="coverage.not-evaluated", control="C1-C6", severity="high",
      title="Not evaluated: data the inventory could not read",
      remediation="Follow the hint (usually a missing Graph permission or a wrong name in the policy file), then run "
                  "the inventory again.")
def not_evaluated(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """One finding per gap in the snapshot and per control that depended on what could not be read; a
    permissions read that only fell back to a slower mode lost nothing and is information (low)."""
    for gap in snapshot.gaps:
        if _reported_by_a_rule(gap, snapshot):
            continue
        degraded = gap.operation in DEGRADED_ONLY
        for control in controls_of(gap, snapshot):
            yield not_evaluated.finding(
                (control, gap.scope, gap.operation, gap.target),
                f"{control} {'was evaluated from permissions read item by item' if degraded else 'is not evaluated'} "
                f"for {gap.scope}: {gap.operation} of {gap.target} — {gap.message}",
                status="info" if degraded else "not_evaluated", severity="low" if degraded else None,
                control=control, scope=gap.scope,
                evidence={"operation": gap.operation, "target": gap.target, "status": gap.status, "hint": gap.hint})
    for name, scope in snapshot.scopes.items():
        if not scope.orphans:
            continue
        for control in SCOPE_CONTROLS.get(name, ()):
            yield not_evaluated.finding(
                (control, name, "parent chain", scope.library.id),
                f"{control} is not evaluated for {len(scope.orphans)} item(s) of library {scope.library.id} whose "
                "parent chain does not reach the library root: they are neither counted nor judged.",
                status="not_evaluated", control=control, scope=name,
                evidence={"operation": "parent chain", "target": scope.library.id, "items": len(scope.orphans),
                          "hint": "Run a full inventory (--full); if it repeats, Graph (or a proxy in front of it) "
                                  "answers items without their parents."})
