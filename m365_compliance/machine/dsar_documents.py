"""``dsar … --format json``: each step of a data-subject request as one document.

Every document carries the case (ids, kind, dates, status and counts); the subject's e-mail and name
only from ``dsar list --show-subjects``, a match's path only with ``--show-paths`` — as on the terminal.
A match's reason is left out: it may name the person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from m365_compliance.actions.executor import ApplyResult
from m365_compliance.dsar.erase import ErasurePlan
from m365_compliance.dsar.export import ExportResult
from m365_compliance.dsar.listing import CaseState
from m365_compliance.dsar.model import Case, Match
from m365_compliance.machine.envelope import RunMetadata, document


def case_fields(case: Case) -> dict[str, Any]:
    return {"case": case.case_id, "kind": case.kind, "received": case.received.isoformat(),
            "due": case.due.isoformat(), "status": case.status, "extensionMonths": case.extension_months,
            "snapshotRunId": case.snapshot_run_id, "notes": list(case.find_notes), "plans": list(case.plan_ids),
            "exportedItems": case.exported_items, "erasedItems": case.erased_items, "keptItems": case.kept_items}


def match_fields(match: Match, *, show_paths: bool) -> dict[str, Any]:
    body = {"match": match.match_id, "scope": match.scope, "driveId": match.drive_id, "itemId": match.item_id,
            "rule": match.rule, "confidence": match.confidence, "status": match.status, "items": len(match.items)}
    return {**body, "path": match.items[0].path} if show_paths and match.items else body


def case_document(step: str, case: Case, metadata: RunMetadata, *, matches: Sequence[Match] | None = None,
                  show_paths: bool = False, **extra: Any) -> dict[str, Any]:
    """A case after ``step`` (open, find, show, confirm, extend, note, export, erase, close)."""
    body: dict[str, Any] = {"step": step, "case": case_fields(case)}
    if matches is not None:
        body["matches"] = [match_fields(m, show_paths=show_paths) for m in matches]
    return document("dsar", metadata, {**body, **extra})


def export_fields(result: ExportResult) -> dict[str, Any]:
    return {"file": str(result.path), "files": result.files, "missing": result.missing, "sha256": result.sha256}


def erasure_plan_fields(erasure: ErasurePlan, out: Path) -> dict[str, Any]:
    plan = erasure.plan
    return {"plan": plan.id, "file": str(out), "deletions": len(plan.actions),
            "items": sum(a.items for a in plan.actions), "keptByCode": dict(sorted(Counter(
                k.code for k in erasure.kept).items())),
            "kept": [{"driveId": k.drive_id, "itemId": k.item_id, "code": k.code, "items": k.items,
                      "keepUntil": k.keep_until.isoformat() if k.keep_until else None} for k in erasure.kept],
            "overLimits": [c.limit for c in plan.over_limits]}


def erasure_apply_fields(result: ApplyResult, executed: bool, still_open: str | None) -> dict[str, Any]:
    return {"plan": result.plan_id, "runId": result.run_id, "executed": executed, "counts": result.counts(),
            "outcomes": [{"action": o.action_id, "result": o.result, "code": o.code} for o in result.outcomes],
            "stillOpen": still_open}


def closed_fields(statement: Mapping[str, Any], files: Sequence[Path]) -> dict[str, Any]:
    return {"outcome": statement.get("outcome"), "files": [str(f) for f in files]}


def list_document(states: Sequence[CaseState], metadata: RunMetadata, today: date, due_soon_days: int, *,
                  show_subjects: bool) -> dict[str, Any]:
    """``dsar list``: open (or all) cases by due date, with the overdue and due-soon ones flagged."""
    rows = [{**case_fields(s.case), "overdue": s.overdue, "dueSoon": s.due_soon, "daysLeft": s.days_left,
             "itemsFound": s.items_found, "toConfirm": s.awaiting_confirmation,
             **({"subject": s.case.subject_email, "name": s.case.subject_name} if show_subjects else {})}
            for s in states]
    return document("dsar-list", metadata, {"today": today.isoformat(), "dueSoonDays": due_soon_days,
                                            "cases": rows})
