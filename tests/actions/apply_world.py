"""A small tenant for apply tests, and plans built from its current state (the planner has its own tests).

Actions are built from what the sandbox holds right now (eTags included), exactly as a planner
would have built them from a fresh snapshot; tests then change the tenant to break preconditions.
``apply`` records the plan as the planner does (apply trusts nothing else) and checks each action's
reason against a newest evaluation that holds exactly the findings the actions name, open, over the
tenant as it is now (docs/safety.md has the end-to-end tests of those checks).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dataclasses import replace

from pseudonym import TEST_PSEUDONYM_KEY

from m365_compliance.actions.executor import ApplyResult, OutcomeHook, apply_plan
from m365_compliance.actions.guard import Current
from m365_compliance.actions.planner import AGREEMENT_ENDED
from m365_compliance.actions.journal import Journal
from m365_compliance.actions.limits import evaluate_limits
from m365_compliance.actions.plan_model import FIRE_EVENT, Action, Plan
from m365_compliance.config.demo import demo_config_text
from m365_compliance.config.load import load_config, parse_config
from m365_compliance.config.schema import Config, Limits, PolicyInfo
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.graph.settings import GatewaySettings
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot
from m365_compliance.model import DriveItem, Library, permission_ref
from m365_compliance.rules.findings import Finding
from m365_compliance.sandbox.model import Drive, Item, RetentionLabelDef
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.tenant import Tenant
from m365_compliance.state.store import StateStore

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
APPLICANT_LABEL = "Søknad 12 mnd"
RECORD_LABEL = "Avtale record"
RETAIN_LABEL = "Bokføring primær 5 år"
POLICY = "test-1"
#: Wide limits; applicant deletions and retention events approved in advance (customer disposal never is).
LOOSE = Limits(max_deletions=1000, max_deletion_share=1.0, max_permission_removals=1000,
               auto_approve_applicant_deletions=True, auto_approve_retention_events=True)


@dataclass
class World:
    tenant: Tenant
    rec: Drive
    cus: Drive
    items: dict[str, Item]
    links: dict[str, str]  # name → permission (grant) id

    def item(self, key: str) -> Item:
        return self.items[key]

    def alive(self, key: str) -> bool:
        item = self.items[key]
        return item.id in self.tenant.drive(item.drive_id).items


def build_world() -> World:
    t = Tenant()  # least privilege (docs/permissions.md): Sites.Selected, granted per site below
    t.access.permissions |= {"RecordsManagement.ReadWrite.All", "User.Read.All", "GroupMember.Read.All"}
    for label in (RetentionLabelDef(APPLICANT_LABEL, "doNotRetain", 365), RetentionLabelDef(RECORD_LABEL,
                  "retainAsRecord", 1826), RetentionLabelDef(RETAIN_LABEL, "retain", 1826)):
        t.add_label(label)
    rec_site = t.add_site("rekruttering", "Rekruttering")
    rec = t.add_drive(rec_site, "Dokumenter")
    base = t.add_folder(rec, None, "Søkere")
    items: dict[str, Item] = {"base": base}
    for key in ("old1", "old2", "old3", "new"):
        folder = t.add_folder(rec, base, f"folder-{key}")
        items[key] = folder
        for n in range(2):
            items[f"{key}.f{n}"] = t.add_file(rec, folder, f"file-{n}.pdf")
    links = {"anonymous": t.add_link(items["new.f0"], "anonymous").id}
    cus_site = t.add_site("kunder", "Kunder")
    cus = t.add_drive(cus_site, "Avtaler")
    customer = t.add_folder(cus, None, "customer-a")
    items["customer"] = customer
    for key in ("offer", "notes", "signed", "invoice"):
        items[key] = t.add_file(cus, customer, f"{key}.docx")
    t.set_label(items["signed"], RECORD_LABEL)
    t.set_label(items["invoice"], RETAIN_LABEL)
    for site in (rec_site, cus_site):  # the role a policy that removes grants needs on its sites
        t.grant_site(site, t.access.client_id, ["fullcontrol"])
    return World(t, rec, cus, items, links)


def set_role(world: World, drive: Drive, role: str) -> None:
    """Change the app's Sites.Selected role on the site that holds ``drive``."""
    site = world.tenant.sites[drive.site_id]
    grant = next(g for g in world.tenant.site_grants(site) if g.app_id == world.tenant.access.client_id)
    world.tenant.update_site_grant(site, grant.id, [role])


def contents(world: World, folder: Item) -> tuple[tuple[str, str], ...]:
    drive = world.tenant.drive(folder.drive_id)
    return tuple(sorted((i.id, i.etag) for i in world.tenant.walk(drive, folder) if i.id != folder.id))


def delete(world: World, key: str, *, approval: str | None = None, permanent: bool = False) -> Action:
    """A deletion as the planner writes it; whether it needs approval is decided by apply from the policy."""
    item = world.item(key)
    scope = "recruitment" if item.drive_id == world.rec.id else "customers"
    return Action("delete_item", item.drive_id, item.id, f"test: delete {key}", (f"F-{key}",), scope,
                  permanent=permanent, expected_etag=item.etag,
                  expected_contents=contents(world, item) if item.is_folder else (),
                  requires_approval=approval is not None, approval_class=approval)  # type: ignore[arg-type]


