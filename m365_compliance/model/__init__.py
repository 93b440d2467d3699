"""Typed, frozen domain records: what the gateway returns and what the snapshot, rules and reports use.

No msgraph-sdk type crosses into these; the gateway maps Graph answers to them at the seam.
"""

from m365_compliance.model.content import (
    LINK_AUDIENCES,
    DriveItem,
    Library,
    LinkScope,
    Permission,
    RetentionLabelInfo,
    SearchHit,
    SiteInfo,
)
from m365_compliance.model.directory import ANYONE, AUDIENCE_UNKNOWN, ORGANIZATION, Principal, PrincipalKind

__all__ = [
    "ANYONE",
    "AUDIENCE_UNKNOWN",
    "LINK_AUDIENCES",
    "ORGANIZATION",
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
