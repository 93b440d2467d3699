"""Item permissions: list (effective), get one, delete one. 5 RU each (facts §7.1).

Sources: list with ``$select`` and ``if-none-match`` §2.1, fields §2.2/§2.6, inherited vs unique §2.3,
delete with optional ``If-Match`` §2.4 (under Sites.Selected it needs ``fullcontrol``: http/access.py).
SharePoint omits ``inheritedFrom``, so inherited entries look like direct ones; deleting one on an
inheriting item is refused (403, see ``Tenant.remove_grant``).
"""

from __future__ import annotations

from m365_compliance.sandbox.http.access import REMOVE_PERMISSION
from m365_compliance.sandbox.http.odata import project
from m365_compliance.sandbox.http.resources.addressing import (
    ITEM,
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
from m365_compliance.sandbox.http.serialize import permission
from m365_compliance.sandbox.model import Item
from m365_compliance.sandbox.tenant import not_found

PERMISSION_COST = 5


@ROUTES.add("GET", ITEM + r"/permissions", name="GET /drives/{id}/items/{id}/permissions", cost=PERMISSION_COST)
def list_permissions(request: GraphRequest) -> GraphResponse:
    item = item_of(request)
    if _not_modified(request, item):
        return GraphResponse(304)
    tenant = request.tenant
    select = request.select()
    return ok({
        "@odata.context": f"{request.base_url}/$metadata#drives('{item.drive_id}')/items('{item.id}')/permissions",
        "value": [project(permission(tenant, item, g, inherited=item.grants is None), select)
                  for g in tenant.effective_grants(item)],
    })


def _not_modified(request: GraphRequest, item: Item) -> bool:
    """304 when ``if-none-match`` holds the item's current eTag/cTag and no permission on the item or
    its ancestors changed after that tag was minted (permission changes keep the eTag, so a bare tag
    comparison would hide them; facts §2.1 documents only the tag comparison)."""
    tag = request.headers.get("if-none-match")
    if tag is None or tag.strip() not in (item.etag, item.ctag):
        return False
    sharing = max([item.sharing_seq, *(a.sharing_seq for a in request.tenant.ancestors(item))])
    return sharing < item.seq


@ROUTES.add("GET", ITEM + r"/permissions/(?P<perm>[^/]+)", name="GET /drives/{id}/items/{id}/permissions/{id}",
            cost=PERMISSION_COST)
def get_permission(request: GraphRequest) -> GraphResponse:
    item = item_of(request)
    wanted = request.params["perm"]
    grant = next((g for g in request.tenant.effective_grants(item) if g.id == wanted), None)
    if grant is None:
        raise not_found(wanted)
    return ok(project(permission(request.tenant, item, grant, inherited=item.grants is None), request.select()))


@ROUTES.add("DELETE", ITEM + r"/permissions/(?P<perm>[^/]+)", name="DELETE /drives/{id}/items/{id}/permissions/{id}",
            cost=PERMISSION_COST)
def delete_permission(request: GraphRequest) -> GraphResponse:
    item = item_of(request, REMOVE_PERMISSION)
    require_tag_match(request, item)
    request.tenant.remove_grant(item, request.params["perm"])
    return no_content()
