"""Drives and driveItems: get, children (paged), list item, update (rename), delete and permanent delete.

Sources: drive §3.2, driveItem + ``$expand=listItem(...)`` §3.4, deletion with ``If-Match`` §5,
retention-blocked deletes §4.1, RU costs §7.1 (get 1, children 2, delete 2).
"""

from __future__ import annotations

from typing import Any

from m365_compliance.sandbox.http.access import WRITE_FILES
from m365_compliance.sandbox.http.download import download_url
from m365_compliance.sandbox.http.odata import parse_expand, project
from m365_compliance.sandbox.http.paging import collection
from m365_compliance.sandbox.http.resources.addressing import (
    DRIVE,
    ITEM,
    drive_of,
    item_of,
    require_tag_match,
)
from m365_compliance.sandbox.http.routing import (
    ROUTES,
    GraphRequest,
    GraphResponse,
    no_content,
    ok,
)
from m365_compliance.sandbox.http.serialize import drive_item, drive_json, list_item
from m365_compliance.sandbox.model import Item
from m365_compliance.sandbox.tenant import SandboxError

DOWNLOAD_URL = "@microsoft.graph.downloadUrl"


def item_view(request: GraphRequest, item: Item, *, in_delta: bool = False, hierarchical: bool = False) -> dict[str, Any]:
    """A live driveItem with the request's ``$expand`` and ``$select`` applied."""
    expand = parse_expand(request.query.get("expand"))
    body = drive_item(request.tenant, item, in_delta=in_delta, hierarchical=hierarchical, expand=expand)
    return project(body, request.select(), set(expand))


@ROUTES.add("GET", DRIVE, name="GET /drives/{id}", cost=1)
def get_drive(request: GraphRequest) -> GraphResponse:
    drive = drive_of(request)
    return ok(project(drive_json(request.tenant, drive), request.select()))


@ROUTES.add("GET", ITEM, name="GET /drives/{id}/items/{id}", cost=1)
def get_item(request: GraphRequest) -> GraphResponse:
    """A file also carries ``@microsoft.graph.downloadUrl`` unless ``$select`` leaves it out
    (``driveitem-get-content.md``: ``?select=id,@microsoft.graph.downloadUrl``)."""
    item = item_of(request)
    body = item_view(request, item)
    select = request.select()
    if not item.is_folder and (select is None or DOWNLOAD_URL.lower() in {s.lower() for s in select}):
        body[DOWNLOAD_URL] = download_url(request, item)
    return ok(body)


@ROUTES.add("GET", ITEM + r"/listItem", name="GET /drives/{id}/items/{id}/listItem", cost=1)
def get_list_item(request: GraphRequest) -> GraphResponse:
    """The item's list item (facts §3.4 direct builder); ``$expand=fields(select=…)`` adds the columns."""
    item = item_of(request)
    fields = parse_expand(request.query.get("expand")).get("fields")
    body = list_item(request.tenant, item, with_fields=fields is not None,
                     fields_select=fields["select"] if fields else None)
    return ok(project(body, request.select(), {"fields"}))


@ROUTES.add("GET", ITEM + r"/children", name="GET /drives/{id}/items/{id}/children", cost=2)
def list_children(request: GraphRequest) -> GraphResponse:
    """A folder's children, paged by offset: as facts §1.2 warns, paging children while the folder
    changes can skip or repeat items (only delta is guaranteed to see everything)."""
    folder = item_of(request)
    tenant = request.tenant
    drive = tenant.drive(folder.drive_id)
    expand = parse_expand(request.query.get("expand"))
    children = [drive.items[i] for i in folder.children or ()]
    return collection(request, children, lambda child: drive_item(tenant, child, expand=expand),
                      context=f"drives('{drive.id}')/items('{folder.id}')/children", expanded=set(expand))


@ROUTES.add("PATCH", ITEM, name="PATCH /drives/{id}/items/{id}", cost=2)
def update_item(request: GraphRequest) -> GraphResponse:
    """driveitem-update.md: write access first, then ``If-Match`` (stale → 412), then the change. The
    sandbox changes ``name`` only; other properties are refused rather than silently dropped."""
    item = item_of(request, WRITE_FILES)
    require_tag_match(request, item)
    body = request.json()
    if not isinstance(body, dict):
        raise SandboxError(400, "BadRequest", "The request body must be a JSON object.")
    unsupported = sorted(k for k in body if k not in ("name", "@odata.type"))
    if unsupported:
        raise SandboxError(400, "invalidRequest", f"The sandbox does not update {', '.join(unsupported)}.")
    name = body.get("name")
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise SandboxError(400, "invalidRequest", "The name is not valid.")
        request.tenant.rename(item, name)
    return ok(item_view(request, item))


@ROUTES.add("DELETE", ITEM, name="DELETE /drives/{id}/items/{id}", cost=2)
def delete_item(request: GraphRequest) -> GraphResponse:
    """To the recycle bin; stale ``If-Match`` → 412, retention-blocked → 403 ``accessDenied``."""
    item = item_of(request, WRITE_FILES)
    require_tag_match(request, item)
    request.tenant.delete_item(item)
    return no_content()


@ROUTES.add("POST", ITEM + r"/permanentDelete", name="POST /drives/{id}/items/{id}/permanentDelete", cost=2)
def permanent_delete(request: GraphRequest) -> GraphResponse:
    """Deleted without a recycle-bin entry. ``If-Match`` is honoured like DELETE ([UNVERIFIED], facts §5)."""
    item = item_of(request, WRITE_FILES)
    require_tag_match(request, item)
    request.tenant.delete_item(item, permanent=True)
    return no_content()
