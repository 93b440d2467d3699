"""How to fix what is missing: the exact Entra and Graph steps, as commands an admin can run.

``doctor`` prints these as the fix of a MISSING check and ``scripts/setup_entra_app.py`` runs the
same commands, so a fix and the setup never disagree. Commands use the Azure CLI (``az ad …`` for
the app registration, ``az rest`` for Graph calls the CLI has no verb for).
"""

from __future__ import annotations

import json
import shlex

from m365_compliance.doctor.needs import SiteRole
from m365_compliance.graph.gateway import site_key

#: Microsoft Graph's application id: the resource every permission below belongs to.
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"

#: Graph's application-permission (app role) ids; the same in every tenant. Listed by
#: ``az ad sp show --id 00000003-0000-0000-c000-000000000000 --query "appRoles[].{id:id,value:value}"``.
APP_ROLE_IDS = {
    "Sites.Selected": "883ea226-0bf2-4a8f-9f9d-92c9162a727d",
    "Sites.Read.All": "332a536c-c7ef-4017-ab91-336970924f0d",
    "Sites.ReadWrite.All": "9492366f-7969-46a4-8d15-ed1a20078fff",
    "Sites.FullControl.All": "a82116e5-55eb-4c41-a434-62fe8a61c773",
    "Files.Read.All": "01d4889c-1287-42c6-ac1f-5d1e02578ef6",
    "Files.ReadWrite.All": "75359482-378d-4052-8f01-80520e7db3cd",
    "GroupMember.Read.All": "98830695-27a2-44f7-8c18-0c3ebc9698f6",
    "User.Read.All": "df021288-bdef-4463-88db-98f22de89214",
    "Mail.Send": "b633e1c5-b582-4048-a93e-9f11b44c7e96",
    "RecordsManagement.ReadWrite.All": "eb158f57-df43-4751-8b21-b8932adb3d34",
}

#: The name a Sites.Selected grant shows for the app (it is a label; the id is what counts).
APP_DISPLAY_NAME = "m365-compliance"


def add_permissions_command(client_id: str, permissions: list[str]) -> list[str]:
    return ["az", "ad", "app", "permission", "add", "--id", client_id, "--api", GRAPH_APP_ID,
            "--api-permissions", *(f"{APP_ROLE_IDS[p]}=Role" for p in permissions)]


def admin_consent_command(client_id: str) -> list[str]:
    return ["az", "ad", "app", "permission", "admin-consent", "--id", client_id]


def site_grant_body(client_id: str, role: SiteRole) -> dict[str, object]:
    """The body of ``POST /sites/{site}/permissions`` (docs ``site-post-permissions``, facts §9)."""
    return {"roles": [role], "grantedToIdentities": [{"application": {"id": client_id,
                                                                      "displayName": APP_DISPLAY_NAME}}]}


def site_grant_command(graph_url: str, site_url: str, client_id: str, role: SiteRole, *, resource: str) -> list[str]:
    """``POST {graph_url}/sites/{site}/permissions`` with az; ``graph_url`` is the policy's effective
    base URL (the sandbox when it names one), ``resource`` the cloud's Graph that az's token is for."""
    url = f"{graph_url.rstrip('/')}/sites/{site_key(site_url)}/permissions"
    return ["az", "rest", "--method", "post", "--url", url, "--resource", resource,
            "--headers", "Content-Type=application/json", "--body", json.dumps(site_grant_body(client_id, role))]


def shell(command: list[str]) -> str:
    """One command as a line a POSIX shell runs unchanged (``$APP_ID`` left for the shell to expand)."""
    return " ".join(_quote(arg) for arg in command)


def _quote(arg: str) -> str:
    if "$APP_ID" in arg:
        return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`") + '"'
    return shlex.quote(arg)


def permission_fix(permission: str, client_id: str) -> str:
    """The fix for a missing application permission: add it to the app, then grant admin consent."""
    if permission not in APP_ROLE_IDS:
        return f"add the Microsoft Graph application permission {permission} to the app and grant admin consent"
    return (f"add the application permission {permission} and grant admin consent (a Global or Privileged Role "
            f"Administrator): {shell(add_permissions_command(client_id, [permission]))} && "
            f"{shell(admin_consent_command(client_id))}")


def site_grant_fix(site_url: str, role: SiteRole, client_id: str) -> str:
    """The fix for a site the app may not read: a Sites.Selected grant on exactly that site."""
    body = json.dumps(site_grant_body(client_id, role))
    return (f"grant Sites.Selected `{role}` on {site_url}: POST /sites/{site_key(site_url)}/permissions {body} "
            "(as an app holding Sites.FullControl.All or a SharePoint administrator; "
            "scripts/setup_entra_app.py --apply runs it). The app itself needs the Sites.Selected application "
            "permission with admin consent.")


def site_role_fix(site_url: str, role: SiteRole, tenant_wide: str) -> str:
    """The fix for a site the app may read but not change as the policy asks: a higher role on its grant —
    or, where the app reaches the site through a tenant-wide permission and holds no grant there (Graph
    does not let the app tell which), the tenant-wide permission that does the same."""
    return (f"raise the app's Sites.Selected grant on {site_url} to `{role}`: PATCH /sites/{site_key(site_url)}"
            f"/permissions/{{grant-id}} {{\"roles\": [\"{role}\"]}} (GET /sites/{site_key(site_url)}/permissions "
            "lists the grant ids; an app holding Sites.FullControl.All or a SharePoint administrator), then run "
            f"doctor again. If the app has no grant on that site (it reads it through a tenant-wide permission), "
            f"add the application permission {tenant_wide} with admin consent instead.")
