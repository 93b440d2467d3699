"""The plan as data: actions with their preconditions, what was skipped and why, the limits evaluated.

A plan is the only thing apply executes and the thing a reviewer approves (DESIGN principle 4). It
carries ids, dates and counts, never names or paths: plan.json may be committed for review, and a
plan that named applicants would keep their names in git history after their data was deleted.

Identifiers are content hashes. An action's id covers what it does (kind, target, parameters) but
not its preconditions, so the same decision has the same id in every plan and the journal can find
earlier outcomes by it. A plan's id covers everything but its creation time, so a plan whose
content changes in any way (one eTag included) gets a new id, and an approval of the old one no
longer applies.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Literal, get_args

ActionKind = Literal["remove_permission", "fire_retention_event", "apply_statutory_label", "apply_label",
                     "delete_item"]
#: Execution order: grants first (they expose data now), deletions last (after every label is in place).
KINDS: tuple[ActionKind, ...] = get_args(ActionKind)
ApprovalClass = Literal["customer_disposal", "applicant_deletion", "dsar_erasure", "retention_event"]
APPROVAL_CLASSES: tuple[ApprovalClass, ...] = get_args(ApprovalClass)
LimitName = Literal["max_deletions", "max_deletion_share", "max_permission_removals"]
#: Why the planner did not plan what a finding asked for (docs/plan-and-apply.md explains each).
SkipCode = Literal["statutory_hold", "record_label", "retention_label", "label_unknown", "holds_protected",
                   "hired_applicant", "remediation_off", "group_member", "library_root", "no_asset_id",
                   "bad_asset_id", "stale_picture", "not_in_snapshot", "no_etag", "outside_scopes",
                   "inherited_permission", "audience_unknown", "person_unresolved"]
SKIP_CODES: tuple[SkipCode, ...] = get_args(SkipCode)

DELETE: Final = "delete_item"
REMOVE_PERMISSION: Final = "remove_permission"
FIRE_EVENT: Final = "fire_retention_event"
LABEL_KINDS: tuple[ActionKind, ...] = ("apply_label", "apply_statutory_label")


def content_hash(prefix: str, value: object) -> str:
    """A short stable id for a JSON-able value: the same value gives the same id on any machine."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{prefix}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"


