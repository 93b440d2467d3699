"""What apply trusts, and what it recomputes: nothing in a plan file decides safety (docs/safety.md).

A plan file is input a person can edit. Apply therefore accepts only a plan whose exact content a
planner (``plan``, or a data-subject erasure) recorded in this state store, for this tenant, not
longer ago than ``limits.max_plan_age``. What decides safety is derived again, at apply time, from
the policy file and the store — never read back from the plan:

* whether an action needs approval, and of which class (the policy's auto-approvals, the scope);
* recycle bin or permanent deletion (``limits.recycle_bin``);
* the populations the share limit is measured against (the items below each configured scope
  folder in the newest inventory);
* whether the reason still holds: right before a destructive action, the finding that justified it
  must still be open — and about that item — when the newest inventory is evaluated at apply time
  with the policy file in force (an agreement renewed, an applicant marked hired, an item moved out
  of scope, a new statutory hold, a picture too old, an erasure match rejected → the action is skipped).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from m365_compliance.actions.journal import Journal, StoredPlan
from m365_compliance.actions.plan_json import recorded_as
from m365_compliance.actions.plan_model import DELETE, FIRE_EVENT, REMOVE_PERMISSION, Action, ApprovalClass, Plan
from m365_compliance.actions.planner import AGREEMENT_ENDED, HIRED_APPLICANT, STATUTORY_HOLD
from m365_compliance.config.schema import Config
from m365_compliance.errors import PlanError
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.rules.agreement_register import asset_key
from m365_compliance.rules.findings import Finding
from m365_compliance.state.store import StateStore, utc_now

DESTRUCTIVE = (DELETE, FIRE_EVENT, REMOVE_PERMISSION)


@dataclass(frozen=True, slots=True)
class ActionSafety:
    """How an action may be taken, as the policy file says now."""

    requires_approval: bool
    approval_class: ApprovalClass | None
    permanent: bool = False


@dataclass(frozen=True)
class Current:
    """What a destructive action's reason is checked against: the newest inventory, evaluated at apply time with
    the policy file in force — never an evaluation stored earlier, which another policy file or ``--now`` made."""

    evaluation_id: str
    snapshot: Snapshot
    findings: Mapping[str, Finding]
    today: date  # the policy's date at apply time
    hired_units: frozenset[str] = frozenset()  # applicant folders marked hired
    holds: Mapping[str, date] = field(default_factory=dict)  # item id → kept by bookkeeping law until
    unusable: Mapping[str, str] = field(default_factory=dict)  # scope → why its picture may not be acted on
    ambiguous_asset_ids: frozenset[str] = frozenset()  # ids an event would share with another register row

    @staticmethod
    def of(evaluation_id: str, snapshot: Snapshot, findings: Iterable[Finding], today: date, *,
           unusable: Mapping[str, str] | None = None, ambiguous: frozenset[str] = frozenset()) -> Current:
        by_id = {f.id: f for f in findings}
        hired = frozenset(f.item_id for f in by_id.values() if f.rule_id == HIRED_APPLICANT and f.item_id)
        holds = {f.item_id: f.keep_until for f in by_id.values() if f.rule_id == STATUTORY_HOLD and f.item_id
                 and f.keep_until is not None and f.keep_until >= today}
        return Current(evaluation_id, snapshot, by_id, today, hired, holds, dict(unusable or {}), ambiguous)


def current_evaluation(store: StateStore, config: Config, now: datetime, *, wall_now: datetime) -> Current:
    """The newest inventory evaluated now, in memory, with this policy file (the rules are pure and offline)."""
    from m365_compliance.actions.planner import picture_problem
    from m365_compliance.inventory.snapshot_load import load_snapshot
    from m365_compliance.inventory.spec import inventory_spec
    from m365_compliance.rules.agreement_register import read_register
    from m365_compliance.rules.dates import local_date
    from m365_compliance.rules.registry import evaluate

    snapshot = load_snapshot(store, inventory_spec(config))
    unusable = {name: why for name, scope in snapshot.scopes.items()
                if (why := picture_problem(scope, config, wall_now)) is not None}
    return Current.of(f"of inventory {snapshot.run_id} at apply time", snapshot, evaluate(snapshot, config, now),
                      local_date(now, config.retention.timezone), unusable=unusable,
                      ambiguous=read_register(snapshot, config).ambiguous_ids())


def erasure_cover(store: StateStore, case_id: str, snapshot: Snapshot) -> frozenset[str] | str:
    """The items a data-subject erasure may still delete: what the case's actionable matches cover now (a match
    rejected after the plan was made covers nothing); or why none (the case is closed)."""
    from m365_compliance.dsar.repository import CaseRepository

    repo = CaseRepository(store)
    if repo.get(case_id).closed:
        return f"case {case_id} is closed"
    matched = {m.item_id for m in repo.matches(case_id) if m.actionable}
    covered = set(matched)
    for scope in snapshot.scopes.values():
        for item_id in matched & scope.items.keys():
            covered.update(d.id for d in scope.descendants(item_id))
    return frozenset(covered)


def trusted_plan(store: StateStore, plan: Plan, config: Config, *, wall_now: datetime | None = None,
                 check_age: bool = True) -> StoredPlan:
    """The plan's record, when a planner made exactly this plan in this store for this tenant, recently enough."""
    stored = Journal(store).stored_plan(plan.id)
    if stored is None or stored.made_by is None:
        raise PlanError(f"Plan {plan.id} was not made by `m365-compliance plan` with this state store, so it is "
                        "refused: a plan file is applied only as its planner recorded it.",
                        hint="Make the plan with `m365-compliance plan --config POLICY` (the state store keeps it), "
                             "then approve and apply that file.")
    if not recorded_as(plan, stored.body):
        raise PlanError(f"The plan file differs from plan {plan.id} as `m365-compliance plan` recorded it, so it "
                        "is refused.", hint="Apply the file the planner wrote, unchanged; make a new plan to change it.")
    if plan.tenant_id != config.tenant.tenant_id:
        raise PlanError(f"Plan {plan.id} was made for tenant {plan.tenant_id or '(none)'}, but the policy file names "
                        f"tenant {config.tenant.tenant_id}.", hint="Apply a plan with the policy file of its tenant.")
    if plan.policy_version != config.policy_version:
        raise PlanError(f"The plan was made under policy version {plan.policy_version}, the policy file now says "
                        f"{config.policy_version}.", hint="Make a new plan under the policy in force and have it "
                                                          "approved.")
    age = (wall_now or utc_now()) - stored.recorded_at
    if check_age and age > config.limits.max_plan_age:
        raise PlanError(f"Plan {plan.id} was made {age.days} day(s) {age.seconds // 3600} hour(s) ago, longer than "
                        f"limits.max_plan_age allows: the tenant has moved on since.",
                        hint="Make a new plan from a fresh inventory and have it approved.")
    return stored


