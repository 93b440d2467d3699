"""Sites.Selected grants: which application has which roles on which site, and the other apps.

SharePoint stores a grant as the tuple (application, site, roles) (permissions-selected-overview.md
"How access is calculated"); its permission id encodes the application's claim, so an application
has at most one grant per site: the id is base64 of ``i:0i.t|ms.sp.ext|{app-id}@{tenant-id}``, as
in the response shown in sp-dev-docs understanding-rsc-for-msgraph-and-sharepoint-online.md. A
second grant for the same application answers 409 (the docs are silent; the stricter choice, see
the assumptions in docs/sandbox.md): roles change through an update.

Besides the compliance app (``Tenant.access``) a tenant can know other applications
(``Tenant.apps``), e.g. the administrator's app holding Sites.FullControl.All that makes the grants.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import TYPE_CHECKING

from m365_compliance.sandbox.errors import SandboxError, not_found
from m365_compliance.sandbox.model import SITE_ROLES, AppAccess, Site, SiteAppGrant

if TYPE_CHECKING:
    from m365_compliance.sandbox.tenant import Tenant

__all__ = ["SiteGrantsMixin", "check_roles"]


def check_roles(roles: Iterable[object]) -> tuple[str, ...]:
    """The roles, each one of :data:`SITE_ROLES`, at least one; else 400 ``invalidRequest``."""
    found = tuple(roles)
    if not found or not all(isinstance(r, str) and r in SITE_ROLES for r in found):
        raise SandboxError(400, "invalidRequest", f"'roles' must list one or more of {', '.join(SITE_ROLES)}; "
                           f"got {list(found)!r}.")
    return tuple(dict.fromkeys(found))  # type: ignore[arg-type]  # checked above


class SiteGrantsMixin:
    def app(self: Tenant, client_id: str) -> AppAccess | None:
        """The application with this client id (case-insensitive), if the tenant knows it."""
        wanted = client_id.lower()
        if self.access.client_id.lower() == wanted:
            return self.access
        return next((a for a in self.apps.values() if a.client_id.lower() == wanted), None)

    def add_app(self: Tenant, app: AppAccess) -> AppAccess:
        with self.lock:
            if self.app(app.client_id) is not None:
                raise ValueError(f"an application with client id {app.client_id} already exists")
            self.apps[app.client_id] = app
            return app

    def grant_site(self: Tenant, site: Site, app_id: str, roles: Iterable[object], *,
                   display_name: str | None = None) -> SiteAppGrant:
        """Grant ``app_id`` the ``roles`` on ``site`` (``POST /sites/{id}/permissions``)."""
        with self.lock:
            checked = check_roles(roles)
            grant_id = self._site_grant_id(app_id)
            grants = self.site_app_grants.setdefault(site.id, {})
            if grant_id in grants:
                raise SandboxError(409, "nameAlreadyExists", f"The application {app_id} already has a permission "
                                   f"on this site (id {grant_id}); update its roles instead.")
            known = self.app(app_id)
            name = display_name or (known.display_name if known is not None else app_id)
            grant = SiteAppGrant(grant_id, site.id, app_id.lower(), name, checked)
            grants[grant_id] = grant
            return grant

    def site_grants(self: Tenant, site: Site) -> list[SiteAppGrant]:
        return list(self.site_app_grants.get(site.id, {}).values())

    def site_grant(self: Tenant, site: Site, grant_id: str) -> SiteAppGrant:
        found = self.site_app_grants.get(site.id, {}).get(grant_id)
        if found is None:
            raise not_found(grant_id)
        return found

    def update_site_grant(self: Tenant, site: Site, grant_id: str, roles: Iterable[object]) -> SiteAppGrant:
        with self.lock:
            old = self.site_grant(site, grant_id)
            new = SiteAppGrant(old.id, old.site_id, old.app_id, old.display_name, check_roles(roles))
            self.site_app_grants[site.id][grant_id] = new
            return new

    def revoke_site_grant(self: Tenant, site: Site, grant_id: str) -> None:
        with self.lock:
            self.site_grant(site, grant_id)
            del self.site_app_grants[site.id][grant_id]

    def site_roles(self: Tenant, site_id: str, app_id: str) -> frozenset[str]:
        """The roles ``app_id`` was granted on the site (empty when none)."""
        wanted = app_id.lower()
        return frozenset(r for g in self.site_app_grants.get(site_id, {}).values() if g.app_id == wanted
                         for r in g.roles)

    def _site_grant_id(self: Tenant, app_id: str) -> str:
        claim = f"i:0i.t|ms.sp.ext|{app_id.lower()}@{self.tenant_id}"
        return base64.b64encode(claim.encode()).decode()
