"""Sites.Selected grants over Graph: ``/sites/{site-id}/permissions`` (create, list, get, update, delete).

Sources: docs-contrib ``site-post-permissions.md`` (body: ``roles`` and ``grantedToIdentities`` with
one ``application``; 201 with the permission; application permissions only), ``site-list-permissions.md``,
``site-get-permission.md``, ``site-update-permission.md`` (``{"roles": [...]}``, 200),
``site-delete-permission.md`` (204). Every one needs app-only Sites.FullControl.All: a Sites.Selected
``fullcontrol`` grant does not list a site's permissions (msgraph-sdk-dotnet #1591). Roles: read, write,
manage, fullcontrol (sp-dev-docs ``understanding-rsc-for-msgraph-and-sharepoint-online.md``).
RU: 5, as every permission operation (facts §7.1).
"""

from __future__ import annotations

import re
from typing import Any

from m365_compliance.sandbox.http import access
from m365_compliance.sandbox.http.resources.addressing import SITE, find_site
from m365_compliance.sandbox.http.routing import ROUTES, GraphRequest, GraphResponse, no_content, ok
from m365_compliance.sandbox.model import Site, SiteAppGrant
from m365_compliance.sandbox.tenant import SandboxError

COST = 5
PERMISSIONS = f"/sites/{SITE}/permissions"
ONE = PERMISSIONS + r"/(?P<perm>[^/]+)"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DEPRECATED = "GrantedToIdentities has been deprecated. Refer to GrantedToIdentitiesV2"


def grant_json(grant: SiteAppGrant) -> dict[str, Any]:
    """A site permission as the docs' responses show it: both identity lists, the deprecation note."""
    identities = [{"application": {"id": grant.app_id, "displayName": grant.display_name}}]
    return {"id": grant.id, "@deprecated.GrantedToIdentities": DEPRECATED, "roles": list(grant.roles),
            "grantedToIdentities": identities, "grantedToIdentitiesV2": identities}


def _site(request: GraphRequest) -> Site:
    """The addressed site (404), then the caller's right to manage its grants (403)."""
    site = find_site(request)
    access.require_site(request, site.id, access.MANAGE_SITE_GRANTS)
    return site


def _invalid(message: str) -> SandboxError:
    return SandboxError(400, "invalidRequest", message)


def _application(body: dict[str, Any]) -> tuple[str, str | None]:
    """The one application a create names, from ``grantedToIdentitiesV2`` or ``grantedToIdentities``."""
    identities = body.get("grantedToIdentitiesV2", body.get("grantedToIdentities"))
    if not isinstance(identities, list) or len(identities) != 1 or not isinstance(identities[0], dict):
        raise _invalid("'grantedToIdentities' must hold exactly one identity with an 'application'.")
    application = identities[0].get("application")
    if not isinstance(application, dict):
        raise _invalid("Only an application permission can be created on a site, not a user one.")
    app_id, name = application.get("id"), application.get("displayName")
    if not isinstance(app_id, str) or not _GUID.match(app_id.strip()):
        raise _invalid("'application.id' must be the application's client id, a GUID.")
    return app_id.strip().lower(), name if isinstance(name, str) and name else None


def _roles(body: Any) -> list[Any]:
    roles = body.get("roles") if isinstance(body, dict) else None
    if not isinstance(roles, list):
        raise _invalid("'roles' must be a list, e.g. [\"read\"].")
    return roles


@ROUTES.add("POST", PERMISSIONS, name="POST /sites/{site-id}/permissions", cost=COST)
def create(request: GraphRequest) -> GraphResponse:
    site = _site(request)
    body = request.json()
    if not isinstance(body, dict):
        raise _invalid("The request body must be a permission object.")
    roles = _roles(body)
    app_id, name = _application(body)
    grant = request.tenant.grant_site(site, app_id, roles, display_name=name)
    context = f"{request.base_url}/$metadata#sites('{site.id}')/permissions/$entity"
    return ok({"@odata.context": context, **grant_json(grant)}, status=201)


@ROUTES.add("GET", PERMISSIONS, name="GET /sites/{site-id}/permissions", cost=COST)
def list_grants(request: GraphRequest) -> GraphResponse:
    site = _site(request)
    return ok({"@odata.context": f"{request.base_url}/$metadata#sites('{site.id}')/permissions",
               "value": [grant_json(g) for g in request.tenant.site_grants(site)]})


@ROUTES.add("GET", ONE, name="GET /sites/{site-id}/permissions/{id}", cost=COST)
def get_grant(request: GraphRequest) -> GraphResponse:
    site = _site(request)
    return ok(grant_json(request.tenant.site_grant(site, request.params["perm"])))


@ROUTES.add("PATCH", ONE, name="PATCH /sites/{site-id}/permissions/{id}", cost=COST)
def update_grant(request: GraphRequest) -> GraphResponse:
    site = _site(request)
    grant = request.tenant.update_site_grant(site, request.params["perm"], _roles(request.json()))
    return ok(grant_json(grant))


@ROUTES.add("DELETE", ONE, name="DELETE /sites/{site-id}/permissions/{id}", cost=COST)
def delete_grant(request: GraphRequest) -> GraphResponse:
    site = _site(request)
    request.tenant.revoke_site_grant(site, request.params["perm"])
    return no_content()
