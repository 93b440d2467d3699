"""The part every machine document shares: schema version, kind and the run it describes.

``schemaVersion`` changes its major number only when a field is removed or changes meaning; new fields
may appear in any minor version, so a reader ignores what it does not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from m365_compliance import __version__

if TYPE_CHECKING:
    from m365_compliance.config.schema import Config

SCHEMA_VERSION = "1.0"
TOOL = "m365-compliance"


@dataclass(frozen=True)
class RunMetadata:
    """Which policy, tenant and moment a document describes; the evaluation and snapshot when it has one.

    ``generated_at`` is the policy time the command ran as of (``--now``), which is also the evaluation
    time of findings it evaluated."""

    policy_version: str
    tenant_id: str
    generated_at: datetime
    evaluation_id: str | None = None
    snapshot_run_id: str | None = None

    @classmethod
    def of(cls, config: Config, now: datetime, *, evaluation_id: str | None = None,
           snapshot_run_id: str | None = None) -> RunMetadata:
        return cls(config.policy_version, config.tenant.tenant_id, now, evaluation_id, snapshot_run_id)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"tool": TOOL, "toolVersion": __version__, "policyVersion": self.policy_version,
                                "tenantId": self.tenant_id, "generatedAt": self.generated_at.isoformat()}
        if self.evaluation_id is not None:
            body["evaluationId"] = self.evaluation_id
            body["evaluatedAt"] = self.generated_at.isoformat()
        if self.snapshot_run_id is not None:
            body["snapshotRunId"] = self.snapshot_run_id
        return body


def document(kind: str, metadata: RunMetadata, body: dict[str, Any]) -> dict[str, Any]:
    """One machine document: ``{"schemaVersion", "kind": "m365-compliance.<kind>", "metadata", **body}``."""
    return {"schemaVersion": SCHEMA_VERSION, "kind": f"{TOOL}.{kind}", "metadata": metadata.as_dict(), **body}
