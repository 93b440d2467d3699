"""A doctor's findings: one :class:`Check` per thing checked, each failing one with its exact fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

#: OK: works. NOTE: works, but read the detail (a trade-off, something not checkable). MISSING: a
#: permission, grant or configured object is not there. FAILED: the check itself could not run.
Status = Literal["OK", "NOTE", "MISSING", "FAILED"]
STATUSES: tuple[Status, ...] = ("OK", "NOTE", "MISSING", "FAILED")


@dataclass(frozen=True, slots=True)
class Check:
    area: str  # credential, token, permission, site, library, columns, list, group, users, inventory
    subject: str  # what was checked, from the policy file (a URL, a key, a permission name)
    status: Status
    detail: str
    fix: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"area": self.area, "subject": self.subject, "status": self.status, "detail": self.detail,
                "fix": self.fix}


@dataclass(frozen=True)
class DoctorReport:
    """Everything one ``doctor`` run found; ``ok`` means nothing is MISSING or FAILED."""

    policy_version: str
    auth_method: str
    mode: str  # the run mode checked for: dry-run or execute
    checks: tuple[Check, ...]
    roles: frozenset[str] | None = None  # the token's application roles; None when they could not be read
    inventory_mode: str | None = None  # "sharing-change delta", "per-item fallback" or None (not probed)
    counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "counts", {s: sum(1 for c in self.checks if c.status == s) for s in STATUSES})

    @property
    def ok(self) -> bool:
        return not (self.counts["MISSING"] or self.counts["FAILED"])

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "policyVersion": self.policy_version,
            "authMethod": self.auth_method,
            "mode": self.mode,
            "roles": sorted(self.roles) if self.roles is not None else None,
            "inventoryMode": self.inventory_mode,
            "counts": dict(self.counts),
            "checks": [c.as_dict() for c in self.checks],
        }
