"""Operator changes to files and folders: ``/_sandbox/items/{drive-id}/{item-id}/…``.

Each endpoint is one :class:`~m365_compliance.sandbox.tenant.Tenant` method, so a change made over
HTTP is logged for delta exactly as the same change made in Python (sharing changes break
inheritance first, as SharePoint does). ``{item-id}`` may be ``root``; people may be given by id, UPN
or mail. Answers are compact summaries for the caller's bookkeeping, not Graph resources.
"""

from __future__ import annotations

from typing import Any

from m365_compliance.sandbox.http.control import CONTROL, bad, body_of, field, instant
from m365_compliance.sandbox.http.routing import (
    GraphRequest,
    GraphResponse,
    iso,
    no_content,
    ok,
)
from m365_compliance.sandbox.model import Grant, Item
from m365_compliance.sandbox.tenant import Tenant

ITEM = r"/_sandbox/items/(?P<drive>[^/]+)/(?P<item>[^/]+)"


def _item(request: GraphRequest) -> Item:
    return request.tenant.item(request.params["drive"], request.params["item"])


def _user_id(tenant: Tenant, who: str | None) -> str | None:
    return tenant.user(who).id if who is not None else None


def item_summary(tenant: Tenant, item: Item) -> dict[str, Any]:
    return {"id": item.id, "name": item.name, "driveId": item.drive_id, "parentId": item.parent_id,
            "folder": item.is_folder, "path": tenant.path_of(item), "eTag": item.etag, "cTag": item.ctag}


def grant_summary(grant: Grant) -> dict[str, Any]:
    summary: dict[str, Any] = {"id": grant.id, "roles": list(grant.roles)}
    for key, value in (("userId", grant.user_id), ("groupId", grant.group_id), ("siteGroupId", grant.site_group_id)):
        if value is not None:
            summary[key] = value
    if grant.is_link:
        summary["link"] = {"scope": grant.link_scope, "type": grant.link_type,
                           "recipients": list(grant.link_recipients)}
    if grant.expires is not None:
        summary["expires"] = iso(grant.expires)
    return summary


@CONTROL.add("POST", ITEM + r"/links", name="add link")
def add_link(request: GraphRequest) -> GraphResponse:
    """``{"scope": "anonymous|organization|users|existingAccess", "type": "view|edit", "recipients": [..],
    "expires": iso}``"""
    body = body_of(request)
    tenant = request.tenant
    recipients = [_user_id(tenant, str(r)) for r in field(body, "recipients", list, default=[])]
    grant = tenant.add_link(_item(request), field(body, "scope", str), field(body, "type", str, default="view"),
                            recipients=[r for r in recipients if r], expires=instant(body, "expires"))
    return ok(grant_summary(grant), status=201)


@CONTROL.add("POST", ITEM + r"/grants", name="add grant")
def add_grant(request: GraphRequest) -> GraphResponse:
    """``{"roles": ["read"], "userId"|"groupId"|"siteGroupId": "…", "expires": iso}``"""
    body = body_of(request)
    tenant = request.tenant
    roles = field(body, "roles", list)
    if not roles:
        raise bad("'roles' must name at least one role (read, write, owner).")
    grant = tenant.grant(_item(request), [str(r) for r in roles],
                         user_id=_user_id(tenant, field(body, "userId", str, default=None)),
                         group_id=field(body, "groupId", str, default=None),
                         site_group_id=field(body, "siteGroupId", str, default=None),
                         expires=instant(body, "expires"))
    return ok(grant_summary(grant), status=201)


@CONTROL.add("DELETE", ITEM + r"/grants/(?P<grant>[^/]+)", name="remove grant")
def remove_grant(request: GraphRequest) -> GraphResponse:
    request.tenant.remove_grant(_item(request), request.params["grant"])
    return no_content()


@CONTROL.add("POST", ITEM + r"/children", name="add item")
def add_child(request: GraphRequest) -> GraphResponse:
    """``{"name": "cv.pdf", "folder": false, "size": 1024, "createdBy": "…", "created": iso,
    "modified": iso, "mimeType": "…", "fields": {…}}`` under the folder ``{item-id}``."""
    body = body_of(request)
    tenant = request.tenant
    parent = _item(request)
    drive = tenant.drive(parent.drive_id)
    name = field(body, "name", str)
    created_by = _user_id(tenant, field(body, "createdBy", str, default=None))
    fields = field(body, "fields", dict, default=None)
    if field(body, "folder", bool, default=False):
        item = tenant.add_folder(drive, parent, name, created=instant(body, "created"), created_by=created_by,
                                 fields=fields)
    else:
        item = tenant.add_file(drive, parent, name, size=field(body, "size", int, default=1024),
                               created=instant(body, "created"), modified=instant(body, "modified"),
                               created_by=created_by, mime_type=field(body, "mimeType", str, default=None),
                               fields=fields)
    return ok(item_summary(tenant, item), status=201)


@CONTROL.add("POST", ITEM + r"/touch", name="touch")
def touch(request: GraphRequest) -> GraphResponse:
    """A content change: ``{"by": user, "size": n}`` (both optional)."""
    body = body_of(request)
    tenant = request.tenant
    item = tenant.touch(_item(request), by=_user_id(tenant, field(body, "by", str, default=None)),
                        size=field(body, "size", int, default=None))
    return ok(item_summary(tenant, item))


@CONTROL.add("POST", ITEM + r"/rename", name="rename")
def rename(request: GraphRequest) -> GraphResponse:
    item = request.tenant.rename(_item(request), field(body_of(request), "name", str))
    return ok(item_summary(request.tenant, item))


@CONTROL.add("POST", ITEM + r"/move", name="move")
def move(request: GraphRequest) -> GraphResponse:
    """``{"parentId": "<folder id in the same drive>"}``"""
    tenant = request.tenant
    new_parent = tenant.item(request.params["drive"], field(body_of(request), "parentId", str))
    return ok(item_summary(tenant, tenant.move(_item(request), new_parent)))


@CONTROL.add("PATCH", ITEM + r"/fields", name="set fields")
def set_fields(request: GraphRequest) -> GraphResponse:
    """Merge list-item column values (a metadata change: new eTag, same cTag)."""
    body = body_of(request)
    if not body:
        raise bad("Send the column values to set, e.g. {\"ComplianceAssetId\": \"4815\"}.")
    item = request.tenant.set_fields(_item(request), body)
    return ok({**item_summary(request.tenant, item), "fields": item.fields})


@CONTROL.add("DELETE", ITEM, name="delete item")
def delete(request: GraphRequest) -> GraphResponse:
    """To the recycle bin (answers its entry id), or ``?permanent=true``; retention still blocks (403)."""
    permanent = request.query.get("permanent", "false").lower() == "true"
    entry = request.tenant.delete_item(_item(request), permanent=permanent)
    return no_content() if entry is None else ok({"recycleBinEntryId": entry.id})
