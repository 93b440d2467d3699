"""msgraph-sdk objects → domain records. Nothing from the SDK leaves the gateway (DESIGN principle 1)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from msgraph.generated.models.directory_object import DirectoryObject
from msgraph.generated.models.drive import Drive as SdkDrive
from msgraph.generated.models.drive_item import DriveItem as SdkDriveItem
from msgraph.generated.models.group import Group as SdkGroup
from msgraph.generated.models.identity import Identity
from msgraph.generated.models.identity_set import IdentitySet
from msgraph.generated.models.item_retention_label import ItemRetentionLabel
from msgraph.generated.models.permission import Permission as SdkPermission
from msgraph.generated.models.search_hit import SearchHit as SdkSearchHit
from msgraph.generated.models.service_principal import ServicePrincipal
from msgraph.generated.models.share_point_identity_set import SharePointIdentitySet
from msgraph.generated.models.site import Site as SdkSite
from msgraph.generated.models.user import User as SdkUser

from m365_compliance.model import (
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

log = logging.getLogger(__name__)

SHARED_CHANGED = "@microsoft.graph.sharedChanged"  # facts §1.4 (a string "True")
RECORD_BEHAVIOURS = frozenset({"retainAsRecord", "retainAsRegulatoryRecord"})
ANYONE = Principal(PrincipalKind.ANYONE, "anyone", "Anyone with the link")
ORGANIZATION = Principal(PrincipalKind.ORGANIZATION, "organization", "People in the organisation")


@dataclass(frozen=True, slots=True)
class DeltaPage:
    """One page of a drive's delta feed. Exactly one of ``next_link`` / ``delta_link`` is set (§1.2)."""

    items: tuple[DriveItem, ...]
    next_link: str | None
    delta_link: str | None
    preference_applied: tuple[str, ...] = ()  # Prefer values the service says it honoured


def site_info(site: SdkSite) -> SiteInfo:
    return SiteInfo(id=site.id or "", web_url=site.web_url or "", display_name=site.display_name or site.name or "")


def library(drive: SdkDrive, site_id: str) -> Library:
    return Library(id=drive.id or "", site_id=site_id, name=drive.name or "", web_url=drive.web_url or "")


def drive_item(item: SdkDriveItem, drive_id: str) -> DriveItem:
    """A driveItem; ``shared_scope`` keeps the difference between no facet (None) and ``{}`` ("")."""
    parent = item.parent_reference
    fields = item.list_item.fields.additional_data if item.list_item and item.list_item.fields else {}
    return DriveItem(
        id=item.id or "",
        drive_id=(parent.drive_id if parent and parent.drive_id else drive_id),
        name=item.name or "",  # deleted items come without a name (§1.2)
        parent_id=parent.id if parent else None,
        is_folder=item.folder is not None,
        deleted=item.deleted is not None,
        size=item.size or 0,
        created=item.created_date_time,
        modified=item.last_modified_date_time,
        created_by=_actor(item.created_by),
        modified_by=_actor(item.last_modified_by),
        etag=item.e_tag,
        ctag=item.c_tag,
        shared_scope=None if item.shared is None else (item.shared.scope or ""),
        sharing_changed=str(item.additional_data.get(SHARED_CHANGED, "")).lower() == "true",
        is_root=item.root is not None,
        fields=tuple((k, plain(v)) for k, v in fields.items() if not k.startswith("@odata")),
        label=retention_label(item.retention_label),
    )


def search_hit(hit: SdkSearchHit) -> SearchHit | None:
    """A Microsoft Search hit whose resource is a driveItem; other resource types are not ours (None)."""
    item = hit.resource
    if not isinstance(item, SdkDriveItem) or not item.id:
        return None
    parent = item.parent_reference
    return SearchHit(drive_id=(parent.drive_id if parent else None) or "", item_id=item.id, name=item.name or "",
                     web_url=item.web_url or "", site_id=parent.site_id if parent else None,
                     is_folder=item.folder is not None)


