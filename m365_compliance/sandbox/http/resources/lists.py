"""SharePoint lists, their columns and items: facts §3.3; Graph docs ``list-list``, ``list-get``,
``list-list-columns``, ``listitem-list``, ``listitem-get``, ``resources/fieldvalueset``.

``expand`` and ``$expand`` are the same option (the SDK sends ``$expand``, the docs write ``expand``);
``fields(select=A,B)`` arrives URL-decoded. How column values are rendered is in
:mod:`m365_compliance.sandbox.http.list_fields`. Costs (facts §7.1): collections 2 RU, one list or
item 1 RU. All calls need a Sites.* read permission (facts §9) and an allowed site.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import quote

from m365_compliance.sandbox.http.filters import eq_filter
from m365_compliance.sandbox.http.list_fields import FieldRenderer
from m365_compliance.sandbox.http.odata import project
from m365_compliance.sandbox.http.paging import collection
from m365_compliance.sandbox.http.resources.addressing import resolve_site
from m365_compliance.sandbox.http.resources.sites import SITE
from m365_compliance.sandbox.http.routing import (
    ROUTES,
    GraphRequest,
    GraphResponse,
    iso,
    ok,
)
from m365_compliance.sandbox.http.serialize import identity_set
from m365_compliance.sandbox.model import Column, ListItem, Site, SpList
from m365_compliance.sandbox.tenant import SandboxError, not_found

LIST = f"/sites/{SITE}" + r"/lists/(?P<list>[^/]+)"
_FIELDS_EXPAND = re.compile(r"^\s*fields\s*(?:\(\s*\$?select\s*=\s*(?P<select>[^)]*)\))?\s*$", re.IGNORECASE)
_CONTENT_TYPE_ITEM = {"id": "0x01", "name": "Item"}

#: Column type → Graph ``columnDefinition`` type facet (resources/columndefinition).
_FACETS: dict[str, dict[str, Any]] = {
    "text": {"text": {"allowMultipleLines": False, "maxLength": 255}},
    "number": {"number": {}},
    "boolean": {"boolean": {}},
    "choice": {"choice": {"allowTextEntry": False, "choices": [], "displayAs": "dropDownMenu"}},
    "date": {"dateTime": {"displayAs": "default", "format": "dateOnly"}},
    "dateTime": {"dateTime": {"displayAs": "default", "format": "dateTime"}},
    "person": {"personOrGroup": {"allowMultipleSelection": False, "chooseFromType": "peopleOnly",
                                 "displayAs": "nameWithPresence"}},
    "personMulti": {"personOrGroup": {"allowMultipleSelection": True, "chooseFromType": "peopleOnly",
                                      "displayAs": "nameWithPresence"}},
}


def resolve_list(request: GraphRequest) -> tuple[Site, SpList]:
    site = resolve_site(request)
    return site, request.tenant.list_by_name(site, request.params["list"])


def _list_url(site: Site, lst: SpList) -> str:
    prefix = "" if lst.template == "documentLibrary" else "Lists/"
    return f"{site.web_url}/{prefix}{quote(lst.name)}"


def list_json(site: Site, lst: SpList) -> dict[str, Any]:
    created = iso(lst.created or site.created)
    return {
        "id": lst.id,
        "name": lst.name,
        "displayName": lst.display_name,
        "description": "",
        "webUrl": _list_url(site, lst),
        "createdDateTime": created,
        "lastModifiedDateTime": created,
        "list": {"template": lst.template, "hidden": False, "contentTypesEnabled": False},
        "parentReference": {"siteId": site.id},
    }


def column_json(lst: SpList, column: Column) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{lst.id}/{column.name}")),
        "name": column.name,
        "displayName": column.display_name,
        "columnGroup": "Custom Columns",
        "description": "",
        "hidden": False,
        "readOnly": False,
        "required": False,
        **_FACETS.get(column.type, {}),
    }


def _fields_expand(request: GraphRequest) -> tuple[bool, list[str] | None]:
    """(expand fields?, the ``fields(select=…)`` names or None)."""
    raw = request.query.get("expand")
    if raw is None:
        return False, None
    found = _FIELDS_EXPAND.match(raw)
    if found is None:
        raise SandboxError(400, "invalidRequest", f"Unsupported $expand '{raw}': the sandbox expands only "
                                                  "'fields' and 'fields(select=…)' on list items.")
    names = [n.strip() for n in (found["select"] or "").split(",") if n.strip()]
    return True, names or None


class _ItemRenderer:
    """listItem JSON for one list (facts §3.3: integer ids as strings, eTag ``"{guid},version"``)."""

    def __init__(self, request: GraphRequest, site: Site, lst: SpList) -> None:
        self.tenant = request.tenant
        self.site = site
        self.lst = lst
        self.expand, self.selected = _fields_expand(request)
        self.fields = FieldRenderer(request.tenant, site, lst)

    def __call__(self, item: ListItem) -> dict[str, Any]:
        guid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.lst.id}/items/{item.id}"))
        etag = f'"{guid},{item.version}"'
        by = identity_set(self.tenant, item.created_by)
        body: dict[str, Any] = {
            "@odata.etag": etag,
            "id": str(item.id),
            "eTag": etag,
            "createdDateTime": iso(item.created),
            "lastModifiedDateTime": iso(item.modified),
            "webUrl": f"{_list_url(self.site, self.lst)}/DispForm.aspx?ID={item.id}",
            "createdBy": by,
            "lastModifiedBy": by,
            "parentReference": {"id": self.lst.id, "siteId": self.site.id},
            "contentType": dict(_CONTENT_TYPE_ITEM),
        }
        if self.expand:
            author = str(self.fields.lookup_id(item.created_by))
            system = {"@odata.etag": etag, "id": str(item.id), "ContentType": "Item",
                      "Created": iso(item.created), "Modified": iso(item.modified), "AuthorLookupId": author,
                      "EditorLookupId": author, "_UIVersionString": f"{item.version}.0", "Attachments": False}
            body["fields"] = self.fields.render(item.fields, system, self.selected)
        return body


def _generic_list(request: GraphRequest) -> tuple[Site, SpList]:
    site, lst = resolve_list(request)
    if lst.template == "documentLibrary":
        raise SandboxError(501, "notImplemented", "The sandbox serves a document library's items as driveItems "
                                                  "(/drives/{drive-id}/…), not as list items.")
    for option in ("filter", "orderby", "search"):
        if option in request.query:
            raise SandboxError(400, "invalidRequest", f"The sandbox does not support ${option} on list items.")
    return site, lst


# ---------------------------------------------------------------------- routes
@ROUTES.add("GET", f"/sites/{SITE}/lists", name="GET /sites/{site-id}/lists", cost=2)
def list_lists(request: GraphRequest) -> GraphResponse:
    """All lists and libraries of a site; ``$filter=displayName eq '…'`` (case-insensitive)."""
    site = resolve_site(request)
    lists = [request.tenant.lists[list_id] for list_id in site.list_ids]
    wanted = eq_filter(request, ("displayName",), code="invalidRequest")
    if wanted is not None:
        lists = [lst for lst in lists if lst.display_name.lower() == wanted[1].lower()]
    return collection(request, lists, lambda lst: list_json(site, lst), context="lists")


@ROUTES.add("GET", LIST, name="GET /sites/{site-id}/lists/{list-id}", cost=1)
def get_list(request: GraphRequest) -> GraphResponse:
    site, lst = resolve_list(request)
    return ok(project(list_json(site, lst), request.select()))


@ROUTES.add("GET", LIST + "/columns", name="GET /sites/{site-id}/lists/{list-id}/columns", cost=2)
def list_columns(request: GraphRequest) -> GraphResponse:
    """The list's own (custom) columns with their type facet; system columns are not listed."""
    _site, lst = resolve_list(request)
    return collection(request, lst.columns, lambda c: column_json(lst, c), context="columns")


@ROUTES.add("GET", LIST + "/items", name="GET /sites/{site-id}/lists/{list-id}/items", cost=2)
def list_items(request: GraphRequest) -> GraphResponse:
    site, lst = _generic_list(request)
    render = _ItemRenderer(request, site, lst)
    items = [lst.items[key] for key in sorted(lst.items)]
    return collection(request, items, render, context="listItems", expanded=("fields",) if render.expand else ())


@ROUTES.add("GET", LIST + r"/items/(?P<item>[^/]+)", name="GET /sites/{site-id}/lists/{list-id}/items/{item-id}",
            cost=1)
def get_item(request: GraphRequest) -> GraphResponse:
    site, lst = _generic_list(request)
    key = request.params["item"]
    item = lst.items.get(int(key)) if key.isdigit() else None
    if item is None:
        raise not_found(key)
    render = _ItemRenderer(request, site, lst)
    return ok(project(render(item), request.select(), {"fields"} if render.expand else set()))
