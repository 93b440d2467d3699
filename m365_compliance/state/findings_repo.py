"""Findings of each evaluation, kept per run so later stages (drift, report) can compare runs (C8, C9).

An evaluation is journaled as a run of kind ``check`` in the runs table (its id is the evaluation
id), with the snapshot run it evaluated and the policy version in force. ``evaluated_at`` is the policy
time the rules judged as of (``--now``); the run's ``started_at`` is when it happened (wall time), and
evaluations are ordered by that: a rehearsal of a later date is not "the latest" forever after. The
table is created here, beside the code that owns it, with ``CREATE TABLE IF NOT EXISTS``: an older
state store gains it on first use.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from m365_compliance.rules.findings import Finding
from m365_compliance.state.store import StateStore, from_text, to_text, utc_now

TABLE = """
CREATE TABLE IF NOT EXISTS findings (
    evaluation_id TEXT NOT NULL,
    snapshot_run_id TEXT NOT NULL,
    evaluated_at TEXT NOT NULL,
    policy_version TEXT,
    finding_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    control TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (evaluation_id, finding_id)
);
CREATE INDEX IF NOT EXISTS findings_by_id ON findings(finding_id);
"""


@dataclass(frozen=True)
class Evaluation:
    """One stored evaluation (a ``check`` run): as of when (policy time), of which inventory, under which
    policy version, and when it was made (wall time, which orders evaluations)."""

    id: str
    evaluated_at: datetime
    snapshot_run_id: str
    policy_version: str | None
    recorded_at: datetime | None = None


class FindingsRepository:
    def __init__(self, store: StateStore) -> None:
        self.store = store
        store.db.executescript(TABLE)

    def save(self, snapshot_run_id: str, policy_version: str | None, findings: Iterable[Finding], *,
             evaluated_at: datetime) -> str:
        """Store one evaluation's findings, judged as of ``evaluated_at``; returns its id (a ``check`` run)."""
        findings = list(findings)
        evaluation_id = self.store.start_run("check", policy_version, policy_at=evaluated_at)
        now = to_text(evaluated_at)
        with self.store.transaction() as db:
            db.executemany(
                "INSERT INTO findings(evaluation_id, snapshot_run_id, evaluated_at, policy_version, finding_id, "
                "rule_id, control, severity, status, body) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(evaluation_id, snapshot_run_id, now, policy_version, f.id, f.rule_id, f.control, f.severity,
                  f.status, json.dumps(f.as_dict(), ensure_ascii=False)) for f in findings])
        counts = Counter(f"{f.control} {f.status}" for f in findings)
        self.store.finish_run(evaluation_id, "succeeded", {"snapshotRun": snapshot_run_id, "findings": dict(counts)})
        return evaluation_id

    def evaluations(self) -> list[Evaluation]:
        """Every stored evaluation, in the order they were made (wall time)."""
        rows = self.store.db.execute(
            "SELECT f.evaluation_id, MIN(f.evaluated_at) AS at, MIN(f.snapshot_run_id) AS snap, "
            "MIN(f.policy_version) AS pv, MIN(r.started_at) AS made FROM findings f "
            "LEFT JOIN runs r ON r.id = f.evaluation_id GROUP BY f.evaluation_id").fetchall()
        stored = [Evaluation(r["evaluation_id"], from_text(r["at"]) or utc_now(), r["snap"], r["pv"],
                             from_text(r["made"])) for r in rows]
        return sorted(stored + self._empty_evaluations({e.id for e in stored}), key=_made_order)

    def _empty_evaluations(self, known: set[str]) -> list[Evaluation]:
        """Evaluations that found nothing have no rows in ``findings``; their ``check`` run says they happened."""
        found = []
        for run in self.store.runs("check"):
            if run["id"] in known or run["status"] != "succeeded":
                continue
            summary = json.loads(run["summary"] or "{}")
            started = from_text(run["started_at"]) or utc_now()
            found.append(Evaluation(run["id"], from_text(run["policy_at"]) or started,
                                    summary.get("snapshotRun", ""), run["policy_version"], started))
        return found

    def ever_stored(self, finding_id: str) -> bool:
        """Whether any stored evaluation has this finding (a fixed one is known, a made-up id is not)."""
        return self.store.db.execute("SELECT 1 FROM findings WHERE finding_id=? LIMIT 1",
                                     (finding_id,)).fetchone() is not None

    def latest_evaluation(self) -> Evaluation | None:
        ordered = self.evaluations()
        return ordered[-1] if ordered else None

    def previous_evaluation(self, evaluation_id: str) -> Evaluation | None:
        """The evaluation stored just before ``evaluation_id`` (None for the first)."""
        ordered = self.evaluations()
        ids = [e.id for e in ordered]
        if evaluation_id not in ids:
            return None
        index = ids.index(evaluation_id)
        return ordered[index - 1] if index > 0 else None

    def findings_of(self, evaluation_id: str) -> list[Finding]:
        return [Finding.from_dict(json.loads(r["body"])) for r in self.store.db.execute(
            "SELECT body FROM findings WHERE evaluation_id=? ORDER BY finding_id", (evaluation_id,))]

    def counts_by_evaluation(self) -> list[tuple[Evaluation, Counter[tuple[str, str, str]]]]:
        """Per evaluation (oldest first), the number of findings by (control, severity, status): the trend."""
        counts: dict[str, Counter[tuple[str, str, str]]] = {}
        for r in self.store.db.execute(
                "SELECT evaluation_id, control, severity, status, COUNT(*) AS n FROM findings "
                "GROUP BY evaluation_id, control, severity, status"):
            counts.setdefault(r["evaluation_id"], Counter())[(r["control"], r["severity"], r["status"])] = r["n"]
        return [(e, counts.get(e.id, Counter())) for e in self.evaluations()]

    def latest(self) -> list[dict[str, object]]:
        """The findings of the most recent evaluation, as stored (JSON bodies), by finding id."""
        row = self.store.db.execute(
            "SELECT f.evaluation_id FROM findings f LEFT JOIN runs r ON r.id = f.evaluation_id "
            "ORDER BY COALESCE(r.started_at, f.evaluated_at) DESC, f.evaluation_id DESC LIMIT 1").fetchone()
        if row is None:
            return []
        return [json.loads(r["body"]) for r in self.store.db.execute(
            "SELECT body FROM findings WHERE evaluation_id=? ORDER BY finding_id", (row["evaluation_id"],))]

    def redact_paths(self, item_ids: Iterable[str]) -> int:
        """Forget the paths of erased items in every stored evaluation (a path may name the person whose data
        was erased, GDPR Art. 17); the finding, its item id and its verdict stay as evidence. Rows changed."""
        wanted = set(item_ids)
        changed = []
        for row in self.store.db.execute("SELECT evaluation_id, finding_id, body FROM findings"):
            body = json.loads(row["body"])
            if body.get("itemId") in wanted and body.get("path") is not None:
                body["path"] = None
                changed.append((json.dumps(body, ensure_ascii=False), row["evaluation_id"], row["finding_id"]))
        if changed:
            with self.store.transaction() as db:
                db.executemany("UPDATE findings SET body=? WHERE evaluation_id=? AND finding_id=?", changed)
        return len(changed)


def _made_order(evaluation: Evaluation) -> tuple[datetime, str]:
    """Wall time first (the order they were made); an evaluation whose run row is gone, by its policy time."""
    return evaluation.recorded_at or evaluation.evaluated_at, evaluation.id
