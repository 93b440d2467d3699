"""What the calling app may do: Graph application permissions and sites refused to it.

A tenant's :class:`~m365_compliance.sandbox.model.AppAccess` says which application permissions the
app holds and which sites answer 403 (as a site outside a ``Sites.Selected`` grant does, facts §9).
Handlers call these checks before touching state, so a refused request changes nothing.
"""

from __future__ import annotations

from m365_compliance.sandbox.http.routing import GraphRequest
from m365_compliance.sandbox.tenant import SandboxError

#: Least → broadest application permissions that satisfy each need (facts §9).
READ_FILES = ("Files.Read.All", "Files.ReadWrite.All", "Sites.Read.All", "Sites.ReadWrite.All",
              "Sites.FullControl.All", "Sites.Selected")
WRITE_FILES = ("Files.ReadWrite.All", "Sites.ReadWrite.All", "Sites.FullControl.All", "Sites.Selected")
READ_SITES = ("Sites.Read.All", "Sites.ReadWrite.All", "Sites.FullControl.All", "Sites.Selected")
ENUMERATE_SITES = ("Sites.Read.All", "Sites.ReadWrite.All", "Sites.FullControl.All")
READ_GROUP_MEMBERS = ("GroupMember.Read.All", "Group.Read.All", "Directory.Read.All")
READ_USERS = ("User.Read.All", "User.ReadBasic.All", "Directory.Read.All")
SHARING_DELTA = ("Sites.FullControl.All",)
RETENTION_EVENTS = ("RecordsManagement.ReadWrite.All",)
SEND_MAIL = ("Mail.Send",)


def require(request: GraphRequest, *permissions: str) -> None:
    """403 unless the app holds one of ``permissions`` (Graph's directory-style denial body)."""
    if not request.tenant.access.has_any(*permissions):
        raise SandboxError(403, "Authorization_RequestDenied",
                           "Insufficient privileges to complete the operation.")


def require_site(request: GraphRequest, site_id: str | None, *, write: bool = False,
                 needs: tuple[str, ...] | None = None) -> None:
    """403 ``accessDenied`` for a refused site, or when the app lacks the permissions this call needs
    (``needs``; file read/write permissions by default — site and list reads pass ``READ_SITES``).
    ``site_id`` None: a tenant-wide SharePoint call (getAllSites, search) with no site to refuse."""
    access = request.tenant.access
    if site_id in access.denied_sites:
        raise SandboxError(403, "accessDenied", "Access denied")
    if not access.has_any(*(needs or (WRITE_FILES if write else READ_FILES))):
        raise SandboxError(403, "accessDenied", "Access denied")


def sharing_delta_allowed(request: GraphRequest) -> bool:
    """Whether the sharing-change Prefer values are honoured for this app (facts §1.4: app-only FullControl)."""
    return request.tenant.access.has_any(*SHARING_DELTA)