def label(world: World, key: str, name: str = APPLICANT_LABEL) -> Action:
    item = world.item(key)
    scope = "recruitment" if item.drive_id == world.rec.id else "customers"
    return Action("apply_label", item.drive_id, item.id, f"test: label {key}", (f"F-{key}",), scope, label=name,
                  expected_etag=item.etag)


def remove_link(world: World, item_key: str, grant_id: str) -> Action:
    item = world.item(item_key)
    return Action("remove_permission", item.drive_id, item.id, "test: remove link", (f"F-link-{item_key}",), "recruitment",
                  permission_id=permission_ref(grant_id, TEST_PSEUDONYM_KEY))  # as plans name it (the store fixture's key)


def event(world: World, asset: str = "321-2020-001") -> Action:
    folder = world.item("customer")
    return Action("fire_retention_event", folder.drive_id, folder.id, "test: contract ended", ("F-end",), "customers",
                  event_type="Kontraktslutt", asset_id=asset, event_date=datetime(2025, 6, 30).date())


TENANT_ID = "3f2a3210-0000-4000-8000-000000000321"  # the demo policy file's


def make_plan(world: World, actions: list[Action], *, limits: Limits = LOOSE, run: str = "run-1",
              policy: str = POLICY) -> Plan:
    populations = snapshot_of(world.tenant).populations()
    return Plan(NOW, policy, run, sum(populations.values()), tuple(actions), (),
                evaluate_limits(actions, populations, limits), tenant_id=TENANT_ID)


def gateway_for(server: SandboxServer) -> GraphGateway:
    return GraphGateway(GatewaySettings(graph_url=server.base_url, auth_method="none", ru_per_minute=None))


def config_for(server: SandboxServer, limits: Limits | None = LOOSE) -> Config:
    """The demo policy file pointed at this sandbox, with the test plans' version and these limits."""
    config = parse_config(demo_config_text(server.base_url, "state.sqlite"), "/tests/policy.toml")
    return replace(config, policy=PolicyInfo(config.policy.name, POLICY), limits=limits or Limits())


def snapshot_of(tenant: Tenant) -> Snapshot:
    """The newest inventory as exactly what the tenant holds now (recruitment below Søkere, customers at the root)."""
    scopes = {}
    for name, drive_name, folder in (("recruitment", "Dokumenter", "Søkere"), ("customers", "Avtaler", None)):
        drive = next(d for d in tenant.drives.values() if d.name == drive_name)
        items = {i.id: DriveItem(i.id, drive.id, i.name, i.parent_id, i.is_folder, etag=i.etag,
                                 is_root=i.parent_id is None,  # a root of the permission hierarchy: shared facet
                                 shared_scope="" if i.grants is not None else None) for i in tenant.walk(drive)}
        base = next((i.id for i in items.values() if i.name == folder), None) if folder else drive.root_id
        scopes[name] = ScopeSnapshot.build(name, "https://tretoen.sharepoint.com/sites/x",
                                           Library(drive.id, drive.site_id, drive_name, ""), base, 1, items, {},
                                           picture_at=NOW)
    return Snapshot("run-now", NOW, POLICY, scopes, {}, {}, {}, (), ())


def justified(tenant: Tenant, plan: Plan) -> Current:
    """A newest evaluation in which every finding the plan's actions name is still open."""
    findings = []
    for action in plan.actions:
        for finding_id in action.finding_ids:
            event = action.kind == FIRE_EVENT
            evidence = (("agreement", action.asset_id or ""), ("ended", action.event_date.isoformat())) \
                if event and action.event_date else ()
            findings.append(Finding(finding_id, AGREEMENT_ENDED if event else "test.rule", "C2", "high", "fail",
                                    "t", "m", "r", scope=action.scope, item_id=action.item_id, evidence=evidence))
    return Current.of("eval-now", snapshot_of(tenant), findings, NOW.date())


def apply(server: SandboxServer, store: StateStore, plan: Plan, *, execute: bool, limits: Limits | None = LOOSE,
          on_outcome: OutcomeHook | None = None, current: Current | None = None) -> ApplyResult:
    Journal(store).record_plan(plan, actor="m365-compliance plan", made_by="plan")  # as `plan` does

    async def go() -> ApplyResult:
        async with gateway_for(server) as graph:
            return await apply_plan(plan, graph, store, execute=execute, now=NOW, config=config_for(server, limits),
                                    actor="tester", on_outcome=on_outcome,
                                    current=current or justified(server.tenant, plan))

    return asyncio.run(go())


def writes(server: SandboxServer) -> int:
    return int(server.app.meter.snapshot()["writes"])


def requests(server: SandboxServer) -> int:
    return int(server.app.meter.snapshot()["requests"])


def policy_file(path: Path, graph_url: str, *, loose: bool = True) -> Config:
    """The demo policy pointed at this sandbox; ``loose`` widens the share limit for a tenant this small."""
    text = demo_config_text(graph_url, "state.sqlite")
    if loose:
        text = text.replace("max_deletion_share = 0.10", "max_deletion_share = 1.0")
    path.write_text(text, encoding="utf-8")
    return load_config(path)
