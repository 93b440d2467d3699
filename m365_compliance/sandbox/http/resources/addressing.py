"""How drive and driveItem URLs address tenant state, with the access check every drive endpoint needs.

A library is addressed as ``/drives/{drive-id}`` or, for a site's default library, as
``/sites/{site-id}/drive`` (facts §1.1, §2.1, §5); the site id may be the comma form
``host,guid,guid`` or the path form ``host:/sites/team:`` that the SDK percent-encodes (facts §3.1).
An item is ``/root`` or ``/items/{item-id}`` (``root`` is also accepted as an item id). Sites are
resolved here too (:func:`resolve_site`), so drive and site handlers share one resolver without
importing each other.
"""

from __future__ import annotations

from m365_compliance.sandbox.http.access import READ_FILES, READ_SITES, Need, require_site
from m365_compliance.sandbox.http.routing import GraphRequest
from m365_compliance.sandbox.model import Drive, Item, Site
from m365_compliance.sandbox.tenant import SandboxError, Tenant, not_found

#: ``{site}`` before a sub-resource: ``root`` | ``host,guid,guid`` | ``host:/path:`` (closing colon
#: required, as in resources/sites.py, whose SITE pattern this is).
SITE = r"(?P<site>root|[^/:,]+,[^/:,]+,[^/:,]+|[^/:,]+:/[^:]+:)"
#: Path prefix of a library; named groups ``drive`` or ``site``.
DRIVE = rf"(?:/drives/(?P<drive>[^/]+)|/sites/{SITE}/drive)"
#: Path prefix of an item in a library; adds the named group ``item`` (absent for ``/root``).
ITEM = DRIVE + r"(?:/root|/items/(?P<item>[^/]+))"


def site_by_ref(tenant: Tenant, ref: str) -> Site:
    """A site by id or by ``hostname:/server-relative-path[:]`` (facts §3.1)."""
    if ":" in ref and "," not in ref:
        hostname, _, path = ref.partition(":")
        return tenant.site_by_path(hostname, path.rstrip(":"))
    return tenant.site(ref)


def root_site(tenant: Tenant) -> Site:
    """The tenant's root site (server-relative path ``/``), if the tenant was given one."""
    found = next((s for s in tenant.sites.values() if s.path.rstrip("/") == ""), None)
    if found is None:
        raise not_found("root")
    return found


def resolve_site(request: GraphRequest, *, need: Need = READ_SITES) -> Site:
    """The site named by ``request.params["site"]``; 404 if unknown, 403 if refused to the app."""
    site = find_site(request)
    require_site(request, site.id, need)
    return site


def find_site(request: GraphRequest) -> Site:
    """The site named by ``request.params["site"]``, before any access check; 404 if unknown."""
    ref = request.params["site"]
    return root_site(request.tenant) if ref == "root" else site_by_ref(request.tenant, ref)


def drive_of(request: GraphRequest, need: Need = READ_FILES) -> Drive:
    """The addressed library, after the app's access to its site was checked against ``need``."""
    tenant = request.tenant
    if "drive" in request.params:
        drive = tenant.drive(request.params["drive"])
    else:
        site = resolve_site(request, need=need)
        if not site.drive_ids:
            raise not_found(f"{site.id}/drive")
        drive = tenant.drive(site.drive_ids[0])
    require_site(request, drive.site_id, need)
    return drive


def item_of(request: GraphRequest, need: Need = READ_FILES) -> Item:
    """The addressed live item (404 ``itemNotFound`` for unknown or deleted ones)."""
    drive = drive_of(request, need)
    return request.tenant.item(drive.id, request.params.get("item", "root"))


def require_tag_match(request: GraphRequest, item: Item) -> None:
    """``If-Match`` with a stale eTag/cTag → 412 and nothing changes (facts §2.4, §5)."""
    wanted = request.headers.get("if-match")
    if wanted is None or wanted.strip() in ("*", item.etag, item.ctag):
        return
    raise SandboxError(412, "resourceModified", "The provided 'If-Match' header does not match the item's "
                       "current eTag or cTag.", inner_code="entityTagDoesNotMatch")
