"""The findings document: findings.json (``check --json-out``, the demo) and ``check --format json``.

docs/schemas/findings.schema.json describes it. Findings keep their paths, as the report does: the
document is for the operator and the SIEM, not for a pull request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from m365_compliance.machine.envelope import RunMetadata, document
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.selection import FindingSelection
from m365_compliance.rules.tally import ControlTally, tally

KIND = "findings"


def findings_document(findings: Sequence[Finding], metadata: RunMetadata, selection: FindingSelection,
                      title: Callable[[Finding], str]) -> dict[str, Any]:
    """The selected ``findings`` with per-control counts; ``metadata`` names the evaluation."""
    return document(KIND, metadata, {
        "selection": selection.as_dict(),
        "controls": [_control(t) for t in tally(findings, title)],
        "findings": [{**f.as_dict(), "displayTitle": title(f)} for f in findings],
    })


def _control(t: ControlTally) -> dict[str, Any]:
    return {"control": t.control, "fail": dict(t.failing), "warn": t.warn, "info": t.info,
            "notEvaluated": t.not_evaluated,
            "toActOn": [{"title": c.title, "status": c.status, "severity": c.severity, "count": c.count}
                        for c in t.to_act_on]}
