"""Small hand-built snapshots for the rules tests: a recruitment library, a customer library, a directory.

Directory: recruiters = group g-rec (Kari directly; HR nested, with Per); management = g-mgmt (Ola);
sales = g-sales (Siv); "Alle" (everyone) is no role. Gina is a guest and a customer's contact person,
Vik a guest who is nobody's. Both libraries keep their Owners site group (allowed by the demo
policy's ``technical = ["site-group:Owners"]``) and their roles at the library root.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from m365_compliance.config.demo import demo_config_text
from m365_compliance.config.load import parse_config
from m365_compliance.config.schema import Config
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot
from m365_compliance.model import DriveItem, Library, LinkScope, Permission, Principal, PrincipalKind
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.registry import evaluate
from m365_compliance.state.inventory_repo import Gap

CONFIG = parse_config(demo_config_text("http://127.0.0.1:9/v1.0", "state.sqlite"), "policy.toml")
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 03:00 on 25 November in Oslo

REC = Principal(PrincipalKind.GROUP, "g-rec", "Rekruttering", "rekruttering@tretoen.no")
HR = Principal(PrincipalKind.GROUP, "g-hr", "HR", "hr@tretoen.no")
MGMT = Principal(PrincipalKind.GROUP, "g-mgmt", "Ledelse", "ledelse@tretoen.no")
SALES = Principal(PrincipalKind.GROUP, "g-sales", "Salg", "salg@tretoen.no")
ALL = Principal(PrincipalKind.GROUP, "g-all", "Alle ansatte", "alle@tretoen.no")
KARI = Principal(PrincipalKind.USER, "kari", "Kari", "kari@tretoen.no")  # recruiter
PER = Principal(PrincipalKind.USER, "per", "Per", "per@tretoen.no")  # in HR, nested in the recruiters group
OLA = Principal(PrincipalKind.USER, "ola", "Ola", "ola@tretoen.no")  # management
SIV = Principal(PrincipalKind.USER, "siv", "Siv", "siv@tretoen.no")  # sales
IDA = Principal(PrincipalKind.USER, "ida", "Ida", "ida@tretoen.no")  # a consultant, in no role
GINA = Principal(PrincipalKind.GUEST, "gina", "Gina", "gina@kunde.example")  # Kunde AS's contact person
VIK = Principal(PrincipalKind.GUEST, "vik", "Vik", "vik@vikar.example")  # nobody's contact person
REC_OWNERS = Principal(PrincipalKind.SITE_GROUP, "rs/3", "Rekruttering Owners")
REC_MEMBERS = Principal(PrincipalKind.SITE_GROUP, "rs/5", "Rekruttering Members")
CUS_OWNERS = Principal(PrincipalKind.SITE_GROUP, "ks/3", "Kunder Owners")
DIRECTORY = {p.key: p for p in (REC, HR, MGMT, SALES, ALL, KARI, PER, OLA, SIV, IDA, GINA, VIK)}
MEMBERS = {"g-rec": (KARI.key, HR.key, PER.key), "g-hr": (PER.key,), "g-mgmt": (OLA.key,), "g-sales": (SIV.key,),
           "g-all": (KARI.key, PER.key, OLA.key, SIV.key, IDA.key)}
ROLES = {"recruiters": ("g-rec",), "management": ("g-mgmt",), "sales": ("g-sales",)}
REC_ROOT = (Permission("3", ("owner",), (REC_OWNERS,)), Permission("rec", ("write",), (REC,)))
CUS_ROOT = (Permission("3", ("owner",), (CUS_OWNERS,)), Permission("m", ("write",), (MGMT,)),
            Permission("s", ("write",), (SALES,)))


def item(item_id: str, parent: str | None, *, folder: bool = True, name: str | None = None,
         created: datetime = datetime(2020, 1, 1, 12, tzinfo=UTC), **fields: Any) -> DriveItem:
    return DriveItem(id=item_id, drive_id="d", name=name or item_id, parent_id=parent, is_folder=folder,
                     created=created, is_root=parent is None, fields=tuple(sorted(fields.items())))


def file(item_id: str, parent: str, **kwargs: Any) -> DriveItem:
    return item(item_id, parent, folder=False, **kwargs)


def grant(pid: str, *who: Principal, link: LinkScope | None = None, expires: datetime | None = None) -> Permission:
    return Permission(pid, ("read",), tuple(who), link, "view" if link else None, expires)


def row(customer: str, *, start: object = "2024-01-01", end: object = None, contacts: Iterable[str] = (),
        **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": f"row-{customer}", "Title": customer, "Mappe": customer, "Startdato": start,
                            "AvtaleId": f"A-{customer.replace(' ', '-')}", "Kontaktpersoner": [{"Email": c} for c in contacts],
                            "Databehandleravtale": f"DBA-{customer}", "SlettingEtterDager": 30,
                            "LagretEtterAvtale": False}
    if end is not None:
        data["Sluttdato"] = end
    return {**data, **extra}


def snapshot(rec_items: Iterable[DriveItem] | None = (), rec_perms: Mapping[str, tuple[Permission, ...]] = {},
             cus_items: Iterable[DriveItem] | None = (), cus_perms: Mapping[str, tuple[Permission, ...]] = {},
             rows: Iterable[Mapping[str, Any]] = (), gaps: Iterable[Gap] = (), unreadable: Iterable[str] = (),
             members: Mapping[str, tuple[str, ...]] = MEMBERS) -> Snapshot:
    """Recruitment: root → Søkere → applicant folders; customers: root → customer folders.

    ``None`` leaves a scope out; permission lists not given for the root default to the roles above.
    """
    scopes = {}
    if rec_items is not None:
        items = {i.id: i for i in [item("rroot", None), item("Søkere", "rroot"), *rec_items]}
        scopes["recruitment"] = ScopeSnapshot.build(
            "recruitment", "https://x.example/sites/rekruttering", Library("rd", "rs", "Dokumenter", "u"), "Søkere",
            1, items, {"rroot": REC_ROOT, **rec_perms}, frozenset(i for i in unreadable if i in items))
    if cus_items is not None:
        items = {i.id: i for i in [item("kroot", None), *cus_items]}
        scopes["customers"] = ScopeSnapshot.build(
            "customers", "https://x.example/sites/kunder", Library("kd", "ks", "Avtaler", "u"), "kroot", 1, items,
            {"kroot": CUS_ROOT, **cus_perms}, frozenset(i for i in unreadable if i in items))
    return Snapshot("run-1", NOW, "2022-07-04", scopes, DIRECTORY, dict(members), ROLES, tuple(rows), tuple(gaps))


def run(snap: Snapshot, config: Config = CONFIG, now: datetime = NOW) -> list[Finding]:
    return evaluate(snap, config, now)


def of(findings: Iterable[Finding], rule_id: str, status: str | None = None) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule_id and (status is None or f.status == status)]


def items_of(findings: Iterable[Finding], rule_id: str, status: str | None = None) -> set[str | None]:
    return {f.item_id for f in of(findings, rule_id, status)}


def with_retention(**changes: Any) -> Config:
    return dataclasses.replace(CONFIG, retention=dataclasses.replace(CONFIG.retention, **changes))


def with_roles(**changes: Any) -> Config:
    return dataclasses.replace(CONFIG, roles=dataclasses.replace(CONFIG.roles, **changes))
