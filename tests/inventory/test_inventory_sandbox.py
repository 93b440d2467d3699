"""The inventory against the sandbox over real HTTP: ground truth, incremental cost, resume, 410, gaps."""

from __future__ import annotations

import asyncio

import pytest
from inventory_world import build_world, gateway_for, inventoried, spec, truth

from m365_compliance.inventory.crawl import DELTA_PAGE, PER_ITEM, SHARING_DELTA
from m365_compliance.inventory.run import run_inventory
from m365_compliance.inventory.snapshot_load import load_snapshot
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.state.inventory_repo import InventoryRepository
from m365_compliance.state.store import StateStore


def inventory(server: SandboxServer, store: StateStore, *, mode: str = "auto", full: bool = False, progress=None):
    async def go():
        async with gateway_for(server.base_url) as graph:
            return await run_inventory(graph, store, spec(mode), full=full, progress=progress), graph.stats

    return asyncio.run(go())


def library_ru(stats: dict) -> int:
    return sum(ru for endpoint, ru in stats["ruByEndpoint"].items() if endpoint.startswith("GET /drives/"))


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def tenant(world):
    return world.tenant  # the root conftest serves it as `server`


def test_full_inventory_equals_ground_truth(world, server, store):
    result, stats = inventory(server, store)
    assert result.gaps == []
    # What the pacer charged is what the service metered: every page of a full enumeration is 2 RU.
    assert stats.ru == server.app.meter.snapshot()["ruTotal"]
    assert {c.mode for c in result.crawls} == {SHARING_DELTA}
    snapshot = load_snapshot(store, spec())
    for scope, drive in (("recruitment", world.ids["drive"]), ("customers", world.ids["avtaler"])):
        assert inventoried(snapshot, scope) == truth(world.tenant, drive)
    rec = snapshot.scopes["recruitment"]
    # Applicant folder columns came with their list items; nested HR member reaches Ola via the group.
    assert dict(rec.items[world.ids["ola"]].fields) == {"Ansatt": False, "Soknadsdato": "2025-11-01T23:00:00Z"}
    access = {a.principal.key: a for a in snapshot.effective_access(rec, rec.items[world.ids["ola"]])}
    assert access[f"user:{world.ids['per']}"].via_group.id == world.ids["rec"]
    assert access[f"user:{world.ids['siv']}"].through == "direct"
    assert snapshot.role_members("recruiters") >= {f"user:{world.ids['per']}", f"user:{world.ids['kari']}"}
    assert snapshot.register_rows[0]["Title"] == "Acme AS"


def test_incremental_run_sees_every_kind_of_change_at_a_fraction_of_the_cost(store):
    world = build_world(extra_files=2000)
    with SandboxServer(world.tenant) as server:
        _incremental_sees_every_change(world, server, store)