def action_safety(action: Action, made_by: str, config: Config) -> ActionSafety:
    """Approval and deletion mode from the policy file now; the plan's own fields are not read."""
    limits = config.limits
    if action.kind == DELETE:
        permanent = not limits.recycle_bin
        if made_by == "dsar_erasure":
            return ActionSafety(True, "dsar_erasure", permanent)
        if action.scope == "recruitment":
            auto = limits.auto_approve_applicant_deletions
            return ActionSafety(not auto, "applicant_deletion", permanent)
        if action.scope == "customers":
            return ActionSafety(True, "customer_disposal", permanent)
        return ActionSafety(True, None, permanent)  # no class covers it: only an approval naming the action
    if action.kind == FIRE_EVENT:
        auto = limits.auto_approve_retention_events
        return ActionSafety(not auto, None if auto else "retention_event")
    return ActionSafety(False, None)


def approval_classes(plan: Plan, made_by: str, config: Config) -> dict[str, ApprovalClass | None]:
    """Each action's approval class as the policy file decides it now (what an approval of a class covers)."""
    return {a.action_id: action_safety(a, made_by, config).approval_class for a in plan.actions}


def reason_gone(action: Action, made_by: str, current: Current, cover: frozenset[str] | str | None = None) -> str | None:
    """Why a destructive action's reason no longer holds in ``current``; None when it still does.
    ``cover``: for a data-subject erasure, what the case still covers (:func:`erasure_cover`)."""
    if action.kind not in DESTRUCTIVE:
        return None
    if action.scope in current.unusable:
        return current.unusable[action.scope or ""]
    if made_by == "dsar_erasure":
        if isinstance(cover, str):
            return cover
        if cover is not None and action.item_id not in cover:
            return f"no confirmed or exact match of the case covers item {action.item_id} any more (rejected?)"
        return _vetoed(action, current)
    for finding_id in action.finding_ids:
        finding = current.findings.get(finding_id)
        if finding is None:
            return (f"finding {finding_id} is not in the newest evaluation ({current.evaluation_id}): what justified "
                    "the action is gone (fixed, renewed, moved out of scope)")
        if not _about(finding, action, current.snapshot):
            return f"finding {finding_id} is about item {finding.item_id}, not item {action.item_id}"
        wanted = ("fail", "warn") if finding.rule_id == AGREEMENT_ENDED else ("fail",)
        if finding.status not in wanted:
            stale = dict(finding.evidence).get("staleSince")
            why = f"its scope could not be read by the newest inventory (stale since {stale})" if stale else \
                f"it is now '{finding.status}'"
            return f"finding {finding_id} no longer asks for it in evaluation {current.evaluation_id}: {why}"
        if action.kind == FIRE_EVENT:
            evidence = dict(finding.evidence)
            if evidence.get("agreement") != action.asset_id or evidence.get("ended") != _day(action.event_date):
                return (f"the register now says agreement {evidence.get('agreement')} ended {evidence.get('ended')}, "
                        f"not {action.asset_id} on {_day(action.event_date)}")
            if asset_key(action.asset_id) in current.ambiguous_asset_ids:
                return f"agreement id {action.asset_id} is now also (part of) another register row's id"
    return _vetoed(action, current)


