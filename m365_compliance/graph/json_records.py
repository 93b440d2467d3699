"""Graph answers read as plain JSON into domain records: every read the inventory repeats per item.

The SDK still builds, authenticates and sends each request (same middleware, same retries); only
the answer is parsed with :mod:`json` instead of kiota's model deserialisers. Those rebuild a field
table of several hundred entries for every object (``Entity.get_field_deserializers``, ~3 ms), which
held a 100k-item inventory to ~1,200 items/s; here an object costs microseconds. The first site
parsed by the SDK also imports ~1,300 model modules (1.5 s of CPU per run). Used for sites,
libraries, delta pages, children, single items, permissions (direct and inside ``$batch``) and
directory objects.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from m365_compliance.graph.answers import required_id
from m365_compliance.graph.identities import identity_set, invited, unresolved
from m365_compliance.model import (
    AUDIENCE_UNKNOWN,
    LINK_AUDIENCES,
    DriveItem,
    Library,
    LinkScope,
    Permission,
    Principal,
    PrincipalKind,
    RetentionLabelInfo,
    SearchHit,
    SiteInfo,
)
from m365_compliance.model.content import RECORD_BEHAVIOURS

log = logging.getLogger(__name__)

Json = Mapping[str, Any]

SHARED_CHANGED = "@microsoft.graph.sharedChanged"  # facts §1.4 (a string "True")
USER_TYPE = "#microsoft.graph.user"
GROUP_TYPE = "#microsoft.graph.group"
SERVICE_PRINCIPAL_TYPE = "#microsoft.graph.servicePrincipal"


def site_from_json(d: Json) -> SiteInfo:
    return SiteInfo(id=required_id(d), web_url=d.get("webUrl") or "",
                    display_name=d.get("displayName") or d.get("name") or "")


def library_from_json(d: Json, site_id: str) -> Library:
    return Library(id=required_id(d), site_id=site_id, name=d.get("name") or "", web_url=d.get("webUrl") or "")


def drive_item_from_json(d: Json, drive_id: str) -> DriveItem:
    """A driveItem; ``shared_scope`` keeps "no facet" (None) apart from ``shared: {}`` ("").

    List-item columns come from ``listItem.fields`` when expanded (facts §3.4), as Graph sends them.
    """
    parent = d.get("parentReference") or {}
    shared = d.get("shared")
    fields = (d.get("listItem") or {}).get("fields") or {}
    return DriveItem(
        id=required_id(d),
        drive_id=parent.get("driveId") or drive_id,
        name=d.get("name") or "",  # deleted items come without a name (§1.2)
        parent_id=parent.get("id"),
        is_folder="folder" in d,
        deleted=d.get("deleted") is not None,
        size=d.get("size") or 0,
        created=instant(d.get("createdDateTime")),
        modified=instant(d.get("lastModifiedDateTime")),
        created_by=_actor(d.get("createdBy")),
        modified_by=_actor(d.get("lastModifiedBy")),
        etag=d.get("eTag"),
        ctag=d.get("cTag"),
        shared_scope=None if shared is None else (shared.get("scope") or ""),
        sharing_changed=str(d.get(SHARED_CHANGED, "")).lower() == "true",
        is_root="root" in d,
        fields=tuple((k, v) for k, v in fields.items() if not k.startswith("@odata")),
    )


def permission_from_json(d: Json, site_id: str | None) -> Permission:
    """A direct grant, a sharing link or a pending invitation, in any documented shape (facts §2.2).

    Grantees come from ``grantedToV2`` / ``grantedToIdentitiesV2``, else the deprecated ``grantedTo`` /
    ``grantedToIdentities``, else a pending ``invitation``; a direct grant none of these explains has an
    *unresolved* grantee, never none. A link's audience is what the answer says: its ``scope``; no scope
    but people named → specific people; otherwise (or a scope value this code does not know) unknown —
    never assumed anonymous. ``inherited``: key present → True, absent → None (facts §2.3).
    """
    link = d.get("link")
    link = link if isinstance(link, Mapping) else None
    grantees = _grantees(d, site_id, is_link=link is not None)
    scope = _link_scope(link, bool(grantees)) if link is not None else None
    audience = LINK_AUDIENCES.get(scope) if scope is not None else None
    if audience is None and scope is LinkScope.USERS and not grantees:
        audience = AUDIENCE_UNKNOWN  # "specific people", but the answer names none of them
    if audience is not None:
        grantees.insert(0, audience)
    expires = instant(d.get("expirationDateTime") or (link or {}).get("expirationDateTime"))
    return Permission(
        id=required_id(d),
        roles=tuple(str(r) for r in d.get("roles") or () if r is not None),  # "owner", "sp.full control", …
        grantees=tuple(grantees),
        link_scope=scope,
        link_type=str(link["type"]) if link is not None and link.get("type") is not None else None,
        expires=None if expires is None or expires.year <= 1 else expires,  # 0001-01-01 = never (§2.2)
        inherited=True if d.get("inheritedFrom") is not None else None,
        has_password=_flag(d.get("hasPassword", (link or {}).get("hasPassword"))),
        prevents_download=_flag((link or {}).get("preventsDownload")),
    )


def _grantees(d: Json, site_id: str | None, *, is_link: bool) -> list[Principal]:
    """Who the permission names, newest shape first; a link may name nobody (its scope is its audience)."""
    many = d.get("grantedToIdentitiesV2") or d.get("grantedToIdentities")
    one = d.get("grantedToV2") or d.get("grantedTo")
    grantees: list[Principal] = []
    if isinstance(many, list):
        for identities in many:
            grantees.extend(identity_set(identities, site_id))
    if one is not None:
        grantees.extend(p for p in identity_set(one, site_id) if p not in grantees)
    if not grantees and d.get("invitation") is not None:
        grantees.append(invited(d["invitation"]))
    if not grantees and not is_link:
        grantees.append(unresolved({k: d.get(k) for k in ("id", "roles")}))
    return grantees


def _link_scope(link: Json, names_people: bool) -> LinkScope:
    scope = link.get("scope")
    if scope is None:
        return LinkScope.USERS if names_people else LinkScope.UNKNOWN
    try:
        known = LinkScope(scope)
    except ValueError:
        log.warning("sharing link with an unknown scope value: its audience is reported as unknown")
        return LinkScope.UNKNOWN
    return LinkScope.UNKNOWN if known is LinkScope.UNKNOWN else known


def retention_label_from_json(d: Json | None) -> RetentionLabelInfo | None:
    """An itemRetentionLabel (facts §4.1, §4.2); None for no body, ``{}`` or a label without a name
    (Graph's answer for an unlabelled item is undocumented). Booleans Graph did not send stay None."""
    if not isinstance(d, Mapping) or not d.get("name"):
        return None
    settings = d.get("retentionSettings")
    settings = settings if isinstance(settings, Mapping) else {}
    behavior = settings.get("behaviorDuringRetentionPeriod")
    behavior = str(behavior) if behavior is not None else None
    return RetentionLabelInfo(
        name=str(d["name"]),
        applied_at=instant(d.get("labelAppliedDateTime")),
        explicit=d.get("isLabelAppliedExplicitly") is not False,
        delete_allowed=_flag(settings.get("isDeleteAllowed")),
        is_record=behavior in RECORD_BEHAVIOURS,
        behavior=behavior,
        record_locked=_flag(settings.get("isRecordLocked")),
    )


def principal_from_json(d: Json, default_type: str) -> Principal | None:
    """A directory object (``@odata.type``, else ``default_type`` — a ``/users`` page names none).

    Users with ``userType`` Guest are GUEST (facts §2.5); devices and other types are not principals.
    """
    kind = d.get("@odata.type") or default_type
    if kind == USER_TYPE:
        guest = (d.get("userType") or "").lower() == "guest"
        return Principal(PrincipalKind.GUEST if guest else PrincipalKind.USER, required_id(d),
                         d.get("displayName") or "", d.get("mail") or d.get("userPrincipalName"))
    if kind == GROUP_TYPE:
        return Principal(PrincipalKind.GROUP, required_id(d), d.get("displayName") or "", d.get("mail"))
    if kind == SERVICE_PRINCIPAL_TYPE:
        return Principal(PrincipalKind.APPLICATION, required_id(d), d.get("displayName") or "")
    return None


def instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None  # 3.11 reads "Z" and 7 fraction digits


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _actor(identities: Json | None) -> str | None:
    for key in ("user", "application"):  # app writes carry an id-less "user" too
        who = (identities or {}).get(key) or {}
        if who.get("id"):
            return str(who["id"])
    return None


DRIVE_ITEM_TYPE = "#microsoft.graph.driveItem"


def search_hit_from_json(hit: Json) -> SearchHit | None:
    """A Microsoft Search hit (``searchHit.resource``) that is a driveItem; other resource types are not ours."""
    item = hit.get("resource") or {}
    if item.get("@odata.type") != DRIVE_ITEM_TYPE:
        return None
    parent = item.get("parentReference") or {}
    return SearchHit(drive_id=parent.get("driveId") or "", item_id=required_id(item), name=item.get("name") or "",
                     web_url=item.get("webUrl") or "", site_id=parent.get("siteId"), is_folder="folder" in item)
