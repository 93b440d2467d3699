"""Typed, frozen domain records: what the gateway returns and what the snapshot, rules and reports use.

No msgraph-sdk type crosses into these; the gateway maps Graph answers to them at the seam.
"""

from m365_compliance.model.content import (
    DriveItem,
    Library,
    LinkScope,
    Permission,
    RetentionLabelInfo,
    SearchHit,
    SiteInfo,
)
from m365_compliance.model.directory import Principal, PrincipalKind

__all__ = [
    "DriveItem",
    "Library",
    "LinkScope",
    "Permission",
    "Principal",
    "PrincipalKind",
    "RetentionLabelInfo",
    "SearchHit",
    "SiteInfo",
]