@dataclass(frozen=True, slots=True)
class Action:
    """One write the plan proposes, with what must still be true when it is made.

    ``expected_etag`` (items) and, for a folder deletion, ``expected_contents`` (id and eTag of
    everything inside) are the preconditions; a permission removal's precondition is that the
    permission is still on the item. ``items`` is how many items a deletion removes (the folder and
    its contents), which is what the blast-radius limits count.
    """

    kind: ActionKind
    drive_id: str
    item_id: str
    reason: str
    finding_ids: tuple[str, ...] = ()
    scope: str | None = None
    permission_id: str | None = None  # its ref (model.permission_ref): never an address
    label: str | None = None
    keep_until: date | None = None
    permanent: bool = False  # delete_item: skip the recycle bin (limits.recycle_bin = false)
    event_type: str | None = None
    asset_id: str | None = None
    event_date: date | None = None
    expected_etag: str | None = None
    expected_contents: tuple[tuple[str, str], ...] = ()
    requires_approval: bool = False
    approval_class: ApprovalClass | None = None
    action_id: str = field(init=False, default="")

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown action kind {self.kind!r}")
        if self.approval_class is not None and self.approval_class not in APPROVAL_CLASSES:
            raise ValueError(f"unknown approval class {self.approval_class!r}")
        object.__setattr__(self, "action_id", content_hash("act", self.parameters()))

    def parameters(self) -> dict[str, object]:
        """What the action does, and nothing about when it may: the input of its id."""
        return {"kind": self.kind, "drive": self.drive_id, "item": self.item_id, "permission": self.permission_id,
                "label": self.label, "keepUntil": _day(self.keep_until), "permanent": self.permanent,
                "eventType": self.event_type, "assetId": self.asset_id, "eventDate": _day(self.event_date)}

    @property
    def target(self) -> str:
        """``drive/item`` or ``drive/item/permission``: ids only, for the journal and logs."""
        parts = [self.drive_id, self.item_id] + ([self.permission_id] if self.permission_id else [])
        return "/".join(parts)

    @property
    def items(self) -> int:
        return 1 + len(self.expected_contents) if self.kind == DELETE else 0


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something a finding asked for that the plan will not do, and why (``code`` for machines)."""

    subject: str  # drive/item[/permission] ids
    code: SkipCode
    reason: str
    finding_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.code not in SKIP_CODES:
            raise ValueError(f"unknown skip code {self.code!r}")


@dataclass(frozen=True, slots=True)
class LimitCheck:
    """One blast-radius limit as evaluated: ``allowed`` is a count, or a share for max_deletion_share."""

    limit: LimitName
    allowed: float
    selected: int
    population: int
    scope: str | None = None  # max_deletion_share: the scope whose share is largest

    @property
    def exceeded(self) -> bool:
        if self.limit != "max_deletion_share":
            return self.selected > self.allowed
        if self.population <= 0:
            return self.selected > 0
        return self.selected / self.population > self.allowed


@dataclass(frozen=True)
class Plan:
    """Actions in execution order, what was skipped, and the limits evaluated over all deletions.

    ``scope_items`` is how many items lay below the configured scope folders when the plan was made (the
    share limit is measured per scope, see ``limits``). ``tenant_id`` is the tenant it was made for. Neither is trusted at apply
    time: apply recomputes what decides safety from the policy file and the state store.
    """

    created_at: datetime
    policy_version: str
    snapshot_run_id: str
    scope_items: int
    actions: tuple[Action, ...]
    skipped: tuple[Skipped, ...] = ()
    limits: tuple[LimitCheck, ...] = ()
    tenant_id: str = ""
    id: str = field(init=False, default="")

    def __post_init__(self) -> None:
        ids = [a.action_id for a in self.actions]
        if len(set(ids)) != len(ids):
            raise ValueError("a plan holds each action once")
        object.__setattr__(self, "id", content_hash("plan", plan_content(self)))

    def action(self, action_id: str) -> Action | None:
        return next((a for a in self.actions if a.action_id == action_id), None)

    @property
    def over_limits(self) -> tuple[LimitCheck, ...]:
        return tuple(c for c in self.limits if c.exceeded)


# ---------------------------------------------------------------------- canonical form (defines the ids)
def plan_content(plan: Plan) -> dict[str, object]:
    """Everything in plan.json except ``id`` and ``createdAt``: the input of the plan's id."""
    return {
        "tenant": plan.tenant_id,
        "policyVersion": plan.policy_version,
        "snapshotRunId": plan.snapshot_run_id,
        "scopeItems": plan.scope_items,
        "limits": [{"limit": c.limit, "allowed": c.allowed, "selected": c.selected, "population": c.population,
                    "exceeded": c.exceeded, **({"scope": c.scope} if c.scope else {})} for c in plan.limits],
        "actions": [action_to_dict(a) for a in plan.actions],
        "skipped": [{"subject": s.subject, "code": s.code, "reason": s.reason, "findings": list(s.finding_ids)}
                    for s in plan.skipped],
    }


def action_to_dict(action: Action) -> dict[str, object]:
    """Keys with a value only, so a diff of two plans shows what changed and nothing else."""
    expect: dict[str, object] = {}
    if action.expected_etag is not None:
        expect["eTag"] = action.expected_etag
    if action.expected_contents:
        expect["contents"] = [list(pair) for pair in action.expected_contents]
    if action.kind == REMOVE_PERMISSION:
        expect["permissionPresent"] = True
    body: dict[str, object] = {"id": action.action_id, **{k: v for k, v in action.parameters().items()
                                                          if v is not None and v is not False}}
    body.update(expect=expect or None, scope=action.scope, reason=action.reason, findings=list(action.finding_ids),
                requiresApproval=action.requires_approval, approvalClass=action.approval_class)
    return {k: v for k, v in body.items() if v is not None}


def action_from_dict(body: dict[str, Any]) -> Action:
    """The inverse of :func:`action_to_dict`; ValueError when the id does not match the content."""
    expect = body.get("expect") or {}
    if not isinstance(expect, dict):
        raise TypeError("'expect' must be an object")
    action = Action(
        kind=body["kind"], drive_id=str(body["drive"]), item_id=str(body["item"]), reason=str(body.get("reason", "")),
        finding_ids=tuple(str(f) for f in body.get("findings") or ()),
        scope=_opt(body.get("scope")), permission_id=_opt(body.get("permission")), label=_opt(body.get("label")),
        keep_until=_date(body.get("keepUntil")), permanent=bool(body.get("permanent", False)),
        event_type=_opt(body.get("eventType")), asset_id=_opt(body.get("assetId")),
        event_date=_date(body.get("eventDate")), expected_etag=_opt(expect.get("eTag")),
        expected_contents=tuple((str(i), str(e)) for i, e in expect.get("contents") or ()),
        requires_approval=bool(body.get("requiresApproval", False)), approval_class=body.get("approvalClass"),
    )
    if body.get("id") != action.action_id:
        raise ValueError(f"action {body.get('id')!r} does not match its content (expected {action.action_id})")
    return action


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value not in (None, "") else None


def _opt(value: object) -> str | None:
    return None if value is None else str(value)
