"""A small two-site tenant for inventory tests, the spec that targets it, and its ground truth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.graph.settings import GatewaySettings
from m365_compliance.inventory.run import InventorySpec, RegisterSpec, ScopeSpec
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.sandbox.model import AppAccess, Column
from m365_compliance.sandbox.tenant import Tenant
from m365_compliance.sandbox.truth import effective_principals as truth  # noqa: F401  (re-exported)

HOST = "https://tretoen.sharepoint.com"


@dataclass
class World:
    tenant: Tenant
    ids: dict[str, str]


def build_world(extra_files: int = 0) -> World:
    t = Tenant(access=AppAccess.tenant_wide())  # Graph behaviour, not access: every permission
    ids: dict[str, str] = {}
    kari = t.add_user("Kari Rekrutterer", "kari@tretoen.no")
    per = t.add_user("Per HR", "per@tretoen.no")
    siv = t.add_user("Siv Salg", "siv@tretoen.no")
    leder = t.add_user("Lise Leder", "lise@tretoen.no")
    gjest = t.add_user("Gunnar Gjest", "gunnar@kunde.no", guest=True)
    hr = t.add_group("HR", "hr@tretoen.no", members=[per.id])
    rec = t.add_group("Rekruttering", "rekruttering@tretoen.no", members=[kari.id, hr.id], unified=True)
    sales = t.add_group("Salg", "salg@tretoen.no", members=[siv.id])
    mgmt = t.add_group("Ledelse", "ledelse@tretoen.no", members=[leder.id])
    ids.update(kari=kari.id, per=per.id, siv=siv.id, leder=leder.id, gjest=gjest.id, hr=hr.id, rec=rec.id,
               sales=sales.id, mgmt=mgmt.id)

    site = t.add_site("rekruttering", "Rekruttering", owners=[], members=[rec.id])
    docs = t.add_drive(site, "Dokumenter")
    t.lists[docs.list_id].columns.extend([Column("Soknadsdato", "Søknadsdato", "date"),
                                          Column("Ansatt", "Ansatt", "boolean")])
    sokere = t.add_folder(docs, None, "Søkere")
    t.grant(sokere, ("write",), group_id=rec.id)  # the recruiters group, granted where applicants live
    ola = t.add_folder(docs, sokere, "2025-11 Ola", fields={"Soknadsdato": "2025-11-02", "Ansatt": False})
    cv = t.add_file(docs, ola, "CV.pdf")
    eva = t.add_folder(docs, sokere, "2024-01 Eva", fields={"Soknadsdato": "2024-01-15", "Ansatt": False})
    sub = t.add_folder(docs, eva, "Attester")
    t.add_file(docs, sub, "attest.pdf")
    t.grant(ola, ("read",), user_id=siv.id)  # stray: a sales user
    t.add_link(cv, "anonymous")  # stray: anonymous link on a file
    t.add_link(sub, "organization", "edit")  # stray: org-wide link on a subfolder
    for n in range(extra_files):
        t.add_file(docs, eva, f"vedlegg-{n}.pdf")
    ids.update(site=site.id, drive=docs.id, sokere=sokere.id, ola=ola.id, cv=cv.id, eva=eva.id, sub=sub.id)

    kunder = t.add_site("kunder", "Kunder", members=[mgmt.id, sales.id])
    avtaler = t.add_drive(kunder, "Avtaler")
    acme = t.add_folder(avtaler, None, "Acme AS")
    t.break_inheritance(acme)
    t.grant(acme, ("write",), user_id=gjest.id)
    t.add_file(avtaler, acme, "Avtale signert.pdf")
    register = t.add_list(kunder, "Avtaleregister", [Column("Title", "Kunde", "text"),
                                                     Column("Mappe", "Mappe", "text")])
    t.add_list_item(register, {"Title": "Acme AS", "Mappe": "Acme AS"})
    ids.update(kunder=kunder.id, avtaler=avtaler.id, acme=acme.id)
    return World(t, ids)


def spec(mode: str = "auto") -> InventorySpec:
    return InventorySpec(
        scopes=(ScopeSpec("recruitment", f"{HOST}/sites/rekruttering", "Dokumenter", "Søkere", 1,
                          ("Soknadsdato", "Ansatt")),
                ScopeSpec("customers", f"{HOST}/sites/kunder", "Avtaler", "", 1, ())),
        roles={"recruiters": ("rekruttering@tretoen.no",), "management": ("ledelse@tretoen.no",),
               "sales": ("salg@tretoen.no",)},
        register=RegisterSpec("list", ("Title", "Mappe"), f"{HOST}/sites/kunder", "Avtaleregister"),
        mode=mode, policy_version="test",
    )


def gateway_for(base_url: str) -> GraphGateway:
    return GraphGateway(GatewaySettings(graph_url=base_url, auth_method="none", ru_per_minute=None))


def inventoried(snapshot: Snapshot, scope: str) -> dict[str, set[str]]:
    """What the inventory says reaches each item of ``scope``, keyed like the truth."""
    s = snapshot.scopes[scope]
    return {item.id: {a.principal.key for a in snapshot.effective_access(s, item)} for item in s.items.values()}


NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
