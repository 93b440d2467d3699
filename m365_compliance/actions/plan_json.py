"""plan.json: the plan as a file a reviewer reads in a pull request, and its verified round trip.

Keys are sorted and actions keep the plan's execution order, so two plans of the same tenant diff
line by line. Reading refuses a file whose ``id`` no longer matches its content: approvals bind to
the id, so an edited plan must be made again (``plan``), never applied as if it had been reviewed.

Paths and reasons quote names from the tenant: control characters, line separators, bidi overrides and
``##[`` are written as ``\\u`` escapes (:func:`~m365_compliance.terminal_text.safe_json`), so the file shown
in a pull request or printed by a CI step is inert, and reads back to exactly the same plan.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from m365_compliance.actions.plan_model import (
    LimitCheck,
    Plan,
    Skipped,
    action_from_dict,
    plan_content,
)
from m365_compliance.errors import PlanError
from m365_compliance.terminal_text import safe_json

FORMAT = "m365-compliance/plan@2"  # @2: the tenant is part of the plan


def plan_to_json(plan: Plan) -> str:
    body = {"format": FORMAT, "id": plan.id, "createdAt": plan.created_at.isoformat(), **plan_content(plan)}
    return safe_json(body, indent=2, sort_keys=True) + "\n"


def recorded_as(plan: Plan, body: str) -> bool:
    """Whether ``body``, a plan as its maker recorded it, is exactly ``plan``: compared as JSON values, not as
    text, so a record written with another escaping of the same strings (before names were escaped) matches.
    Types are kept apart (``true`` is not ``1``, ``1.0`` is not ``1``)."""
    try:
        recorded = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return _canonical(recorded) == _canonical(json.loads(plan_to_json(plan)))


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def plan_from_json(text: str, source: str = "plan.json") -> Plan:
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(f"{source} is not JSON: {exc.msg} (line {exc.lineno}).") from exc
    except RecursionError:
        raise PlanError(f"{source} is nested deeper than any plan is: it is not a plan m365-compliance wrote.") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise PlanError(f"{source} is not an m365-compliance plan (expected format {FORMAT!r}).")
    try:
        plan = _decode(body)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise PlanError(f"{source} does not describe a valid plan: {str(exc)[:200]}",
                        hint="Plan files are written by `m365-compliance plan`; make a new one.") from exc
    if plan.id != body.get("id"):
        raise PlanError(f"{source} was changed after it was made: its content no longer matches its id "
                        f"{body.get('id')!r}.",
                        hint="Approvals bind to a plan's id, so an edited plan cannot be applied. Make a new plan; "
                             "to leave actions out, approve only the ones you want.")
    return plan


def write_plan(plan: Plan, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(plan_to_json(plan), encoding="utf-8")


def read_plan(path: Path) -> Plan:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanError(f"Cannot read the plan {path.name}: {exc.strerror}.",
                        hint="Give the path of a plan.json written by `m365-compliance plan`.") from exc
    except UnicodeDecodeError as exc:
        raise PlanError(f"{path.name} is not UTF-8 text, so it is not a plan m365-compliance wrote.",
                        hint="Give the path of a plan.json written by `m365-compliance plan`.") from exc
    return plan_from_json(text, path.name)


def _decode(body: dict[str, Any]) -> Plan:
    return Plan(
        created_at=datetime.fromisoformat(body["createdAt"]),
        policy_version=str(body["policyVersion"]),
        snapshot_run_id=str(body["snapshotRunId"]),
        scope_items=int(body["scopeItems"]),
        actions=tuple(action_from_dict(a) for a in body["actions"]),
        skipped=tuple(Skipped(str(s["subject"]), s["code"], str(s["reason"]),
                              tuple(str(f) for f in s.get("findings") or ())) for s in body.get("skipped") or ()),
        limits=tuple(LimitCheck(c["limit"], float(c["allowed"]), int(c["selected"]), int(c["population"]),
                                c.get("scope")) for c in body.get("limits") or ()),
        tenant_id=str(body.get("tenant") or ""),
    )
