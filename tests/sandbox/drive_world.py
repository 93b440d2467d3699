"""A small recruitment library shared by the drive-skin tests (sandbox drives, delta, permissions, labels).

Layout (pre-order)::

    root                       site groups only (Owners 3 / Members 5 / Visitors 4)
    ├── Søkere                 unique: + Finance group (read)
    │   ├── Ola                inherits; ApplicationDate 2026-03-01
    │   │   └── cv.docx        inherits
    │   └── Kari               inherits
    └── notes.txt
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from m365_compliance.sandbox.model import (
    Column,
    Drive,
    Group,
    Item,
    RetentionLabelDef,
    Site,
    User,
)
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.tenant import Tenant

SHARING_PREFER = "deltashowremovedasdeleted, deltatraversepermissiongaps, deltashowsharingchanges"


@dataclass
class Library:
    tenant: Tenant
    site: Site
    drive: Drive
    root: Item
    applicants: Item
    ola: Item
    cv: Item
    kari: Item
    notes: Item
    user: User
    guest: User
    group: Group


def build(tenant: Tenant) -> Library:
    user = tenant.add_user("Ola Hansen", "ola.hansen@tretoen.no")
    guest = tenant.add_user("Judith Clemons", "judith@fabrikam.com", guest=True)
    group = tenant.add_group("Finance Team", "finance@tretoen.no", members=[user.id])
    site = tenant.add_site("rekruttering", "Rekruttering", owners=[user.id])
    drive = tenant.add_drive(site, "Documents")
    tenant.lists[drive.list_id].columns.extend([
        Column("ApplicationDate", "Application date", "date"),
        Column("Hired", "Hired", "boolean"),
    ])
    root = drive.items[drive.root_id]
    applicants = tenant.add_folder(drive, None, "Søkere")
    ola = tenant.add_folder(drive, applicants, "Ola", fields={"ApplicationDate": "2026-03-01", "Hired": False})
    cv = tenant.add_file(drive, ola, "cv.docx", size=48211)
    kari = tenant.add_folder(drive, applicants, "Kari", fields={"ApplicationDate": "2026-07-15"})
    notes = tenant.add_file(drive, None, "notes.txt", size=12)
    tenant.grant(applicants, ["read"], group_id=group.id)
    tenant.add_label(RetentionLabelDef("Rekruttering-6m", behavior="retain", retention_days=183))
    tenant.add_label(RetentionLabelDef("Kontrakt-record", behavior="retainAsRecord", retention_days=3650))
    tenant.add_label(RetentionLabelDef("Slett-etter-1a", behavior="doNotRetain", retention_days=365))
    return Library(tenant, site, drive, root, applicants, ola, cv, kari, notes, user, guest, group)


def client(server: SandboxServer) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, timeout=10)


def items_url(lib: Library, item: Item | None = None) -> str:
    return f"/drives/{lib.drive.id}/items/{(item or lib.root).id}"


def follow(http: httpx.Client, url: str, **headers: str) -> tuple[list[dict], str, int]:
    """Every page from ``url`` on: (all values, the final deltaLink, number of pages)."""
    values: list[dict] = []
    pages = 0
    while True:
        response = http.get(url, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        values.extend(body["value"])
        assert not ("@odata.nextLink" in body and "@odata.deltaLink" in body)
        if "@odata.deltaLink" in body:
            return values, body["@odata.deltaLink"], pages
        url = body["@odata.nextLink"]
