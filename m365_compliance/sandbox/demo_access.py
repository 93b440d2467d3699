"""The demo tenant's application access: the least privilege the demo policy needs, nothing more.

As docs/permissions.md recommends for the demo policy run with ``--mode execute``: Sites.Selected
with ``write`` on the recruitment and customer sites (labels and deletions there; the agreement
register list on the customer site only needs the read that write includes), the directory reads,
and RecordsManagement.ReadWrite.All because the demo policy fires contract-end retention events.
No tenant-wide Sites.FullControl.All, so the inventory runs without sharing-change deltas (the
trade-off in docs/permissions.md); no Mail.Send, as the demo policy has no e-mail sink; and no
``fullcontrol`` on a site, as it removes no grants (``remediation.remove_grants = []``).

A second application stands for the administrator who makes the Sites.Selected grants: the Azure
CLI's well-known client id, as in the token of an ``az login`` session that ``az rest`` sends
(``scripts/setup_entra_app.py`` grants sites that way). It holds Sites.FullControl.All, so
``POST /sites/{id}/permissions`` can be rehearsed against the demo tenant. A real az token is a
delegated one (a SharePoint administrator's); the sandbox only reads which app it names.
"""

from __future__ import annotations

from m365_compliance.sandbox.model import AppAccess
from m365_compliance.sandbox.tenant import Tenant

DEMO_SITE_ROLES = {"rekruttering": "write", "kunder": "write"}
DEMO_PERMISSIONS = frozenset({"Sites.Selected", "GroupMember.Read.All", "User.Read.All",
                              "RecordsManagement.ReadWrite.All"})
ADMIN_APP_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"  # Microsoft Azure CLI
ADMIN_APP_NAME = "Microsoft Azure CLI (a SharePoint administrator's session)"


def grant_demo_access(t: Tenant) -> None:
    """Give the demo tenant's compliance app its least-privilege access and add the administrator's app."""
    t.access.permissions = set(DEMO_PERMISSIONS)
    by_name = {site.name: site for site in t.sites.values()}
    for name, role in DEMO_SITE_ROLES.items():
        t.grant_site(by_name[name], t.access.client_id, [role], display_name=t.access.display_name)
    t.add_app(AppAccess(client_id=ADMIN_APP_ID, display_name=ADMIN_APP_NAME, permissions={"Sites.FullControl.All"}))


def grant_sharing_delta(t: Tenant) -> None:
    """Add tenant-wide Sites.FullControl.All, the trade-off ``setup_entra_app.py --sharing-delta`` makes:
    the inventory then reads sharing-change deltas instead of every item's permissions every night."""
    t.access.permissions.add("Sites.FullControl.All")
