"""What the newest nightly plan kept because of a retention label or the law, read from the ``plans`` table.

The planner reads every retention label of what a deletion would remove before it writes a plan; what a
label (or bookkeeping law) keeps is not planned but listed in the plan's ``skipped`` entries with a code
of :data:`~m365_compliance.report.model.KEPT_CODES`. The report shows those entries of the newest plan
the nightly planner recorded (``made_by = 'plan'``; a data-subject erasure plan is not the tenant's
picture), with the planner's reason as it wrote it: ids, label names and dates only.
"""

from __future__ import annotations

import sqlite3

from m365_compliance.actions.approvals import approved_action_ids
from m365_compliance.actions.plan_json import plan_from_json
from m365_compliance.actions.plan_model import Plan
from m365_compliance.errors import PlanError
from m365_compliance.report.model import KEPT_CODES, KeptByLabel, KeptRow, PendingApproval
from m365_compliance.state.store import StateStore, from_text

#: The maker the nightly planner records its plans as (``actions.journal.MAKERS``).
NIGHTLY_MAKER = "plan"


def _newest_nightly(store: StateStore) -> sqlite3.Row | None:
    """The newest plan the nightly planner recorded (by the time it was recorded), or None."""
    try:
        heads = store.db.execute("SELECT plan_id, recorded_at FROM plans WHERE made_by = ?",
                                 (NIGHTLY_MAKER,)).fetchall()
    except sqlite3.OperationalError:  # no plans table (or no made_by column) yet: nothing was ever planned
        return None
    if not heads:
        return None
    # Parsed, not compared as text: the newest by the instant, with the plan id breaking a tie.
    newest = max(heads, key=lambda r: (from_text(r["recorded_at"]), r["plan_id"]))
    row: sqlite3.Row = store.db.execute("SELECT plan_id, created_at, recorded_at, body FROM plans WHERE plan_id = ?",
                                        (newest["plan_id"],)).fetchone()
    return row


def pending_approvals(store: StateStore) -> tuple[PendingApproval, ...]:
    """The newest nightly plan's actions that need an approval none of its recorded approvals gives (empty when
    no plan is stored or it cannot be read: the kept section names an unreadable plan)."""
    row = _newest_nightly(store)
    if row is None:
        return ()
    try:
        plan: Plan = plan_from_json(row["body"], f"plan {row['plan_id']}")
    except PlanError:
        return ()
    approved = approved_action_ids(store, plan)
    return tuple(PendingApproval(a.approval_class or "", a.action_id, a.finding_ids) for a in plan.actions
                 if a.requires_approval and a.action_id not in approved)


def kept_by_label(store: StateStore) -> KeptByLabel:
    """The kept entries of the newest nightly plan (by the time it was recorded); an empty value when none."""
    row = _newest_nightly(store)
    if row is None:
        return KeptByLabel()
    plan_id, recorded_at = row["plan_id"], from_text(row["recorded_at"])
    try:
        plan = plan_from_json(row["body"], f"plan {plan_id}")
    except PlanError as error:  # a plan of an older format, or changed after it was recorded: say so, show nothing
        return KeptByLabel(plan_id, from_text(row["created_at"]), recorded_at, unreadable=error.message)
    order = {c: i for i, c in enumerate(KEPT_CODES)}
    rows = []
    for s in plan.skipped:
        if s.code not in order:
            continue
        drive_id, _, rest = s.subject.partition("/")
        item_id = rest.split("/", 1)[0] if rest else drive_id
        rows.append(KeptRow(drive_id if rest else "", item_id, s.code, s.reason, s.finding_ids))
    rows.sort(key=lambda r: (order[r.code], r.item_id, r.drive_id))
    return KeptByLabel(plan.id, plan.created_at, recorded_at, tuple(rows))