def permission(perm: SdkPermission, site_id: str | None) -> Permission:
    """Direct grant or sharing link. ``inherited``: key present → True, absent → None (facts §2.3)."""
    scope: LinkScope | None = None
    grantees: list[Principal] = []
    if perm.link is not None:
        scope = _link_scope(perm.link.scope)
        grantees.extend({LinkScope.ANONYMOUS: [ANYONE], LinkScope.ORGANIZATION: [ORGANIZATION]}.get(scope, []))
        for identities in perm.granted_to_identities_v2 or []:
            grantees.extend(_identity_set(identities, site_id))
    elif perm.granted_to_v2 is not None:
        grantees.extend(_identity_set(perm.granted_to_v2, site_id))
    expires = perm.expiration_date_time
    return Permission(
        id=perm.id or "",
        roles=tuple(perm.roles or ()),
        grantees=tuple(grantees),
        link_scope=scope,
        link_type=perm.link.type if perm.link is not None else None,
        expires=None if expires is None or expires.year <= 1 else expires,  # 0001-01-01 = never (§2.2)
        inherited=True if perm.inherited_from is not None else None,
    )


def directory_principal(obj: DirectoryObject) -> Principal | None:
    """A transitiveMembers/users entry; devices and other object types are not principals here."""
    if isinstance(obj, SdkUser):
        guest = (obj.user_type or "").lower() == "guest"
        return Principal(PrincipalKind.GUEST if guest else PrincipalKind.USER, obj.id or "",
                         obj.display_name or "", obj.mail or obj.user_principal_name)
    if isinstance(obj, SdkGroup):
        return Principal(PrincipalKind.GROUP, obj.id or "", obj.display_name or "", obj.mail)
    if isinstance(obj, ServicePrincipal):
        return Principal(PrincipalKind.APPLICATION, obj.id or "", obj.display_name or "")
    return None


def retention_label(label: ItemRetentionLabel | None) -> RetentionLabelInfo | None:
    """None when no label is applied (Graph may answer an empty object, facts §4.1)."""
    if label is None or not label.name:
        return None
    settings = label.retention_settings
    behaviour = settings.behavior_during_retention_period if settings else None
    return RetentionLabelInfo(
        name=label.name,
        applied_at=label.label_applied_date_time,
        explicit=label.is_label_applied_explicitly is not False,
        delete_allowed=settings.is_delete_allowed if settings else None,
        is_record=behaviour is not None and getattr(behaviour, "value", behaviour) in RECORD_BEHAVIOURS,
    )


def plain(value: Any) -> Any:
    """Field values as plain Python: the SDK turns GUID strings into UUID; give them back as str."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def _actor(identities: IdentitySet | None) -> str | None:
    if identities is None:
        return None
    for who in (identities.user, identities.application):  # app writes carry an id-less "user" too
        if who is not None and who.id:
            return who.id
    return None


def _identity_set(identities: IdentitySet, site_id: str | None) -> list[Principal]:
    if isinstance(identities, SharePointIdentitySet):
        if identities.site_group is not None:
            group_id = identities.site_group.id or ""
            return [Principal(PrincipalKind.SITE_GROUP, f"{site_id}/{group_id}" if site_id else group_id,
                              identities.site_group.display_name or "")]
        if identities.share_point_group is not None:
            return [Principal(PrincipalKind.SITE_GROUP, identities.share_point_group.id or "",
                              identities.share_point_group.display_name or "")]
        if identities.group is not None:
            return [_identity(PrincipalKind.GROUP, identities.group)]
    if identities.user is not None:
        login = identities.site_user.login_name if isinstance(identities, SharePointIdentitySet) and \
            identities.site_user is not None else None
        # SharePoint names guests i:0#.f|membership|someone_example.com#ext#@tenant (facts §2.6).
        guest = "#ext#" in (login or "").lower() or "#ext#" in str(identities.user.additional_data.get(
            "userPrincipalName", "")).lower()
        return [_identity(PrincipalKind.GUEST if guest else PrincipalKind.USER, identities.user)]
    if identities.application is not None:
        return [_identity(PrincipalKind.APPLICATION, identities.application)]
    return []


def _identity(kind: PrincipalKind, identity: Identity) -> Principal:
    email = identity.additional_data.get("email")
    return Principal(kind, identity.id or "", identity.display_name or "", str(email) if email else None)


def _link_scope(scope: str | None) -> LinkScope:
    try:
        return LinkScope(scope)
    except ValueError:
        # Unknown audience: report it as the broadest, so it shows up as a finding rather than hiding.
        log.warning("unknown sharing-link scope %r treated as anonymous", scope)
        return LinkScope.ANONYMOUS
