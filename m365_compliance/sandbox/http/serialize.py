"""Graph v1.0 JSON for driveItems, their listItems, permissions and retention labels.

Pure functions of tenant state: nothing here changes the tenant except allocating a user's
site-scoped principal id on first use (as SharePoint does when a user is first granted access).
Shapes follow the facts sheet: driveItem §1.2/§1.7, ``deleted`` §1.3/§10.4, ``shared`` §1.4,
permission §2.2/§2.6, listItem fields §3.3/§3.4, itemRetentionLabel §4.1/§4.2.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import quote

from m365_compliance.sandbox.http.list_fields import FieldRenderer
from m365_compliance.sandbox.http.routing import iso
from m365_compliance.sandbox.model import (
    CLAIMS,
    AppliedLabel,
    Drive,
    Grant,
    Item,
    RetentionLabelDef,
)
from m365_compliance.sandbox.tenant import APP_ID, Tenant

DRIVE_TYPE = "documentLibrary"
APP_NAME = "m365-compliance"
#: ``shared.scope`` values, broadest first (facts §1.4 shared facet); ``existingAccess`` links count as "users".
_SHARED_SCOPES = ("anonymous", "organization", "users")


# ---------------------------------------------------------------------- identities
def identity_set(tenant: Tenant, principal_id: str) -> dict[str, Any]:
    """``{"user": {id, displayName, email}}``; the app itself as SharePoint shows app writes."""
    user = tenant.users.get(principal_id)
    if user is not None:
        return {"user": {"id": user.id, "displayName": user.display_name, "email": user.mail}}
    if principal_id == APP_ID:
        return {"application": {"id": APP_ID, "displayName": APP_NAME}, "user": {"displayName": "SharePoint App"}}
    return {"user": {"id": principal_id, "displayName": principal_id}}


def _site_user(tenant: Tenant, site_id: str, user_id: str) -> dict[str, Any]:
    """sharePointIdentity of a user: site-scoped id and the claims login name (facts §2.2, §2.6)."""
    user = tenant.users[user_id]
    site = tenant.site(site_id)
    return {"id": str(tenant.site_user_id(site, user_id)), "displayName": user.display_name,
            "loginName": f"i:0#.f|membership|{user.user_principal_name.lower()}"}


def _user_identity(tenant: Tenant, site_id: str, user_id: str) -> dict[str, Any]:
    return {**identity_set(tenant, user_id), "siteUser": _site_user(tenant, site_id, user_id)}


# ---------------------------------------------------------------------- drive
def drive_json(tenant: Tenant, drive: Drive) -> dict[str, Any]:
    """A document library as a drive (facts §3.2)."""
    site = tenant.site(drive.site_id)
    root = drive.items[drive.root_id]
    return {
        "id": drive.id,
        "name": drive.name,
        "description": drive.description,
        "driveType": DRIVE_TYPE,
        "createdDateTime": iso(drive.created),
        "lastModifiedDateTime": iso(root.modified),
        "webUrl": f"{site.web_url}/{quote(drive.name)}",
        "createdBy": {"user": {"displayName": "System Account"}},
    }


# ---------------------------------------------------------------------- driveItem
def shared_facet(tenant: Tenant, item: Item, *, hierarchical: bool) -> dict[str, Any] | None:
    """The ``shared`` facet, or None when the item has none (facts §1.4, §2.3).

    Under ``Prefer: hierarchicalsharing`` only permission-hierarchy roots carry it: ``{"scope": …}``
    when the root grants beyond the site groups, ``{}`` otherwise (the drive root always has one).
    Without it, every item whose effective grants go beyond the site groups carries it.
    """
    if hierarchical:
        if item.grants is None:
            return None
        scope = _shared_scope(item.grants)
        return {"scope": scope} if scope else {}
    scope = _shared_scope(tenant.effective_grants(item))
    return {"scope": scope} if scope else None


def _shared_scope(grants: list[Grant]) -> str | None:
    scopes = {"users" if g.link_scope == "existingAccess" else g.link_scope or "users"
              for g in grants if g.site_group_id is None}
    return next((s for s in _SHARED_SCOPES if s in scopes), None)


def drive_item(tenant: Tenant, item: Item, *, in_delta: bool = False, hierarchical: bool = False,
               expand: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A live driveItem; ``in_delta`` drops ``parentReference.path`` (facts §1.2)."""
    drive = tenant.drive(item.drive_id)
    body: dict[str, Any] = {
        "id": item.id,
        "name": item.name,
        "eTag": item.etag,
        "cTag": item.ctag,
        "size": 0 if item.is_folder else item.size,
        "createdDateTime": iso(item.created),
        "lastModifiedDateTime": iso(item.modified),
        "webUrl": _web_url(tenant, drive, item),
        "createdBy": identity_set(tenant, item.created_by),
        "lastModifiedBy": identity_set(tenant, item.modified_by),
        "parentReference": _parent_reference(tenant, drive, item, with_path=not in_delta),
        "fileSystemInfo": {"createdDateTime": iso(item.created), "lastModifiedDateTime": iso(item.modified)},
    }
    if item.is_folder:
        body["folder"] = {"childCount": len(item.children or ())}
    else:
        body["file"] = {"mimeType": item.mime_type or "application/octet-stream"}
    if item.parent_id is None:
        body["root"] = {}
    shared = shared_facet(tenant, item, hierarchical=hierarchical)
    if shared is not None:
        body["shared"] = shared
    for name, options in (expand or {}).items():
        if name == "listItem":
            fields = options["expand"].get("fields")
            body["listItem"] = list_item(tenant, item, fields_select=fields["select"] if fields else None,
                                         with_fields=fields is not None)
        elif name == "retentionLabel":
            applied = tenant.effective_label(item)
            if applied is not None:
                body["retentionLabel"] = retention_label(tenant, applied)
    return body


