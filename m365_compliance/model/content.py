"""Sites, libraries, drive items, their permissions and retention labels, as the inventory sees them."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import lru_cache
from typing import Any

from m365_compliance.model.directory import ANYONE, AUDIENCE_UNKNOWN, ORGANIZATION, Principal


class LinkScope(str, Enum):
    ANONYMOUS = "anonymous"
    ORGANIZATION = "organization"
    USERS = "users"
    EXISTING_ACCESS = "existingAccess"
    UNKNOWN = "unknown"  # no scope and no people named, or a scope value this code does not know


#: Who a link of each scope reaches beyond the people it names (``users``/``existingAccess``: only them).
LINK_AUDIENCES: dict[LinkScope, Principal] = {LinkScope.ANONYMOUS: ANYONE, LinkScope.ORGANIZATION: ORGANIZATION,
                                              LinkScope.UNKNOWN: AUDIENCE_UNKNOWN}


@dataclass(frozen=True, slots=True)
class SiteInfo:
    id: str
    web_url: str
    display_name: str


@dataclass(frozen=True, slots=True)
class Library:
    """A document library (drive) of a site."""

    id: str
    site_id: str
    name: str
    web_url: str


#: ``retentionSettings.behaviorDuringRetentionPeriod`` values Graph documents (facts §4.1).
DO_NOT_RETAIN = "doNotRetain"
RETAIN = "retain"
RETAIN_AS_RECORD = "retainAsRecord"
RETAIN_AS_REGULATORY_RECORD = "retainAsRegulatoryRecord"
RECORD_BEHAVIOURS = frozenset({RETAIN_AS_RECORD, RETAIN_AS_REGULATORY_RECORD})
KNOWN_BEHAVIOURS = frozenset({DO_NOT_RETAIN, RETAIN, *RECORD_BEHAVIOURS})  # not "unknownFutureValue"


@dataclass(frozen=True, slots=True)
class RetentionLabelInfo:
    """An item's retention label as Graph reports it (own or inherited from its folder).

    ``behavior`` is ``behaviorDuringRetentionPeriod`` as Graph spells it (None: the answer did not
    say, e.g. a label read back from an older inventory); ``record_locked`` is ``isRecordLocked``.
    """

    name: str
    applied_at: datetime | None = None
    explicit: bool = True
    delete_allowed: bool | None = None  # None: not known from the answer
    is_record: bool = False
    behavior: str | None = None
    record_locked: bool | None = None  # None: not known from the answer

    @property
    def protects(self) -> bool:
        """Whether the label keeps the item from being deleted. Strict: a behaviour this code does
        not know (``unknownFutureValue``, a new value), or no behaviour and no ``isDeleteAllowed``
        at all, counts as protecting."""
        return self.kind is not None

    @property
    def kind(self) -> str | None:
        """The protection in words, for messages: "regulatory record", "record (locked)",
        "record (unlocked)", "record" (lock state unknown), "retain", "delete not allowed",
        "unknown behaviour …"; None exactly when the label does not protect the item."""
        behavior = self.behavior
        if behavior == RETAIN_AS_REGULATORY_RECORD:
            return "regulatory record"
        if self.is_record or behavior == RETAIN_AS_RECORD:
            return {True: "record (locked)", False: "record (unlocked)", None: "record"}[self.record_locked]
        if behavior == RETAIN:
            return "retain"
        if behavior is not None and behavior not in KNOWN_BEHAVIOURS:
            return f"unknown behaviour '{behavior}'"
        if self.delete_allowed is False:
            return "delete not allowed"
        if behavior is None and self.delete_allowed is None:
            return "unknown behaviour"
        return None


@dataclass(frozen=True, slots=True)
class DriveItem:
    """One file or folder. ``shared_scope`` is the delta ``shared`` facet: None = no facet, "" = empty facet."""

    id: str
    drive_id: str
    name: str
    parent_id: str | None
    is_folder: bool
    deleted: bool = False
    size: int = 0
    created: datetime | None = None
    modified: datetime | None = None
    created_by: str | None = None  # user id
    modified_by: str | None = None
    etag: str | None = None
    ctag: str | None = None
    shared_scope: str | None = None
    sharing_changed: bool = False  # "@microsoft.graph.sharedChanged": "True"
    is_root: bool = False
    fields: tuple[tuple[str, Any], ...] = ()  # list-item columns when asked for
    label: RetentionLabelInfo | None = None

    @property
    def is_permission_root_hint(self) -> bool:
        """Under ``Prefer: hierarchicalsharing`` a ``shared`` facet marks a permission-hierarchy root."""
        return self.shared_scope is not None

    def field(self, name: str) -> Any:
        return dict(self.fields).get(name)


@dataclass(frozen=True, slots=True)
class Permission:
    """One entry of an item's permissions list (direct grant or sharing link)."""

    id: str
    roles: tuple[str, ...]
    grantees: tuple[Principal, ...] = ()  # the user/group/siteGroup, or the people on a "users" link
    link_scope: LinkScope | None = None
    link_type: str | None = None
    expires: datetime | None = None
    inherited: bool | None = None  # None: Graph did not say (SharePoint never does)
    has_password: bool | None = None  # link.hasPassword / hasPassword; None: not sent
    prevents_download: bool | None = None  # link.preventsDownload; None: not sent

    @property
    def is_link(self) -> bool:
        return self.link_scope is not None

    def expired(self, now: datetime) -> bool:
        return self.expires is not None and self.expires <= now


@lru_cache(maxsize=65536)  # every item of a per-item crawl lists its inherited grants again: same id, same ref
def permission_ref(graph_id: str, key: bytes) -> str:
    """How a permission is named outside the state store (findings, plans, journal): its Graph id, unless
    that id carries an address or a login name. SharePoint's ids for people are the base64 of their claim
    (``i:0#.f|membership|someone@example.com``), so those become an HMAC under the state store's secret
    (``StateStore.pseudonym_key``: a plain digest would let anyone confirm a guessed address); apply finds
    the permission again by its ref among the item's current permissions."""
    if not _reveals(graph_id):
        return graph_id
    return "perm-" + hmac.new(key, graph_id.encode(), hashlib.sha256).hexdigest()[:24]


def _reveals(graph_id: str) -> bool:
    if "@" in graph_id or "|" in graph_id:
        return True
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            text = decode(graph_id + "=" * (-len(graph_id) % 4)).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            continue
        if "@" in text or "|" in text:
            return True
    return False


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One driveItem Microsoft Search found (``POST /search/query``): where it is and what it is called."""

    drive_id: str
    item_id: str
    name: str
    web_url: str
    site_id: str | None = None
    is_folder: bool = False
