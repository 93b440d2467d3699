"""``drift show --format json`` and ``drift exceptions --format json``: drift by finding id and the exceptions.

Drift entries carry ids, states and dates (never a path); an exception carries its owner, reason and
who accepted it, as the policy file's reviewers record them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from m365_compliance.drift.compare import Drift
from m365_compliance.config.schema import DeclaredException
from m365_compliance.drift.exceptions import AcceptedException
from m365_compliance.machine.envelope import RunMetadata, document
from m365_compliance.state.store import to_text


def drift_document(drift: Drift, metadata: RunMetadata) -> dict[str, Any]:
    return document("drift", metadata, {
        "evaluation": drift.evaluation_id, "previousEvaluation": drift.previous_evaluation_id,
        "counts": dict(drift.counts()),
        "entries": [{"finding": e.finding.id, "rule": e.finding.rule_id, "control": e.finding.control,
                     "severity": e.finding.severity, "state": e.state, "firstSeen": e.first_seen.isoformat(),
                     "firstSeenAt": to_text(e.first_seen_at), "breachClock": e.breach_clock,
                     "breachDeadline": to_text(e.breach_deadline),
                     "exceptionExpires": e.exception.expires.isoformat() if e.exception else None}
                    for e in drift.entries]})


def exception_row(exception: AcceptedException, today: date) -> dict[str, Any]:
    """One exception as ``drift exceptions`` lists it; ``state`` is "in force", "expired" or "revoked"."""
    return {"finding": exception.finding_id, "owner": exception.owner, "reason": exception.reason,
            "expires": exception.expires.isoformat(), "acceptedAt": exception.accepted_at.isoformat(),
            "acceptedBy": exception.accepted_by, "state": exception.state(today).replace("_", " "),
            "source": exception.source}


def declared_exception_row(declared: DeclaredException, today: date, file_name: str) -> dict[str, Any]:
    """One exception of exceptions.toml as ``drift exceptions`` lists it (``source``: its place in the file)."""
    return {"finding": declared.target, "owner": declared.owner, "reason": declared.reason,
            "expires": declared.expires.isoformat(), "acceptedAt": declared.accepted.isoformat(), "acceptedBy": None,
            "state": "in force" if today <= declared.expires else "expired", "source": f"{file_name} {declared.key}"}


def exceptions_document(rows: list[dict[str, Any]], metadata: RunMetadata) -> dict[str, Any]:
    return document("drift-exceptions", metadata, {"exceptions": rows})

