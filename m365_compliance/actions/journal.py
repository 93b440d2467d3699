"""The journal (C9): every plan, approval and apply attempt, dry runs included, as evidence.

Rows are appended, never changed: what, when, by whom, the result and the policy version in force.
"When" is two times: ``at``, when it happened (wall time), and ``policy_at``, the policy time it was
evaluated at (the run's ``--now``; empty for what no policy time governs, such as an approval).
An action's attempt is journaled *before* its write (``started``) and its outcome right after, each
in its own committed transaction, so a killed apply leaves a record that says exactly which action
was in flight; resume reads it (:meth:`Journal.final_outcome`, :meth:`Journal.interrupted`).
Exported as CSV or JSON for auditors. Rows quote names from the tenant (a label, a path in a reason), so
CSV cells show control characters, line separators and bidi overrides escaped (``\\x1b``, ``\\u202e``: a
cell never starts a new line, so no line of the file is an Actions workflow command) and cells that a
spreadsheet would run as a formula are escaped too; the JSON export keeps every text exactly, with those
characters written as ``\\u`` escapes (:func:`~m365_compliance.terminal_text.safe_json`).
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from m365_compliance.actions.outcomes import FINAL, Outcome
from m365_compliance.actions.plan_json import plan_to_json
from m365_compliance.actions.plan_model import Action, Plan
from m365_compliance.errors import PlanError
from m365_compliance.private_files import write_private
from m365_compliance.state.store import StateStore, from_text, to_text, utc_now
from m365_compliance.suggest import did_you_mean, listing
from m365_compliance.terminal_text import safe_json, safe_line

TABLES = """
CREATE TABLE IF NOT EXISTS plans (
    plan_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    snapshot_run_id TEXT NOT NULL,
    actions INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    body TEXT NOT NULL,
    made_by TEXT
);

CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    policy_at TEXT,
    event TEXT NOT NULL,
    plan_id TEXT,
    action_id TEXT,
    run_id TEXT,
    mode TEXT,
    kind TEXT,
    target TEXT,
    result TEXT,
    code TEXT,
    reason TEXT,
    actor TEXT,
    policy_version TEXT
);
CREATE INDEX IF NOT EXISTS journal_by_action ON journal (action_id, plan_id, mode);
"""

Event = Literal["plan", "approval", "apply_started", "apply_finished", "apply_stopped", "attempt", "outcome",
                # data-subject requests (C7): ``target`` is the case id, ``reason`` ids, dates and counts only
                "dsar_opened", "dsar_found", "dsar_confirmed", "dsar_rejected", "dsar_extended", "dsar_exported",
                "dsar_erasure_planned", "dsar_noted", "dsar_closed"]
Mode = Literal["execute", "dry_run"]
#: Who made a plan: only these record plans, and apply trusts only a plan recorded by one of them.
Maker = Literal["plan", "dsar_erasure"]
MAKERS: tuple[Maker, ...] = ("plan", "dsar_erasure")
COLUMNS = ("seq", "at", "policy_at", "event", "plan_id", "action_id", "run_id", "mode", "kind", "target", "result",
           "code", "reason", "actor", "policy_version")
#: The columns an :class:`Entry` fills (``seq`` and ``at`` are the store's; ``policy_at`` is written as text).
_ENTRY_COLUMNS = COLUMNS[3:]
#: A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class StoredPlan:
    """A plan as its maker recorded it: the exact file content, when (wall time) and by which command."""

    plan_id: str
    body: str
    recorded_at: datetime
    made_by: str | None  # None: recorded by an older version, before plans were bound to their maker


@dataclass(frozen=True, slots=True)
class Entry:
    event: Event
    plan_id: str | None = None
    action_id: str | None = None
    run_id: str | None = None
    mode: Mode | None = None
    kind: str | None = None
    target: str | None = None
    result: str | None = None
    code: str | None = None
    reason: str | None = None
    actor: str | None = None
    policy_version: str | None = None
    policy_at: datetime | None = None  # the policy time (``--now``) it was evaluated at


class Journal:
    def __init__(self, store: StateStore) -> None:
        self.store = store
        store.db.executescript(TABLES)
        columns = {r["name"] for r in store.db.execute("PRAGMA table_info(plans)")}
        if "made_by" not in columns:  # a store from before plans were bound to their maker
            store.db.execute("ALTER TABLE plans ADD COLUMN made_by TEXT")

    def append(self, entry: Entry, db: sqlite3.Connection | None = None) -> None:
        """One row, committed before this returns (or inside the caller's transaction ``db``)."""
        values = (to_text(utc_now()), to_text(entry.policy_at), *(getattr(entry, c) for c in _ENTRY_COLUMNS))
        sql = f"INSERT INTO journal({', '.join(COLUMNS[1:])}) VALUES ({', '.join('?' * len(values))})"
        if db is not None:
            db.execute(sql, values)
            return
        with self.store.transaction() as tx:
            tx.execute(sql, values)

    # ------------------------------------------------------------------ plans
    def record_plan(self, plan: Plan, *, actor: str, made_by: Maker) -> bool:
        """Keep the plan (once per id) as its maker wrote it, and journal it; False when recorded before.

        Only the planners call this: apply and approve look a plan up here and never record one."""
        if made_by not in MAKERS:
            raise ValueError(f"unknown plan maker {made_by!r}")
        with self.store.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO plans(plan_id, created_at, recorded_at, policy_version, snapshot_run_id, "
                "actions, skipped, body, made_by) VALUES (?,?,?,?,?,?,?,?,?)",
                (plan.id, to_text(plan.created_at), to_text(utc_now()), plan.policy_version, plan.snapshot_run_id,
                 len(plan.actions), len(plan.skipped), plan_to_json(plan), made_by))
            if cursor.rowcount == 0:
                return False
            self.append(Entry("plan", plan.id, actor=actor, policy_version=plan.policy_version, result="recorded",
                              reason=f"{len(plan.actions)} actions, {len(plan.skipped)} skipped, snapshot "
                                     f"{plan.snapshot_run_id}", policy_at=plan.created_at), db)
        return True

    def stored_plan(self, plan_id: str) -> StoredPlan | None:
        row = self.store.db.execute("SELECT plan_id, body, recorded_at, made_by FROM plans WHERE plan_id=?",
                                    (plan_id,)).fetchone()
        if row is None:
            return None
        return StoredPlan(row["plan_id"], row["body"], from_text(row["recorded_at"]) or utc_now(), row["made_by"])

    # ------------------------------------------------------------------ attempts
    def attempt(self, run_id: str, plan: Plan, action: Action, *, actor: str, now: datetime) -> None:
        """Journaled before an executed action's first request: resume knows it was in flight."""
        self.append(Entry("attempt", plan.id, action.action_id, run_id, "execute", action.kind, action.target,
                          "started", actor=actor, policy_version=plan.policy_version, policy_at=now))

    def outcome(self, run_id: str, plan: Plan, action: Action, outcome: Outcome, *, mode: Mode, actor: str,
                now: datetime) -> None:
        self.append(Entry("outcome", plan.id, action.action_id, run_id, mode, action.kind, action.target,
                          outcome.result, outcome.code, outcome.reason, actor, plan.policy_version, now))

    def final_outcome(self, plan_id: str, action_id: str) -> sqlite3.Row | None:
        """The executed outcome that settled this action of this plan, if any."""
        marks = ",".join("?" * len(FINAL))
        row: sqlite3.Row | None = self.store.db.execute(
            f"SELECT * FROM journal WHERE event='outcome' AND mode='execute' AND plan_id=? AND action_id=? "
            f"AND result IN ({marks}) ORDER BY seq DESC LIMIT 1", (plan_id, action_id, *FINAL)).fetchone()
        return row

    def interrupted(self, plan_id: str, action_id: str) -> str | None:
        """The run id of an executed attempt of this action with no outcome after it (a killed apply)."""
        last = self.store.db.execute(
            "SELECT event, run_id FROM journal WHERE mode='execute' AND plan_id=? AND action_id=? "
            "AND event IN ('attempt', 'outcome') ORDER BY seq DESC LIMIT 1", (plan_id, action_id)).fetchone()
        return last["run_id"] if last is not None and last["event"] == "attempt" else None

    def done_in_any_plan(self, action_id: str) -> str | None:
        """The plan in which this same action (same id: same kind, target, parameters) was done."""
        row = self.store.db.execute(
            "SELECT plan_id FROM journal WHERE event='outcome' AND mode='execute' AND action_id=? "
            "AND result='done' ORDER BY seq LIMIT 1", (action_id,)).fetchone()
        return row["plan_id"] if row is not None else None

    # ------------------------------------------------------------------ evidence
    def entries(self, plan_id: str | None = None) -> list[dict[str, object]]:
        args: tuple[str, ...] = () if plan_id is None else (plan_id,)
        sql = "SELECT * FROM journal" + ("" if plan_id is None else " WHERE plan_id=?") + " ORDER BY seq"
        return [{c: row[c] for c in COLUMNS} for row in self.store.db.execute(sql, args)]

    def export(self, path: Path, fmt: Literal["csv", "json"], plan_id: str | None = None) -> int:
        """Write the journal (or one plan's part) as evidence; returns the number of rows. A plan id this store
        never recorded is refused (PlanError, with the closest recorded ones) before anything is written."""
        if plan_id is not None and self.stored_plan(plan_id) is None:
            known = [r["plan_id"] for r in self.store.db.execute("SELECT plan_id FROM plans ORDER BY recorded_at")]
            raise PlanError(f"No plan {plan_id!r} is recorded in this state store{did_you_mean(plan_id, known)}.",
                            hint="Recorded plans: " + listing(known[::-1]) + " (newest first); leave out --plan to "
                                 "export the whole journal.")
        rows = self.entries(plan_id)
        if fmt == "json":
            write_private(path, safe_json({"columns": list(COLUMNS), "entries": rows}, indent=1) + "\n")
        else:
            write_private(path, to_csv(rows))  # evidence: private to the user, like the state store
        return len(rows)


def to_csv(rows: Sequence[Mapping[str, object]], columns: Sequence[str] = COLUMNS) -> str:
    """CSV for a spreadsheet: the named columns in order, every cell escaped (:func:`escape_cell`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([escape_cell(row.get(c)) for c in columns])
    return out.getvalue()


def escape_cell(value: object) -> str:
    """A cell that shows what it holds and does nothing else: control characters, line separators and bidi
    controls written as escapes (:func:`~m365_compliance.terminal_text.safe_line`: ``\\x1b``, ``\\n``,
    ``\\u202e``; ``##[`` as ``##\\[``, a leading ``::`` behind a backslash), then a leading apostrophe, so a
    spreadsheet shows ``=cmd|…`` as text instead of running it."""
    text = "" if value is None else safe_line(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text

