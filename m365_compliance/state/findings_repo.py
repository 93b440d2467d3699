"""Findings of each evaluation, kept per run so later stages (drift, report) can compare runs (C8, C9).

An evaluation is journaled as a run of kind ``check`` in the runs table (its id is the evaluation
id), with the snapshot run it evaluated and the policy version in force. The table is created here,
beside the code that owns it, with ``CREATE TABLE IF NOT EXISTS``: an older state store gains it on
first use.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from m365_compliance.rules.findings import Finding
from m365_compliance.state.store import StateStore, to_text, utc_now

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


class FindingsRepository:
    def __init__(self, store: StateStore) -> None:
        self.store = store
        store.db.executescript(TABLE)

    def save(self, snapshot_run_id: str, policy_version: str | None, findings: Iterable[Finding]) -> str:
        """Store one evaluation's findings; returns its id (a ``check`` run)."""
        findings = list(findings)
        evaluation_id = self.store.start_run("check", policy_version)
        now = to_text(utc_now())
        with self.store.transaction() as db:
            db.executemany(
                "INSERT INTO findings(evaluation_id, snapshot_run_id, evaluated_at, policy_version, finding_id, "
                "rule_id, control, severity, status, body) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(evaluation_id, snapshot_run_id, now, policy_version, f.id, f.rule_id, f.control, f.severity,
                  f.status, json.dumps(f.as_dict(), ensure_ascii=False)) for f in findings])
        counts = Counter(f"{f.control} {f.status}" for f in findings)
        self.store.finish_run(evaluation_id, "succeeded", {"snapshotRun": snapshot_run_id, "findings": dict(counts)})
        return evaluation_id

    def latest(self) -> list[dict[str, object]]:
        """The findings of the most recent evaluation, as stored (JSON bodies), by finding id."""
        row = self.store.db.execute(
            "SELECT evaluation_id FROM findings ORDER BY evaluated_at DESC, evaluation_id DESC LIMIT 1").fetchone()
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
