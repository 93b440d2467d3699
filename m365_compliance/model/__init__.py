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
    permission_ref,
)
from m365_compliance.model.directory import (
    ANYONE,
    AUDIENCE_UNKNOWN,
    MAIL_ID_PREFIX,
    ORGANIZATION,
    Principal,
    PrincipalKind,
)

__all__ = [
    "ANYONE",
    "AUDIENCE_UNKNOWN",
    "LINK_AUDIENCES",
    "MAIL_ID_PREFIX",
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
    "permission_ref",
]
