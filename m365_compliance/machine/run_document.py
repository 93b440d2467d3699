"""``run --format json``: the nightly run in one document — each stage, the files written, the figures,
the findings counted per control and status, and the exit code the run ends with.

``alerts`` holds what the stdout alert sink wrote during the run (its JSON lines, one object each), so
that sink's records are kept while the document stays alone on stdout.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from m365_compliance.machine.envelope import RunMetadata, document
from m365_compliance.pipeline.nightly import NightlyOutcome


def run_document(outcome: NightlyOutcome, metadata: RunMetadata, exit_code: int,
                 alerts: list[dict[str, Any]]) -> dict[str, Any]:
    summary = json.loads(json.dumps(outcome.summary(), default=str))  # figures may hold dates
    by_control: dict[str, Counter[str]] = {}
    for f in outcome.findings:
        by_control.setdefault(f.control, Counter())[f.status] += 1
    return document("run", metadata, {
        "run": {**summary, "outDir": str(outcome.out_dir)},
        "findings": {control: dict(sorted(counts.items())) for control, counts in sorted(by_control.items())},
        "exitCode": exit_code,
        "alerts": alerts,
    })


def alert_records(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The stdout sink's JSON lines in ``text`` as objects, and whatever else was written (for stderr)."""
    records: list[dict[str, Any]] = []
    rest: list[str] = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        if isinstance(value, dict):
            records.append(value)
        elif line.strip():
            rest.append(line)
    return records, rest
