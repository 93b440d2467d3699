"""Plan, approve, apply and export from a policy file: what each CLI command calls (one function each).

These open the state store and, for plan (labels of what it would delete) and apply, the Graph
gateway; everything they decide is in the modules they call. ``gateway`` may be given (tests, the
demo) and is then not closed here.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from m365_compliance.actions.approvals import (
    FILE_NAME,
    Approval,
    check_approval,
    approved_action_ids,
    read_approval_file,
    record_approval,
)
from m365_compliance.actions.dry_run import ActionGateway
from m365_compliance.actions.executor import ApplyResult, OutcomeHook, apply_plan
from m365_compliance.actions.guard import approval_classes, trusted_plan
from m365_compliance.actions.journal import Journal, Maker
from m365_compliance.actions.labels import LabelGateway, LabelReading, read_labels
from m365_compliance.actions.plan_json import plan_from_json, read_plan, write_plan
from m365_compliance.actions.plan_model import Plan
from m365_compliance.actions.planner import build_plan, deletion_targets
from m365_compliance.config.schema import Config
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.model import DriveItem
from m365_compliance.rules.findings import Finding
from m365_compliance.state.store import utc_now
from m365_compliance.state.lock import StoreLock
from m365_compliance.state.tenancy import open_store


@dataclass(frozen=True)
class PlanOutcome:
    plan: Plan
    snapshot: Snapshot
    out: Path
    evaluation_id: str  # the evaluation the plan was made from (stored by ``check``)
    findings: tuple[Finding, ...]
    approved: frozenset[str] = frozenset()  # its actions approved already (the same content planned before)

    def paths(self) -> dict[str, str]:
        """Action id → the item's path, for a reviewer's terminal only (paths may name applicants)."""
        by_drive = {s.library.id: s for s in self.snapshot.scopes.values()}
        found: dict[str, str] = {}
        for action in self.plan.actions:
            scope = by_drive.get(action.drive_id)
            if scope is not None and action.item_id in scope.items:
                found[action.action_id] = scope.path(scope.items[action.item_id])
        return found


async def plan_from_config(config: Config, out: Path, *, now: datetime,
                           gateway: LabelGateway | None = None) -> PlanOutcome:
    """Evaluate the latest inventory with the rules (as ``check`` does), read the retention labels of what
    deletions would remove (Graph, only when there are any), plan, write plan.json and record it."""
    from m365_compliance.rules.service import check_from_config

    checked = check_from_config(config, now)
    targets = deletion_targets(checked.findings, checked.snapshot)
    labels = await _labels_of(config, targets, gateway)
    plan = build_plan(checked.findings, checked.snapshot, config, now, labels=labels, checked_at=utc_now())
    with open_store(config) as store:
        plan = record_and_write(Journal(store), plan, out, actor="m365-compliance plan", made_by="plan")
        approved = approved_action_ids(store, plan)
    return PlanOutcome(plan, checked.snapshot, out, checked.evaluation_id, checked.findings, approved)


def record_and_write(journal: Journal, plan: Plan, out: Path, *, actor: str, made_by: Maker) -> Plan:
    """Record the plan and write it to ``out`` as recorded: the same content planned again is the plan recorded
    first (its creation time included), so the file written is always one apply accepts."""
    journal.record_plan(plan, actor=actor, made_by=made_by)
    stored = journal.stored_plan(plan.id)
    recorded = plan_from_json(stored.body) if stored is not None else plan
    write_plan(recorded, out)
    return recorded


async def _labels_of(config: Config, targets: list[DriveItem], gateway: LabelGateway | None) -> LabelReading:
    """Labels of ``targets`` through ``gateway``, or a gateway opened for the purpose (none when nothing to read)."""
    if not targets:
        return LabelReading()
    if gateway is not None:
        return await read_labels(gateway, targets)
    from m365_compliance.graph.configured import gateway_settings
    from m365_compliance.graph.gateway import GraphGateway

    async with GraphGateway(gateway_settings(config)) as graph:
        return await read_labels(graph, targets)


def approve_plan(config: Config, plan_path: Path, *, by: str, action_ids: tuple[str, ...] = (),
                 classes: tuple[str, ...] = (), note: str = "", on: date) -> tuple[Plan, frozenset[str], bool]:
    """Record an approval given on the command line for a plan a planner recorded: the plan, the ids of the
    actions it approves, and whether it was new."""
    plan = read_plan(plan_path)
    approval = Approval(plan.id, by, on, action_ids, classes, "cli", note)  # type: ignore[arg-type]  # checked next
    with open_store(config) as store:
        classes = approval_classes(plan, trusted_plan(store, plan, config).made_by or "", config)
        new = record_approval(store, plan, approval, classes)
    return plan, approval.covers(plan, classes), new


async def apply_from_config(config: Config, plan_path: Path, *, execute: bool, now: datetime, actor: str,
                            approvals_file: Path | None = None, gateway: ActionGateway | None = None,
                            on_outcome: OutcomeHook | None = None) -> ApplyResult:
    """Record approvals.toml (beside the plan unless given), then apply the plan or rehearse it."""
    from m365_compliance.graph.configured import gateway_settings
    from m365_compliance.graph.gateway import GraphGateway

    plan = read_plan(plan_path)
    approvals_file = approvals_file or plan_path.parent / FILE_NAME
    writer = StoreLock(config.state.path, "apply --execute") if execute else nullcontext()
    with writer, open_store(config) as store:
        made_by = trusted_plan(store, plan, config).made_by or ""  # first: a refused plan records nothing
        if approvals_file.exists():
            classes = approval_classes(plan, made_by, config)
            approvals = read_approval_file(approvals_file)
            for approval in approvals:  # all checked before any is recorded: a file in error records nothing
                check_approval(plan, approval, classes)
            for approval in approvals:
                record_approval(store, plan, approval, classes)
        if gateway is not None:
            return await apply_plan(plan, gateway, store, execute=execute, now=now, config=config, actor=actor,
                                    on_outcome=on_outcome)
        async with GraphGateway(gateway_settings(config)) as graph:
            return await apply_plan(plan, graph, store, execute=execute, now=now, config=config, actor=actor,
                                    on_outcome=on_outcome)


def export_journal(config: Config, out: Path, fmt: Literal["csv", "json"], plan_id: str | None = None) -> int:
    with open_store(config) as store:
        return Journal(store).export(out, fmt, plan_id)