def tombstone(tenant: Tenant, item: Item) -> dict[str, Any]:
    """A deleted item as delta reports it: no name, no cTag (facts §1.2, §1.3, §10.4)."""
    return {
        "id": item.id,
        "deleted": {"state": "deleted"},
        "folder" if item.is_folder else "file": {},
        "parentReference": {"driveId": item.drive_id, "driveType": DRIVE_TYPE},
    }


def _parent_reference(tenant: Tenant, drive: Drive, item: Item, *, with_path: bool) -> dict[str, Any]:
    ref: dict[str, Any] = {"driveId": drive.id, "driveType": DRIVE_TYPE}
    if item.parent_id is not None:
        ref["id"] = item.parent_id
    ref["siteId"] = drive.site_id
    if with_path and item.parent_id is not None:
        parent_path = tenant.path_of(drive.items[item.parent_id])
        ref["path"] = f"/drives/{drive.id}/root:" + ("" if parent_path == "/" else parent_path)
    return ref


def _web_url(tenant: Tenant, drive: Drive, item: Item) -> str:
    base = f"{tenant.site(drive.site_id).web_url}/{quote(drive.name)}"
    return base if item.parent_id is None else base + quote(tenant.path_of(item))


# ---------------------------------------------------------------------- listItem
def list_item(tenant: Tenant, item: Item, *, with_fields: bool, fields_select: set[str] | None = None) -> dict[str, Any]:
    """The driveItem's list item; ``fields`` only when expanded (facts §3.3, §3.4)."""
    drive = tenant.drive(item.drive_id)
    etag = f'"{item.guid},{item.version}"'
    body: dict[str, Any] = {
        "@odata.etag": etag,
        "id": list_item_id(item),
        "eTag": etag,
        "createdDateTime": iso(item.created),
        "lastModifiedDateTime": iso(item.modified),
        "webUrl": _web_url(tenant, drive, item),
        "createdBy": identity_set(tenant, item.created_by),
        "lastModifiedBy": identity_set(tenant, item.modified_by),
        "parentReference": {"id": drive.list_id, "siteId": drive.site_id},
        "contentType": {"id": "0x0120" if item.is_folder else "0x0101",
                        "name": "Folder" if item.is_folder else "Document"},
    }
    if with_fields:
        body["fields"] = _fields(tenant, drive, item, etag, fields_select)
    return body


def list_item_id(item: Item) -> str:
    """A stable integer-as-string id (facts §3.3) derived from the item's GUID (the model keeps none)."""
    return str(int(item.guid.replace("-", "")[:12], 16) % 9_000_000_000_000 + 1)


def _fields(tenant: Tenant, drive: Drive, item: Item, etag: str, selected: set[str] | None) -> dict[str, Any]:
    """Custom columns rendered by type (date-only columns as site-zone midnight, facts §3.3) plus the
    system columns SharePoint adds, incl. ``_ComplianceTag`` for labelled items."""
    renderer = FieldRenderer(tenant, tenant.site(drive.site_id), tenant.lists[drive.list_id])
    system: dict[str, Any] = {
        "@odata.etag": etag,
        "id": list_item_id(item),
        "ContentType": "Folder" if item.is_folder else "Document",
        "FileLeafRef": item.name,
        "Created": iso(item.created),
        "Modified": iso(item.modified),
        "AuthorLookupId": str(renderer.lookup_id(item.created_by)),
        "EditorLookupId": str(renderer.lookup_id(item.modified_by)),
        "_UIVersionString": f"{item.version}.0",
    }
    label = tenant.effective_label(item)
    if label is not None:
        system["_ComplianceTag"] = label.name
        system["_ComplianceTagWrittenTime"] = iso(label.applied_at)
    return renderer.render(item.fields or {}, system, sorted(selected) if selected is not None else None)


