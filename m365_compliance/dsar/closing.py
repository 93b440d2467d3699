"""When a case may close, and with what: read from the case records and, for an erasure, the journal.

* access: the copy was exported (or nothing actionable was found);
* correction: a person recorded what was corrected (``dsar note``);
* erasure: every action of the latest plan has a final executed outcome. What was deleted is taken
  from the journal's outcomes of every plan of the case; what was kept from the latest plan's list
  and from the executor's refusals (a record or retaining label found at apply time). An action
  still awaiting approval, failed, or skipped because the item changed since the plan keeps the
  case open: the statement would otherwise claim an erasure that did not happen.
"""

from __future__ import annotations

from typing import Any

from m365_compliance.actions.plan_json import plan_from_json
from m365_compliance.actions.plan_model import Action, Plan
from m365_compliance.dsar.model import Case, Match
from m365_compliance.dsar.repository import CaseRepository
from m365_compliance.dsar.statement import Closing
from m365_compliance.errors import DsarError

#: Executor refusals that keep an item for a reason the subject is told (not a reason to plan again).
KEEP_OUTCOMES = frozenset({"record_label", "retention_label", "retention_blocked"})
#: Plan skips that mean "not decided yet", never "kept".
UNDECIDED_SKIPS = frozenset({"no_etag", "not_in_snapshot"})
APPLY_HINT = ("Approve the plan (`m365-compliance approve PLAN --config POLICY --class dsar_erasure --by NAME`) and "
              "apply it (`m365-compliance dsar erase CASE --apply PLAN --execute`); for items changed since the "
              "plan, take a new inventory and make a new plan (`dsar erase CASE`).")


def closing_for(repo: CaseRepository, case: Case, matches: list[Match]) -> Closing:
    """The case's closing, or :class:`DsarError` saying what must happen first."""
    if not any(m.actionable for m in matches) and case.kind != "correction":
        return Closing("nothing_found")
    if case.kind == "access":
        if case.export_sha256 is None:
            raise DsarError(f"Case {case.case_id}: no copy was exported yet.",
                            hint=f"Run `m365-compliance dsar export {case.case_id}` and send the zip to the subject.")
        return Closing("access_provided", exported={"files": case.exported_items, "zipSha256": case.export_sha256})
    if case.kind == "correction":
        notes = [{"at": e["at"], "by": e["actor"], "text": (e["detail"] or {}).get("text", "")}
                 for e in repo.events(case.case_id, "dsar_noted")]
        if not notes:
            raise DsarError(f"Case {case.case_id}: no correction is recorded.",
                            hint=f'Record what was corrected: `m365-compliance dsar note {case.case_id} --text "…"`.')
        return Closing("corrected", notes=notes)
    return erasure_closing(repo, case, matches)


def erasure_closing(repo: CaseRepository, case: Case, matches: list[Match]) -> Closing:
    if not case.plan_ids:
        raise DsarError(f"Case {case.case_id}: no erasure plan was made.",
                        hint=f"Run `m365-compliance dsar erase {case.case_id} --out plan.json`, review and approve it.")
    paths = {(m.drive_id, i.item_id): i.path for m in matches for i in m.items}
    plans = [_stored_plan(repo, plan_id) for plan_id in case.plan_ids]
    outcomes = {(plan.id, a.action_id): repo.journal.final_outcome(plan.id, a.action_id)
                for plan in plans for a in plan.actions}
    deleted: dict[tuple[str, str], dict[str, Any]] = {}
    for plan in plans:
        for action in plan.actions:
            row = outcomes[(plan.id, action.action_id)]
            if row is not None and row["result"] in ("done", "already"):
                inside = sorted(paths.get((action.drive_id, i), i) for i, _ in action.expected_contents)
                deleted[(action.drive_id, action.item_id)] = {"path": _path(paths, action), "items": action.items,
                                                              "contents": inside, "at": row["at"], "plan": plan.id}
    latest = plans[-1]
    kept: list[dict[str, Any]] = []
    unsettled: list[str] = []
    for action in latest.actions:
        row = outcomes[(latest.id, action.action_id)]
        if row is None:
            unsettled.append(f"action {action.action_id} is not done (awaiting approval, failed or not applied)")
        elif row["result"] == "skipped" and row["code"] in KEEP_OUTCOMES:
            kept.append({"path": _path(paths, action), "items": action.items, "code": row["code"],
                         "reason": row["reason"], "keepUntil": None})
        elif row["result"] == "skipped":
            unsettled.append(f"action {action.action_id} was skipped ({row['code']})")
    planned: dict[str, Any] = next((e["detail"] for e in reversed(repo.events(case.case_id, "dsar_erasure_planned"))
                    if (e["detail"] or {}).get("plan") == latest.id), {"kept": []})
    for entry in planned["kept"]:
        if entry["code"] in UNDECIDED_SKIPS:
            unsettled.append(f"item {entry['item']} was not planned ({entry['code']})")
        else:
            kept.append({"path": paths.get((entry["drive"], entry["item"]), entry["item"]), "items": entry["items"],
                         "code": entry["code"], "reason": entry["reason"], "keepUntil": entry["keepUntil"]})
    if unsettled:
        raise DsarError(f"Case {case.case_id}: the erasure is not finished: " + "; ".join(unsettled[:3])
                        + (f" (and {len(unsettled) - 3} more)" if len(unsettled) > 3 else "") + ".", hint=APPLY_HINT)
    erased = tuple(sorted({i for plan in plans for a in plan.actions if (a.drive_id, a.item_id) in deleted
                           for i in (a.item_id, *(c for c, _ in a.expected_contents))}))
    return Closing("erased", deleted=sorted(deleted.values(), key=lambda d: d["path"]),
                   kept=sorted(kept, key=lambda k: k["path"]), permanent=any(a.permanent for a in latest.actions),
                   erased_ids=erased)


def _stored_plan(repo: CaseRepository, plan_id: str) -> Plan:
    row = repo.store.db.execute("SELECT body FROM plans WHERE plan_id=?", (plan_id,)).fetchone()
    if row is None:
        raise DsarError(f"Plan {plan_id} of the case is not in the state store.", hint=APPLY_HINT)
    return plan_from_json(row["body"], plan_id)


def _path(paths: dict[tuple[str, str], str], action: Action) -> str:
    return paths.get((action.drive_id, action.item_id), action.item_id)
