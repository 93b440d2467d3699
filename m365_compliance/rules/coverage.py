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

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime

from m365_compliance.config.schema import Config
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot
from m365_compliance.rules.allowed import ROLE_CONTROLS
from m365_compliance.rules.findings import Finding, stable_id
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


#: Every control: what a gap nobody mapped yet is assumed to touch.
CONTROLS = ("C1", "C2", "C3", "C4", "C5", "C6")


def controls_of(gap: Gap, snapshot: Snapshot) -> tuple[str, ...]:
    """The controls whose evaluation the gap leaves incomplete."""
    if gap.scope in ACCESS_CONTROL and gap.operation in ("permissions", *DEGRADED_ONLY):
        return (ACCESS_CONTROL[gap.scope],)
    if gap.scope in ACCESS_CONTROL and gap.operation == "unit columns":
        return ("C2",) if gap.scope == "recruitment" else SCOPE_CONTROLS[gap.scope]
    if gap.scope in SCOPE_CONTROLS:
        return SCOPE_CONTROLS[gap.scope]
    if (group := group_of(gap)) is not None:
        return group_controls(group, snapshot.roles, [n for n, s in snapshot.scopes.items() if group in grantee_ids(s)])
    if gap.scope == "directory":
        kind, _, name = gap.target.partition(" ")
        if kind == "role":
            return ROLE_CONTROLS.get(name, ("C1", "C3"))
        if kind == "users":
            return ("C4",)
    return CONTROLS  # a gap nobody mapped yet: assume it touches everything


def group_of(gap: Gap) -> str | None:
    """The group whose members could not be read, for a directory gap about one ("group <id>"); else None.

    Its controls are those of the scopes where the group is granted, so its findings are the one part of the
    rules judged with every scope in view: the distributed engine, where each worker holds one scope, gathers
    them from what each scope grants (m365_compliance/engine/gather.py)."""
    kind, _, name = gap.target.partition(" ")
    return name if gap.scope == "directory" and kind == "group" else None


def grantee_ids(scope: ScopeSnapshot) -> frozenset[str]:
    """The id of every principal granted anywhere in the scope (by any permission list read)."""
    return frozenset(g.id for perms in scope.permissions.values() for p in perms for g in p.grantees)


def group_controls(group_id: str, roles: Mapping[str, tuple[str, ...]], granted_in: Iterable[str]) -> tuple[str, ...]:
    """A group's controls: those of the roles it belongs to and of the scopes (``granted_in``) where it is
    granted; C1 and C3 when it is in neither."""
    found = {c for role, groups in roles.items() if group_id in groups for c in ROLE_CONTROLS.get(role, ())}
    found.update(ACCESS_CONTROL.get(name, "C1") for name in granted_in)
    return tuple(sorted(found)) or ("C1", "C3")


def _reported_by_a_rule(gap: Gap, snapshot: Snapshot) -> bool:
    """An unreadable root: the access rule reports it at the item (see module docstring)."""
    scope = snapshot.scopes.get(gap.scope)
    return gap.operation == "permissions" and scope is not None and gap.target.rsplit("/", 1)[-1] in scope.unreadable


def _subject(gap: Gap, control: str) -> tuple[str, ...]:
    return (control, gap.scope, gap.operation, gap.target)


def gap_finding_id(gap: Gap, control: str) -> str:
    """The id of the finding that says ``control`` is not evaluated because of ``gap``."""
    return stable_id(not_evaluated.id, _subject(gap, control))


def gap_findings(gap: Gap, controls: Iterable[str]) -> Iterator[Finding]:
    """One finding per control the gap leaves incomplete; a permissions read that only fell back to a slower
    mode lost nothing and is information (low)."""
    degraded = gap.operation in DEGRADED_ONLY
    for control in controls:
        yield not_evaluated.finding(
            _subject(gap, control),
            f"{control} {'was evaluated from permissions read item by item' if degraded else 'is not evaluated'} "
            f"for {gap.scope}: {gap.operation} of {gap.target} — {gap.message}",
            status="info" if degraded else "not_evaluated", severity="low" if degraded else None,
            control=control, scope=gap.scope,
            evidence={"operation": gap.operation, "target": gap.target, "status": gap.status, "hint": gap.hint})


@rule(id="coverage.not-evaluated", control="C1-C6", severity="high",
      title="Not evaluated: data the inventory could not read",
      remediation="Follow the hint (usually a missing Graph permission or a wrong name in the policy file), then run "
                  "the inventory again.")
def not_evaluated(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """One finding per gap in the snapshot and per control that depended on what could not be read; a
    permissions read that only fell back to a slower mode lost nothing and is information (low)."""
    for gap in snapshot.gaps:
        if not _reported_by_a_rule(gap, snapshot):
            yield from gap_findings(gap, controls_of(gap, snapshot))
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