# ---------------------------------------------------------------------- permission
def permission(tenant: Tenant, item: Item, grant: Grant, *, inherited: bool = False) -> dict[str, Any]:
    """One permission as SharePoint returns it, in the grant's wire shape (facts §2.2, §2.3, §2.6).

    No ``inheritedFrom`` unless the tenant's quirk sends ``{}`` on ``inherited`` entries (facts §2.3).
    """
    drive = tenant.drive(item.drive_id)
    body: dict[str, Any] = {"id": grant.id, "roles": list(grant.roles)}
    many, one = ("grantedToIdentities", "grantedTo") if grant.shape == "deprecated" else \
        ("grantedToIdentitiesV2", "grantedToV2")
    if grant.is_link:
        web_url = _link_url(tenant, drive, item, grant)
        link: dict[str, Any] = {"scope": grant.link_scope, "type": grant.link_type, "webUrl": web_url,
                                "preventsDownload": grant.prevents_download}
        if grant.shape == "noScope":
            del link["scope"]
        body["link"] = link
        body["shareId"] = "u!" + base64.urlsafe_b64encode(web_url.encode()).decode().rstrip("=")
        if grant.link_recipients:
            body[many] = [_person(tenant, drive.site_id, u, grant.shape) for u in grant.link_recipients]
        if grant.has_password:
            body["hasPassword"] = True
    elif grant.invitation is not None:
        body["invitation"] = {"email": grant.invitation, "signInRequired": True}
    elif grant.claim is not None:
        name, login = CLAIMS[grant.claim]
        suffix = tenant.tenant_id if login.endswith("/") else ""
        body[one] = {"siteUser": {"id": str(tenant.site_user_id(tenant.site(drive.site_id), grant.claim)),
                                  "displayName": name, "loginName": login + suffix}}
    elif grant.application is not None:
        body[one] = {"application": {"id": grant.application[0], "displayName": grant.application[1]}}
    elif grant.site_group_id is not None:
        site_group = tenant.site(drive.site_id).site_groups.get(grant.site_group_id)
        name = site_group.display_name if site_group else grant.site_group_id
        body[one] = {"siteGroup": {"id": grant.site_group_id, "displayName": name, "loginName": name}}
    elif grant.user_id is not None:
        body[one] = _person(tenant, drive.site_id, grant.user_id, grant.shape)
    elif grant.group_id is not None:
        group = tenant.group(grant.group_id)
        body[one] = {"group": {"id": group.id, "displayName": group.display_name, "email": group.mail}}
    if grant.expires is not None:
        body["expirationDateTime"] = iso(grant.expires)
    if inherited and tenant.quirks.inherited_from_empty:
        body["inheritedFrom"] = {}
    return body


def _person(tenant: Tenant, site_id: str, user_id: str, shape: str) -> dict[str, Any]:
    """A user as one identity set: user + siteUser (v2), the siteUser claim only, or the deprecated user only."""
    if shape == "siteUserOnly":
        return {"siteUser": _site_user(tenant, site_id, user_id)}
    if shape == "deprecated":
        return identity_set(tenant, user_id)
    return _user_identity(tenant, site_id, user_id)


_LINK_KINDS = {".docx": "w", ".doc": "w", ".xlsx": "x", ".xls": "x", ".pptx": "p", ".ppt": "p", ".pdf": "b"}


def _link_url(tenant: Tenant, drive: Drive, item: Item, grant: Grant) -> str:
    """A SharePoint-style sharing URL ``https://host/:w:/s/site/E…`` (facts §2.6)."""
    site = tenant.site(drive.site_id)
    kind = "f" if item.is_folder else _LINK_KINDS.get(item.name[item.name.rfind("."):].lower(), "u")
    token = base64.urlsafe_b64encode(hashlib.blake2b(grant.id.encode(), digest_size=16).digest()).decode()
    return f"https://{site.hostname}/:{kind}:/s/{site.name}/E{token.rstrip('=')}"


# ---------------------------------------------------------------------- retention label
def retention_label(tenant: Tenant, applied: AppliedLabel) -> dict[str, Any]:
    """itemRetentionLabel (facts §4.1, §4.2) with settings derived from the label definition."""
    return {
        "name": applied.name,
        "retentionSettings": retention_settings(tenant.labels[applied.name], applied),
        "isLabelAppliedExplicitly": applied.explicit,
        "labelAppliedDateTime": iso(applied.applied_at),
        "labelAppliedBy": identity_set(tenant, applied.applied_by),
    }


def retention_settings(definition: RetentionLabelDef, applied: AppliedLabel) -> dict[str, Any]:
    """What the label allows. Records block label changes; locked or regulatory records block edits.

    Only ``isDeleteAllowed`` follows from the facts (§4.1); the other flags are the sandbox's reading
    of Purview's record semantics (listed in docs/sandbox-endpoints-drives.md).
    """
    regulatory = definition.behavior == "retainAsRegulatoryRecord"
    frozen = regulatory or (definition.is_record and applied.record_locked)
    return {
        "behaviorDuringRetentionPeriod": definition.behavior,
        "isDeleteAllowed": not definition.blocks_delete,
        "isRecordLocked": applied.record_locked,
        "isMetadataUpdateAllowed": not frozen,
        "isContentUpdateAllowed": not frozen,
        "isLabelUpdateAllowed": not definition.is_record,
    }

