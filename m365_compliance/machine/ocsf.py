"""Findings as OCSF Detection Finding events (class 2004, OCSF 1.3.0) for a SIEM: ``check --format ocsf``.

One event per finding. Only ids leave: the finding's id, title, message (item ids, dates and counts by
construction) and remediation, and the drive and item ids of what it is about; never a path, a name or
the evidence (which may quote grantees). docs/machine-output.md maps each field; the schema of what is
written is docs/schemas/ocsf-detection-finding.schema.json.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from m365_compliance import __version__
from m365_compliance.machine.envelope import TOOL, RunMetadata
from m365_compliance.rules.findings import Finding, Severity

OCSF_VERSION = "1.3.0"
CLASS_UID, CLASS_NAME = 2004, "Detection Finding"
CATEGORY_UID, CATEGORY_NAME = 2, "Findings"
ACTIVITY_CREATE = 1
TYPE_UID = CLASS_UID * 100 + ACTIVITY_CREATE
#: OCSF severity_id: 1 Informational, 2 Low, 3 Medium, 4 High. A finding that only records a retention
#: decision (status "info") is Informational whatever its rule's usual severity.
SEVERITY_IDS: dict[Severity, tuple[int, str]] = {"low": (2, "Low"), "medium": (3, "Medium"), "high": (4, "High")}
INFORMATIONAL = (1, "Informational")
#: status_id 1 "New": the producer reports; review (In Progress, Suppressed, Resolved) is the consumer's.
STATUS_NEW = (1, "New")


def detection_findings(findings: Sequence[Finding], metadata: RunMetadata,
                       title: Callable[[Finding], str]) -> list[dict[str, Any]]:
    """One Detection Finding object per finding, in the findings' order."""
    return [detection_finding(f, metadata, title(f)) for f in findings]


def detection_finding(finding: Finding, metadata: RunMetadata, title: str) -> dict[str, Any]:
    severity_id, severity = INFORMATIONAL if finding.status == "info" else SEVERITY_IDS[finding.severity]
    time = int(metadata.generated_at.timestamp() * 1000)  # OCSF timestamp_t: milliseconds since the epoch
    event: dict[str, Any] = {
        "class_uid": CLASS_UID, "class_name": CLASS_NAME, "category_uid": CATEGORY_UID,
        "category_name": CATEGORY_NAME, "activity_id": ACTIVITY_CREATE, "activity_name": "Create",
        "type_uid": TYPE_UID, "type_name": f"{CLASS_NAME}: Create",
        "time": time, "severity_id": severity_id, "severity": severity,
        "status_id": STATUS_NEW[0], "status": STATUS_NEW[1],
        "status_code": finding.status.upper(), "status_detail": finding.message,
        "message": title,
        "finding_info": {"uid": finding.id, "title": title, "desc": finding.message,
                         "types": [finding.control, finding.rule_id], "created_time": time},
        "remediation": {"desc": finding.remediation},
        "cloud": {"provider": "Microsoft 365", "account": {"uid": metadata.tenant_id}},
        "metadata": {"version": OCSF_VERSION, "event_code": finding.rule_id, "profiles": ["cloud"],
                     "product": {"name": TOOL, "vendor_name": TOOL, "version": __version__},
                     "tenant_uid": metadata.tenant_id},
        "unmapped": {"control": finding.control, "scope": finding.scope, "policyVersion": metadata.policy_version,
                     "evaluationId": metadata.evaluation_id, "snapshotRunId": metadata.snapshot_run_id,
                     "due": _day(finding.due), "keepUntil": _day(finding.keep_until)},
    }
    resources = _resources(finding)
    if resources:
        event["resources"] = resources
    return event


def _resources(finding: Finding) -> list[dict[str, Any]]:
    """The drive item (or drive) the finding is about, by Graph id only."""
    if finding.item_id:
        return [{"uid": finding.item_id, "type": "driveItem", "group": {"uid": finding.drive_id}}
                if finding.drive_id else {"uid": finding.item_id, "type": "driveItem"}]
    if finding.drive_id:
        return [{"uid": finding.drive_id, "type": "drive"}]
    return []


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
