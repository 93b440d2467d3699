"""``plan --format json`` and ``apply --format json``: what was planned or done, by id and count.

Both carry ids, codes, dates and counts only (never a path): the same as plan.json and the journal.
The plan file itself stays the reviewed artifact; the plan document says what it holds.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from m365_compliance.actions.executor import ApplyResult
from m365_compliance.actions.plan_model import LimitCheck, Plan
from m365_compliance.machine.envelope import RunMetadata, document


def plan_document(plan: Plan, out: Path, metadata: RunMetadata, kept_codes: tuple[str, ...]) -> dict[str, Any]:
    """The plan written to ``out``: its actions by kind, what needs approval, what was skipped and the limits."""
    return document("plan", metadata, {
        "plan": {"id": plan.id, "file": str(out), "createdAt": plan.created_at.isoformat(),
                 "snapshotRunId": plan.snapshot_run_id, "scopeItems": plan.scope_items},
        "actions": {"total": len(plan.actions), "byKind": _counts(a.kind for a in plan.actions),
                    "needApproval": _counts(a.approval_class for a in plan.actions
                                            if a.requires_approval and a.approval_class)},
        "skipped": {"total": len(plan.skipped), "byCode": _counts(s.code for s in plan.skipped)},
        "kept": [{"subject": s.subject, "code": s.code, "reason": s.reason} for s in plan.skipped
                 if s.code in kept_codes],
        "limits": [_limit(check) for check in plan.limits],
        "overLimits": bool(plan.over_limits),
    })


def apply_document(result: ApplyResult, plan_file: Path, executed: bool, metadata: RunMetadata) -> dict[str, Any]:
    """An apply run (or its dry run): each outcome of this run and how many an earlier run had settled."""
    return document("apply", metadata, {
        "apply": {"runId": result.run_id, "planId": result.plan_id, "planFile": str(plan_file),
                  "mode": result.mode, "executed": executed, "settledBefore": result.settled_before},
        "counts": result.counts(),
        "awaitingApproval": _counts(o.code for o in result.outcomes if o.result == "awaiting_approval"),
        "outcomes": [{"action": o.action_id, "result": o.result, "code": o.code, "reason": o.reason}
                     for o in result.outcomes],
    })


def _limit(check: LimitCheck) -> dict[str, Any]:
    return {"limit": check.limit, "allowed": check.allowed, "selected": check.selected,
            "population": check.population, "scope": check.scope, "exceeded": check.exceeded}


def _counts(values: Any) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))
