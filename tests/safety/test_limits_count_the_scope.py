"""Invariant 8: limits count what is really in scope (docs/safety.md).

The attack: Graph's delta pages carry hundreds of items whose parent chain reaches nothing (a
hostile answer, or a proxy adding them). Counted, they would dilute the deletion share until a
mass deletion passes ``max_deletion_share``; they must be a gap, and the share measured against the
items below the configured scope folders only.
"""

from __future__ import annotations

import asyncio

from night import Night, first_night
from tamper import Tamper

from m365_compliance.graph.configured import gateway_settings
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.inventory.service import inventory_from_config
from m365_compliance.sandbox.demo import DemoTenant

ORPHANS = 600
NOWHERE = "01NOSUCHPARENT0000000000000000000"


def _with_orphans(request, body):
    """The first page of each delta crawl gains 600 files whose parent is nowhere in the library."""
    if "/delta" not in request.url.path or "token=" in str(request.url) or body.get("value") is None:
        return None
    drive = request.url.path.split("/drives/")[1].split("/")[0]
    extra = [{"id": f"01ORPHAN{drive[-6:]}{n:020d}", "name": f"x-{n}.pdf", "file": {"mimeType": "application/pdf"},
              "eTag": f'"{{{n}}},1"', "parentReference": {"driveId": drive, "id": NOWHERE}, "size": 1}
             for n in range(ORPHANS)]
    return {**body, "value": [*body["value"], *extra]}


def _in_scope(demo: DemoTenant) -> dict[str, int]:
    """Items below Søkere and below the customer library's root, as the tenant holds them."""
    t, m = demo.tenant, demo.manifest
    rec = t.drive(m.recruitment_drive)
    base = next(rec.items[c] for c in rec.items[rec.root_id].children or () if rec.items[c].name == "Søkere")
    cus = t.drive(m.customers_drive)
    return {"recruitment": sum(1 for _ in t.walk(rec, base)) - 1, "customers": sum(1 for _ in t.walk(cus)) - 1}


def _tampered_inventory(night: Night) -> int:
    async def go() -> int:
        tamper = Tamper(_with_orphans)
        async with GraphGateway(gateway_settings(night.config), transport=tamper) as graph:
            await inventory_from_config(night.config, full=True, gateway=graph)
        return tamper.rewritten

    return asyncio.run(go())


def test_items_whose_parent_chain_reaches_nothing_are_a_gap_and_never_counted(tmp_path):
    night = first_night(tmp_path / "n", acting=False)
    with night.served() as server:
        assert _tampered_inventory(night) >= 2  # both libraries' first delta pages carried the orphans
        planned = night.cli("plan", "--out", night.plan_path)
        assert planned.exit_code == 3, planned.output  # the demo's backlog is over 10 % of what is in scope
        plan = night.plan()
        with night.db() as db:
            orphaned = db.execute("SELECT COUNT(*) FROM items WHERE parent_id=?", (NOWHERE,)).fetchone()[0]
            gap = db.execute("SELECT COUNT(*) FROM findings WHERE rule_id='coverage.not-evaluated' AND body LIKE "
                             "'%parent chain does not reach the library root%'").fetchone()[0]
        night.cli("approve", night.plan_path, "--by", "Marte", "--class", "applicant_deletion", "--class",
                  "customer_disposal", now=False)
        night.edit_policy(("max_deletions = 50", "max_deletions = 500"))  # only the share may stop it
        stopped = night.cli("apply", night.plan_path, "--execute")
        writes = server.app.meter.snapshot()["writes"]
    assert orphaned == 2 * ORPHANS and gap  # stored as the answers said, and reported as not evaluated
    in_scope = _in_scope(night.demo)
    assert plan.scope_items == sum(in_scope.values())  # the 1,200 are not in the denominator
    share = next(c for c in plan.limits if c.limit == "max_deletion_share")
    assert share.population == in_scope[share.scope] and share.exceeded
    assert stopped.exit_code == 3 and f"of {in_scope[share.scope]} items in the {share.scope} scope" in stopped.output


def test_the_share_is_measured_in_each_scope_never_diluted_by_another(tmp_path):
    """Six applicant folders are 23 % of the recruitment scope: files added to the customer library (or the
    customer scope's size as a whole) must not let them pass a 10 % limit."""
    night = first_night(tmp_path / "n", acting=False)
    night.edit_policy(("max_deletions = 50", "max_deletions = 500"))
    applicants = [a for a in night.plan().actions if a.kind == "delete_item" and a.scope == "recruitment"]
    in_scope = _in_scope(night.demo)
    chosen = []
    for action in applicants:  # as many as pass 10 % of both scopes together, but not of recruitment alone
        if sum(a.items for a in chosen) + action.items > 0.10 * sum(in_scope.values()):
            break
        chosen.append(action)
    removed = sum(a.items for a in chosen)
    assert removed / sum(in_scope.values()) <= 0.10 < removed / in_scope["recruitment"]
    with night.served() as server:
        night.cli("approve", night.plan_path, "--by", "Marte", *[x for a in chosen for x in ("--action", a.action_id)],
                  now=False)
        stopped = night.cli("apply", night.plan_path, "--execute")
        writes = server.app.meter.snapshot()["writes"]
    assert stopped.exit_code == 3 and "in the recruitment scope" in stopped.output, stopped.output
    assert writes == 0 and all(night.alive(a.item_id) for a in chosen)
    assert writes == 0