def _about(finding: Finding, action: Action, snapshot: Snapshot) -> bool:
    """The finding names the action's own item: the item itself, the grant's item, or the folder a part of it
    was split from (a deletion planned item by item around something protected)."""
    if finding.item_id == action.item_id or dict(finding.evidence).get("sourceItem") == action.item_id:
        return True
    scope = next((s for s in snapshot.scopes.values() if s.library.id == action.drive_id), None)
    item = scope.items.get(action.item_id) if scope is not None else None
    return item is not None and any(a.id == finding.item_id for a in scope.ancestors(item))  # type: ignore[union-attr]


def _vetoed(action: Action, current: Current) -> str | None:
    """What the newest picture now forbids: a deletion of a hired applicant's folder or of something a statutory
    hold keeps; a permission removal on an item that only inherits its permissions."""
    if action.kind not in (DELETE, REMOVE_PERMISSION):
        return None
    scope = next((s for s in current.snapshot.scopes.values() if s.library.id == action.drive_id), None)
    item = scope.items.get(action.item_id) if scope is not None else None
    if scope is None or item is None:
        return f"item {action.item_id} is not in the newest inventory's scopes (moved out of scope, or gone)"
    if action.kind == REMOVE_PERMISSION:
        return None if scope.owns_permissions(item) else \
            f"item {action.item_id} only inherits its permissions now: the grant is defined on a folder above it"
    unit = scope.unit_of(item)
    if unit is not None and unit.id in current.hired_units:
        return f"the applicant of folder {unit.id} is now marked hired"
    for node in (item, *scope.descendants(item.id)):
        if node.id in current.holds:
            return f"item {node.id} is now kept by bookkeeping law until {current.holds[node.id].isoformat()}"
    return None


def _day(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]