def _incremental_sees_every_change(world, server, store):
    _, full_stats = inventory(server, store)
    full = server.app.meter.snapshot()
    full_ru = full["ruTotal"]
    assert full_stats.ru == full_ru  # the pacer charges what the service meters, page 2 onwards included
    t, ids = world.tenant, world.ids
    drive = t.drive(ids["drive"])
    t.add_file(drive, t.item(ids["drive"], ids["ola"]), "Ny søknad.docx")  # created
    t.touch(t.item(ids["drive"], ids["cv"]))  # modified
    t.rename(t.item(ids["drive"], ids["sub"]), "Vitnemål")  # renamed
    t.move(t.item(ids["drive"], ids["sub"]), t.item(ids["drive"], ids["ola"]))  # moved
    t.add_link(t.item(ids["drive"], ids["eva"]), "anonymous")  # permission change (new root)
    t.delete_item(next(i for i in t.walk(drive) if i.name == "attest.pdf"))  # deleted
    server.app.meter.reset()
    result, _ = inventory(server, store)
    incremental = server.app.meter.snapshot()
    incremental_ru = incremental["ruTotal"]
    assert {c.kind for c in result.crawls} == {"incremental"}
    snapshot = load_snapshot(store, spec())
    assert inventoried(snapshot, "recruitment") == truth(t, ids["drive"])
    rec = snapshot.scopes["recruitment"]
    assert rec.path(rec.items[ids["sub"]]) == "/Søkere/2025-11 Ola/Vitnemål"
    delta = "GET /drives/{id}/root/delta"
    assert incremental["ruByEndpoint"][delta] == 2  # one 1-RU page per library
    # A full enumeration: 2 RU a page of $top=1000 (facts §7.1), so the fewest pages the service allows.
    pages = sum(-(-len(t.drive(d).items) // DELTA_PAGE) for d in (ids["drive"], ids["avtaler"]))
    assert full["requestsByEndpoint"][delta] == pages and full["ruByEndpoint"][delta] == 2 * pages
    # Library reads (delta, permissions, unit columns) scale with the changes; the rest of a run is fixed.
    assert library_ru(incremental) < library_ru(full) / 2, (incremental_ru, full_ru)
    assert incremental_ru < full_ru


def test_permission_only_change_and_inheritance_restored(world, server, store):
    inventory(server, store)
    t, ids = world.tenant, world.ids
    t.remove_grant(t.item(ids["drive"], ids["ola"]), next(
        g.id for g in t.item(ids["drive"], ids["ola"]).grants if g.user_id == ids["siv"]))
    t.restore_inheritance(t.item(ids["drive"], ids["sub"]))
    inventory(server, store)
    snapshot = load_snapshot(store, spec())
    assert inventoried(snapshot, "recruitment") == truth(t, ids["drive"])
    assert ids["sub"] not in snapshot.scopes["recruitment"].permissions


def test_expired_token_falls_back_to_a_full_crawl(world, server, store):
    inventory(server, store)
    t, ids = world.tenant, world.ids
    t.expire_delta_tokens(t.drive(ids["drive"]))
    t.delete_item(t.item(ids["drive"], ids["eva"]))
    result, _ = inventory(server, store)
    crawl = next(c for c in result.crawls if c.drive_id == ids["drive"])
    assert crawl.resynced and crawl.kind == "full"
    snapshot = load_snapshot(store, spec())
    assert ids["eva"] not in snapshot.scopes["recruitment"].items
    assert inventoried(snapshot, "recruitment") == truth(t, ids["drive"])


def test_killed_inventory_resumes_to_a_complete_snapshot(tmp_path):
    world = build_world(extra_files=4500)  # five delta pages of 1000
    with SandboxServer(world.tenant) as server:
        path = tmp_path / "state.sqlite"

        class Killed(BaseException):
            pass

        pages = 0

        def die_after_three_pages(what: str, _n: int) -> None:
            nonlocal pages
            if what == "items":
                pages += 1
                if pages == 3:
                    raise Killed

        with StateStore(path) as store, pytest.raises(Killed):
            inventory(server, store, progress=die_after_three_pages)
        with StateStore(path) as store:
            repo = InventoryRepository(store)
            assert repo.item_count() == 0  # nothing half-committed
            assert repo.checkpoint(world.ids["drive"]).pages == 3
            result, _ = inventory(server, store)
            crawl = next(c for c in result.crawls if c.drive_id == world.ids["drive"])
            assert crawl.resumed and crawl.kind == "full"
            snapshot = load_snapshot(store, spec())
            assert inventoried(snapshot, "recruitment") == truth(world.tenant, world.ids["drive"])
            assert repo.checkpoint(world.ids["drive"]) is None


def test_unreachable_site_and_missing_permission_are_gaps(world, server, store):
    world.tenant.access.denied_sites.add(world.ids["kunder"])
    world.tenant.access.permissions.discard("GroupMember.Read.All")
    result, _ = inventory(server, store)
    ops = {(g.scope, g.operation, g.status) for g in result.gaps}
    assert ("customers", "resolve site and library", 403) in ops
    assert ("directory", "transitiveMembers", 403) in ops
    assert any(g.scope == "register" for g in result.gaps)
    assert any("GroupMember.Read.All" in (g.hint or "") for g in result.gaps)
    snapshot = load_snapshot(store, spec())
    assert "customers" not in snapshot.scopes


@pytest.mark.parametrize("mode", ["sharing-delta", "auto"])
def test_without_sharing_delta_permission_every_item_is_re_read(world, server, store, mode):
    world.tenant.access.permissions.discard("Sites.FullControl.All")
    world.tenant.access.permissions.add("Sites.Read.All")
    result, _ = inventory(server, store, mode=mode)
    assert {c.mode for c in result.crawls} == {PER_ITEM}
    assert any(g.operation == "sharing delta" for g in result.gaps) == (mode == "sharing-delta")
    snapshot = load_snapshot(store, spec())
    assert inventoried(snapshot, "recruitment") == truth(world.tenant, world.ids["drive"])
    # A permission-only change (inheritance broken on one folder) is invisible to delta here, yet the
    # next run sees it because every item's permissions are re-read.
    t, ids = world.tenant, world.ids
    t.grant(t.item(ids["drive"], ids["eva"]), ("read",), user_id=ids["siv"])
    inventory(server, store, mode=mode)
    assert inventoried(load_snapshot(store, spec()), "recruitment") == truth(t, ids["drive"])
