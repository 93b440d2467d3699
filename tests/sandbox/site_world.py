"""A small tenant shared by the site/list/directory/batch tests.

Sites: the root site, ``rekruttering`` (libraries Documents + Preservation Hold Library, list
``Søkerregister``) and ``okonomi`` (one library). Directory: four members, one guest, and two groups
that nest each other (``Alle`` ⊃ ``HR`` ⊃ Alle: a cycle, as Entra allows through nesting)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from m365_compliance.sandbox.model import Column, Drive, Group, Site, SpList, User
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.tenant import Tenant

HOST = "tretoen.sharepoint.com"


@dataclass
class World:
    tenant: Tenant
    root: Site
    site: Site
    other: Site
    documents: Drive
    hold: Drive
    register: SpList
    alice: User
    bob: User
    carl: User
    dina: User
    guest: User
    everyone: Group
    hr: Group


def build(tenant: Tenant) -> World:
    alice = tenant.add_user("Alice Berg", "alice@tretoen.no", job_title="HR")
    bob = tenant.add_user("Bob Dahl", "bob@tretoen.no")
    carl = tenant.add_user("Carl Eik", "carl@tretoen.no")
    dina = tenant.add_user("Dina Fjell", "dina@tretoen.no")
    guest = tenant.add_user("Judith Clemons", "judith@fabrikam.com", guest=True)
    hr = tenant.add_group("HR", "hr@tretoen.no", members=[alice.id, guest.id])
    everyone = tenant.add_group("Alle", "alle@tretoen.no", members=[bob.id, hr.id], unified=True)
    tenant.add_member(hr.id, everyone.id)  # cycle: HR ⊃ Alle ⊃ HR

    root = Site(f"{HOST},11111111-1111-4111-8111-111111111111,22222222-2222-4222-8222-222222222222", HOST, "/",
                "Communication site", "", tenant.clock)
    tenant.sites[root.id] = root
    site = tenant.add_site("rekruttering", "Rekruttering")
    documents = tenant.add_drive(site, "Documents")
    hold = tenant.add_drive(site, "Preservation Hold Library")
    register = tenant.add_list(site, "Sokerregister", [
        Column("Title", "Title", "text"),
        Column("Owner", "Owner", "person"),
        Column("Reviewers", "Reviewers", "personMulti"),
        Column("Deadline", "Deadline", "date"),
        Column("Received", "Received", "dateTime"),
        Column("Score", "Score", "number"),
        Column("Hired", "Hired", "boolean"),
    ], display_name="Søkerregister")
    tenant.add_list_item(register, {"Title": "Ola", "Owner": alice.id, "Reviewers": [alice.id, bob.id],
                                    "Deadline": "2026-03-01", "Received": "2026-03-01T10:15:00+01:00",
                                    "Score": 4.5, "Hired": False}, created_by=bob.id)
    tenant.add_list_item(register, {"Title": "Kari", "Deadline": "2026-07-01"})
    tenant.add_list_item(register, {"Title": "Per", "Owner": bob.id})
    other = tenant.add_site("okonomi", "Økonomi")
    tenant.add_drive(other, "Documents")
    return World(tenant, root, site, other, documents, hold, register, alice, bob, carl, dina, guest, everyone, hr)


def graph(server: SandboxServer) -> httpx.Client:
    """An httpx client on the sandbox's Graph base URL (``…/v1.0``)."""
    return httpx.Client(base_url=server.base_url, timeout=10)


def operator(server: SandboxServer) -> httpx.Client:
    """An httpx client on the sandbox's origin, for ``/_sandbox`` calls."""
    return httpx.Client(base_url=server.origin, timeout=10)
