"""Sites and their document libraries (drives): facts §3.1, §3.2; Graph docs ``site-get``,
``site-getbypath``, ``site-getallsites``, ``site-search``, ``drive-list``, ``drive-get``.

A site is addressed three ways, all resolved by ``addressing.resolve_site`` (``SITE`` is the path fragment):
its full id ``host,collectionGuid,webGuid``; ``root``; or by path ``host:/sites/name`` — the SDK sends
that percent-encoded (``host%3A%2Fsites%2Fname%3A``), the app decodes it before routing, and the
trailing ``:`` is optional on the site itself but required before a sub-resource (``…:/drives``).
Enumeration (getAllSites, search) lists denied sites too — a refused site must show up as a gap for
the caller, not vanish; reading one answers 403 (facts §9, DESIGN "gaps are findings").
"""

from __future__ import annotations

from typing import Any

from m365_compliance.sandbox.http import access
from m365_compliance.sandbox.http.odata import project
from m365_compliance.sandbox.http.paging import collection
from m365_compliance.sandbox.http.resources.addressing import resolve_site
from m365_compliance.sandbox.http.routing import (
    ROUTES,
    GraphRequest,
    GraphResponse,
    iso,
    ok,
)
from m365_compliance.sandbox.http.serialize import drive_json
from m365_compliance.sandbox.model import Site
from m365_compliance.sandbox.tenant import Tenant

#: ``{site}`` in a route: ``root`` | full id | ``host:/path:`` (trailing colon before a sub-resource).
SITE = r"(?P<site>root|[^/:,]+,[^/:,]+,[^/:,]+|[^/:,]+:/[^:]+:)"
_SITE_ITSELF = r"(?P<site>root|[^/:,]+,[^/:,]+,[^/:,]+|[^/:,]+:/[^:]+:?)"

#: Hidden system libraries carry the ``system`` facet and are listed only when ``$select`` names
#: ``system`` (facts §3.2). Which libraries are "system" is not documented; the Preservation Hold
#: Library, which retention creates, is the one this product meets [UNVERIFIED].
SYSTEM_LIBRARIES = frozenset({"Preservation Hold Library"})


def site_json(site: Site) -> dict[str, Any]:
    """A site as Graph returns it; every sandbox site is the root web of its own site collection."""
    body: dict[str, Any] = {
        "id": site.id,
        "name": site.name,
        "displayName": site.display_name,
        "description": site.description,
        "webUrl": site.web_url,
        "createdDateTime": iso(site.created),
        "lastModifiedDateTime": iso(site.created),
        "siteCollection": {"hostname": site.hostname},
    }
    if site.path.rstrip("/") == "":
        body["root"] = {}
    return body


def _all_sites(tenant: Tenant) -> list[Site]:
    return sorted(tenant.sites.values(), key=lambda s: (s.created, s.path))


# ---------------------------------------------------------------------- enumeration
@ROUTES.add("GET", r"/sites/getAllSites(?:\(\))?", name="GET /sites/getAllSites", cost=2)
def get_all_sites(request: GraphRequest) -> GraphResponse:
    """Every site in the tenant, paged (app-only, Sites.Read.All: facts §3.1, §9)."""
    access.require_site(request, None, access.ENUMERATE_SITES)
    return collection(request, _all_sites(request.tenant), site_json, context="sites")


@ROUTES.add("GET", r"/sites", name="GET /sites", cost=2)
def search_sites(request: GraphRequest) -> GraphResponse:
    """``?search=`` matches name, display name and description; ``*`` or no search lists every site."""
    access.require_site(request, None, access.ENUMERATE_SITES)
    term = request.query.get("search", "*").strip().strip('"').lower()
    sites = [s for s in _all_sites(request.tenant)
             if term in ("", "*") or any(term in text.lower() for text in (s.name, s.display_name, s.description))]
    return collection(request, sites, site_json, context="sites")


# ---------------------------------------------------------------------- one site
@ROUTES.add("GET", f"/sites/{_SITE_ITSELF}", name="GET /sites/{site-id}", cost=1)
def get_site(request: GraphRequest) -> GraphResponse:
    return ok(project(site_json(resolve_site(request)), request.select()))


@ROUTES.add("GET", f"/sites/{SITE}/drives", name="GET /sites/{site-id}/drives", cost=2)
def list_drives(request: GraphRequest) -> GraphResponse:
    """The site's libraries; system libraries (with their ``system`` facet) only when ``$select``
    names ``system`` (facts §3.2). ``/sites/{id}/drive`` (the default library) is served by drives.py."""
    site = resolve_site(request, need=access.READ_FILES)
    tenant = request.tenant
    show_system = "system" in (request.select() or ())
    drives = [tenant.drive(d) for d in site.drive_ids]
    drives = [d for d in drives if show_system or d.name not in SYSTEM_LIBRARIES]
    return collection(request, drives, lambda d: _with_system_facet(drive_json(tenant, d)), context="drives")


def _with_system_facet(drive: dict[str, Any]) -> dict[str, Any]:
    return {**drive, "system": {}} if drive["name"] in SYSTEM_LIBRARIES else drive
