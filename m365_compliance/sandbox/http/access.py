"""What the calling app may do: tenant-wide application permissions, or a Sites.Selected role on a site.

Each kind of call declares a :class:`Need`: the application permissions that satisfy it anywhere and
the Sites.Selected roles that satisfy it on the addressed site. A role counts only while the app
also holds the ``Sites.Selected`` permission (permissions-selected-overview.md: consent, grant and
token are all required). Handlers call these checks before touching state, so a refused request
changes nothing. The role semantics and where each comes from are listed in docs/permissions.md;
what the docs leave open is in the assumptions of docs/sandbox.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from m365_compliance.sandbox.http.caller import calling_app
from m365_compliance.sandbox.http.routing import GraphRequest
from m365_compliance.sandbox.model import AppAccess, Drive
from m365_compliance.sandbox.tenant import SandboxError, Tenant

SITES_SELECTED = "Sites.Selected"
FULL_CONTROL = "Sites.FullControl.All"
_ANY_ROLE = frozenset({"read", "write", "manage", "fullcontrol"})
_WRITE_ROLES = frozenset({"write", "manage", "fullcontrol"})


@dataclass(frozen=True, slots=True)
class Need:
    """What one kind of call needs: any of ``permissions`` (tenant-wide), or one of ``site_roles``
    granted to the app on the addressed site under Sites.Selected."""

    what: str
    permissions: tuple[str, ...]
    site_roles: frozenset[str] = frozenset()


#: Items, children, delta, permissions, labels, content (facts §1.6, §2.1, §4.1; overview: read).
READ_FILES = Need("read files", ("Files.Read.All", "Files.ReadWrite.All", "Sites.Read.All", "Sites.ReadWrite.All",
                                 FULL_CONTROL), _ANY_ROLE)
#: The site itself, its lists and list items (Files.* do not cover lists: facts §9).
READ_SITES = Need("read the site", ("Sites.Read.All", "Sites.ReadWrite.All", FULL_CONTROL), _ANY_ROLE)
#: Delete items, apply or remove labels, lock records, upload (facts §4.1, §5; overview: write).
WRITE_FILES = Need("change files", ("Files.ReadWrite.All", "Sites.ReadWrite.All", FULL_CONTROL), _WRITE_ROLES)
#: Delete an item's permission: permission-delete.md names Files.ReadWrite.All; under Sites.Selected
#: the overview's "What permissions do I need to manage permissions?" names FullControl for files.
REMOVE_PERMISSION = Need("remove a permission", ("Files.ReadWrite.All", "Sites.ReadWrite.All", FULL_CONTROL),
                         frozenset({"fullcontrol"}))
#: driveitem-setretentionlabel.md: Sites.FullControl.All for labels that make content a record.
RECORD_LABEL = Need("apply a record label", (FULL_CONTROL,), frozenset({"fullcontrol"}))
#: docs-contrib #693, when the tenant reproduces it: delta on a library holding labelled items.
LABELLED_DELTA = Need("read delta of a library with labelled items", (FULL_CONTROL,), frozenset({"fullcontrol"}))
#: Sharing-change Prefer values: app-only Sites.FullControl.All (facts §1.4); no site role (assumed).
SHARING_DELTA = Need("sharing-change delta", (FULL_CONTROL,))
#: getAllSites and site search are not available under Sites.Selected (facts §9).
ENUMERATE_SITES = Need("enumerate sites", ("Sites.Read.All", "Sites.ReadWrite.All", FULL_CONTROL))
#: Create, list, update and delete Sites.Selected grants (site-post-permissions.md and siblings).
MANAGE_SITE_GRANTS = Need("manage Sites.Selected grants", (FULL_CONTROL,))

READ_GROUP_MEMBERS = ("GroupMember.Read.All", "Group.Read.All", "Directory.Read.All")
READ_USERS = ("User.Read.All", "User.ReadBasic.All", "Directory.Read.All")
RETENTION_EVENTS = ("RecordsManagement.ReadWrite.All",)
SEND_MAIL = ("Mail.Send",)


def caller(request: GraphRequest) -> AppAccess:
    """The application the request comes from (http/caller.py)."""
    return calling_app(request.tenant, request.headers)


def allows(tenant: Tenant, app: AppAccess, site_id: str | None, need: Need) -> bool:
    """Whether ``app`` meets ``need`` on the site (``site_id`` None: tenant-wide permissions only)."""
    if app.has_any(*need.permissions):
        return True
    if site_id is None or SITES_SELECTED not in app.permissions:
        return False
    return bool(tenant.site_roles(site_id, app.client_id) & need.site_roles)


def denied() -> SandboxError:
    """SharePoint's refusal through Graph: 403 ``accessDenied`` "Access denied"."""
    return SandboxError(403, "accessDenied", "Access denied")


def require(request: GraphRequest, *permissions: str) -> None:
    """403 unless the app holds one of ``permissions`` (Graph's directory-style denial body)."""
    if not caller(request).has_any(*permissions):
        raise SandboxError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


def require_site(request: GraphRequest, site_id: str | None, need: Need = READ_FILES) -> None:
    """403 ``accessDenied`` for a site refused to the app, or when it does not meet ``need`` there.
    ``site_id`` None: a tenant-wide SharePoint call (getAllSites, search) with no site to refuse."""
    app = caller(request)
    if site_id is not None and site_id in app.denied_sites:
        raise denied()
    if not allows(request.tenant, app, site_id, need):
        raise denied()


def require_delta(request: GraphRequest, drive: Drive) -> None:
    """With the #693 switch on, delta of a library holding a labelled item needs full control."""
    tenant = request.tenant
    if tenant.quirks.labelled_delta_needs_full_control and any(i.label is not None for i in drive.items.values()):
        require_site(request, drive.site_id, LABELLED_DELTA)


def sharing_delta_allowed(request: GraphRequest) -> bool:
    """Whether the sharing-change Prefer values are honoured for this app (facts §1.4: app-only FullControl)."""
    return allows(request.tenant, caller(request), None, SHARING_DELTA)
