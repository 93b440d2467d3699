"""Approvals: who allowed which of a plan's disposals, recorded in the state store and journaled.

Two ways in, one record: ``m365-compliance approve PLAN --by NAME`` writes it directly; an
``approvals.toml`` beside plan.json, reviewed in the same pull request, is read and recorded by
``apply``. Either binds to the plan's id and names action ids or approval classes; since a plan's
id is a hash of its content, a class approval covers exactly the actions of that content, and a
changed plan (new id) needs a new approval. Approvals only add: nothing un-approves an action.

approvals.toml::

    plan = "plan-0123456789abcdef"

    [[approval]]
    by = "Marte Olsen (daglig leder)"
    date = 2026-11-25
    classes = ["customer_disposal"]          # and/or
    actions = ["act-0123456789abcdef"]
    note = "Disposal agreed with the customers per their DPA."
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from m365_compliance.actions.journal import Entry, Journal
from m365_compliance.actions.plan_model import (
    APPROVAL_CLASSES,
    ApprovalClass,
    Plan,
    content_hash,
)
from m365_compliance.errors import ApprovalError
from m365_compliance.state.store import StateStore, to_text, utc_now
from m365_compliance.suggest import did_you_mean

FILE_NAME = "approvals.toml"
TABLE = """
CREATE TABLE IF NOT EXISTS approvals (
    approval_id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_on TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    source TEXT NOT NULL,
    action_ids TEXT NOT NULL,
    classes TEXT NOT NULL,
    note TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Approval:
    plan_id: str
    approved_by: str
    approved_on: date
    action_ids: tuple[str, ...] = ()
    classes: tuple[ApprovalClass, ...] = ()
    source: str = "cli"  # "cli", or "file:approvals.toml"
    note: str = ""

    @property
    def approval_id(self) -> str:
        """The same approval read twice (the file at every apply) is recorded once."""
        return content_hash("appr", {"plan": self.plan_id, "by": self.approved_by, "on": self.approved_on.isoformat(),
                                     "actions": sorted(self.action_ids), "classes": sorted(self.classes),
                                     "source": self.source, "note": self.note})

    def covers(self, plan: Plan, class_of: Mapping[str, str | None] | None = None) -> frozenset[str]:
        """The ids of the plan's actions this approval allows. ``class_of`` (action id → approval class) is the
        class apply derived from the policy file; without it, the class the plan names (for display)."""
        if self.plan_id != plan.id:
            return frozenset()
        classes = class_of if class_of is not None else _plan_classes(plan)
        return frozenset(a.action_id for a in plan.actions
                         if a.action_id in self.action_ids or (classes.get(a.action_id) or "") in self.classes)


def check_approval(plan: Plan, approval: Approval, class_of: Mapping[str, str | None] | None = None) -> None:
    """Refuse an approval that does not fit this plan exactly (never approve by guessing): another plan, no
    approver, an unknown class or action id, or a class no action of the plan has (``class_of`` as in
    :meth:`Approval.covers`). Unknown names come with the closest valid ones."""
    if approval.plan_id != plan.id:
        raise ApprovalError(f"The approval is for plan {approval.plan_id}, but this plan is {plan.id}: the plan "
                            "changed since it was approved, so it needs a new approval.")
    if not approval.approved_by.strip():
        raise ApprovalError("An approval must say who approves (--by NAME, or `by` in approvals.toml).")
    if not approval.action_ids and not approval.classes:
        raise ApprovalError("The approval names no action and no class: say what is approved.",
                            hint=f"Use --action ID (repeatable) and/or --class {'|'.join(APPROVAL_CLASSES)}.")
    unknown_classes = [c for c in approval.classes if c not in APPROVAL_CLASSES]
    if unknown_classes:
        raise ApprovalError(f"Unknown approval class {unknown_classes[0]!r}"
                            f"{did_you_mean(unknown_classes[0], APPROVAL_CLASSES)}.",
                            hint=f"Approval classes: {', '.join(APPROVAL_CLASSES)}.")
    known = [a.action_id for a in plan.actions]
    unknown = [a for a in approval.action_ids if a not in known]
    if unknown:
        raise ApprovalError(f"Action {unknown[0]} is not in plan {plan.id}{did_you_mean(unknown[0], known)}.",
                            hint="Copy action ids from this plan's plan.json; ids from another plan do not carry over.")
    in_plan = Counter((class_of if class_of is not None else _plan_classes(plan)).get(a.action_id)
                      for a in plan.actions)
    idle = [c for c in approval.classes if not in_plan[c]]
    if idle:
        classes = ", ".join(f"{c} ({n})" for c, n in sorted((c, n) for c, n in in_plan.items() if c)) or "none"
        raise ApprovalError(f"No action of plan {plan.id} is of class {idle[0]!r}, so approving it would approve "
                            f"nothing; the plan's approval classes are: {classes}.",
                            hint="Approve a class the plan has (see `need approval` in the output of `plan`), or "
                                 "name actions with --action ID.")


def _plan_classes(plan: Plan) -> dict[str, str | None]:
    return {a.action_id: a.approval_class for a in plan.actions}


def record_approval(store: StateStore, plan: Plan, approval: Approval,
                    class_of: Mapping[str, str | None] | None = None) -> bool:
    """Check, store and journal the approval; False when the same approval was recorded before. ``class_of``:
    each action's approval class as apply derives it from the policy file (default: as the plan names it)."""
    check_approval(plan, approval, class_of)
    journal = Journal(store)
    store.db.executescript(TABLE)
    covered = approval.covers(plan, class_of)
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT OR IGNORE INTO approvals(approval_id, plan_id, approved_by, approved_on, recorded_at, source, "
            "action_ids, classes, note) VALUES (?,?,?,?,?,?,?,?,?)",
            (approval.approval_id, plan.id, approval.approved_by, approval.approved_on.isoformat(),
             to_text(utc_now()), approval.source, json.dumps(sorted(approval.action_ids)),
             json.dumps(sorted(approval.classes)), approval.note))
        if cursor.rowcount == 0:
            return False
        what = ", ".join([*(f"class {c}" for c in sorted(approval.classes)), *sorted(approval.action_ids)])
        journal.append(Entry("approval", plan.id, actor=approval.approved_by, result="approved",
                             code=approval.source, policy_version=plan.policy_version,
                             reason=f"{len(covered)} actions approved on {approval.approved_on.isoformat()}: {what}"
                                    + (f" ({approval.note})" if approval.note else "")), db)
    return True


def recorded_approvals(store: StateStore, plan_id: str) -> list[Approval]:
    store.db.executescript(TABLE)
    return [Approval(r["plan_id"], r["approved_by"], date.fromisoformat(r["approved_on"]),
                     tuple(json.loads(r["action_ids"])), tuple(json.loads(r["classes"])), r["source"], r["note"])
            for r in store.db.execute("SELECT * FROM approvals WHERE plan_id=? ORDER BY recorded_at", (plan_id,))]


def approved_action_ids(store: StateStore, plan: Plan,
                        class_of: Mapping[str, str | None] | None = None) -> frozenset[str]:
    """Every action of the plan that some recorded approval allows (classes as ``Approval.covers`` says)."""
    return frozenset().union(*(a.covers(plan, class_of) for a in recorded_approvals(store, plan.id)))


def read_approval_file(path: Path) -> list[Approval]:
    """The approvals in an approvals.toml (see the module docstring for the format)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ApprovalError(f"Cannot read {path.name}: {exc.strerror}.") from exc
    except UnicodeDecodeError as exc:
        raise ApprovalError(f"{path.name} is not UTF-8 text.", hint="Write approvals.toml as UTF-8 TOML.") from exc
    except RecursionError:
        raise ApprovalError(f"{path.name} is nested deeper than any approvals file is.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ApprovalError(f"{path.name} is not valid TOML: {exc}.") from exc
    plan_id = data.get("plan")
    entries = data.get("approval")
    if not isinstance(plan_id, str) or not isinstance(entries, list) or not entries:
        raise ApprovalError(f"{path.name} needs `plan = \"<plan id>\"` and at least one [[approval]] table.")
    return [_approval(plan_id, entry, n, path.name) for n, entry in enumerate(entries, 1)]


def _approval(plan_id: str, entry: Any, n: int, source: str) -> Approval:
    where = f"{source} [[approval]] #{n}"
    if not isinstance(entry, dict):
        raise ApprovalError(f"{where} is not a table.")
    day = entry.get("date")
    try:
        approved_on = day if isinstance(day, date) else date.fromisoformat(str(day))
    except ValueError as exc:
        raise ApprovalError(f"{where} needs `date = YYYY-MM-DD`, not {day!r}.") from exc
    lists = {key: entry.get(key, []) for key in ("actions", "classes")}
    for key, value in lists.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ApprovalError(f"{where}: `{key}` must be a list of strings.")
    return Approval(plan_id, str(entry.get("by", "")), approved_on, tuple(lists["actions"]),
                    tuple(lists["classes"]), f"file:{source}", str(entry.get("note", "")))
