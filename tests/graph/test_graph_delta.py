"""The manual delta loop: paging, Prefer on every page, sharing changes, tombstones, 410 (facts §1, §8.4)."""

from __future__ import annotations

import pytest
from graph_world import FakeClock, World, in_process

from m365_compliance.graph import DeltaPage, GraphGateway, ResyncRequired

pytestmark = pytest.mark.anyio

SHARING = ("deltashowremovedasdeleted", "deltatraversepermissiongaps", "deltashowsharingchanges",
           "hierarchicalsharing")


async def crawl(gateway: GraphGateway, drive_id: str, link: str | None = None, **kwargs: object) -> list[DeltaPage]:
    return [page async for page in gateway.delta(drive_id, link=link, **kwargs)]  # type: ignore[arg-type]


async def test_full_enumeration_over_several_pages(gateway: GraphGateway, world: World) -> None:
    pages = await crawl(gateway, world.drive.id, top=3)
    assert len(pages) >= 4
    assert all(p.next_link and not p.delta_link for p in pages[:-1])
    assert pages[-1].delta_link and not pages[-1].next_link
    items = {i.id: i for p in pages for i in p.items}
    assert set(items) == set(world.drive.items)
    root = items[world.drive.root_id]
    assert root.is_root and root.is_folder and root.parent_id is None
    cv = items[world.cv.id]
    assert (cv.name, cv.parent_id, cv.drive_id, cv.is_folder) == ("cv.pdf", world.folder.id, world.drive.id, False)
    assert cv.etag == world.cv.etag and cv.ctag == world.cv.ctag and cv.size == 1024
    assert cv.created_by and cv.modified is not None
    # Without hierarchicalsharing every item reaching beyond the site groups carries the facet (§1.4).
    assert cv.shared_scope == "anonymous"
    assert items[world.notes.id].shared_scope == "users"  # inherits the folder's group grant
    assert items[world.contract.id].shared_scope is None
    assert gateway.stats.calls["read the library's delta feed"] == len(pages)


async def test_prefer_and_select_reach_the_wire_on_every_page(world: World, clock: FakeClock) -> None:
    gateway, recorder = in_process(world, clock)
    async with gateway:
        pages = await crawl(gateway, world.drive.id, prefer=SHARING, top=4)
    assert len(pages) >= 3
    assert all(set(p.preference_applied) == set(SHARING) for p in pages)
    deltas = [(path, headers) for _, path, headers in recorder.requests if path.endswith(("/delta()", "/delta"))]
    assert len(deltas) == len(pages)
    assert all(headers["prefer"] == ", ".join(SHARING) for _, headers in deltas)
    assert "//" not in "".join(path for path, _ in deltas)  # base URL set on the adapter (facts §8.1)


async def test_select_always_keeps_the_deleted_facet(gateway: GraphGateway, world: World) -> None:
    first = await crawl(gateway, world.drive.id)
    world.tenant.delete_item(world.tenant.item(world.drive.id, world.notes.id))
    changes = await crawl(gateway, world.drive.id, link=first[-1].delta_link, select=("name",))
    gone = {i.id: i for p in changes for i in p.items}[world.notes.id]
    assert gone.deleted and gone.name == "" and not gone.is_folder


async def test_incremental_delta_reports_sharing_changes(gateway: GraphGateway, world: World) -> None:
    first = await crawl(gateway, world.drive.id, prefer=SHARING)
    ru_before = gateway.stats.ru
    world.tenant.add_link(world.tenant.item(world.drive.id, world.contract.id), "anonymous")
    changes = await crawl(gateway, world.drive.id, link=first[-1].delta_link, prefer=SHARING)
    assert gateway.stats.ru - ru_before == 1  # delta with a token costs 1 RU (facts §7.1)
    changed = {i.id: i for p in changes for i in p.items}
    contract = changed[world.contract.id]
    assert contract.sharing_changed and contract.shared_scope == "anonymous"
    # deltaExcludeParent (facts §1.1): the unchanged parent chain is not sent, so not re-read either.
    assert world.drive.root_id not in changed


async def test_expired_token_raises_resync_with_location(gateway: GraphGateway, world: World) -> None:
    first = await crawl(gateway, world.drive.id)
    world.tenant.expire_delta_tokens(world.drive)
    with pytest.raises(ResyncRequired) as caught:
        await crawl(gateway, world.drive.id, link=first[-1].delta_link)
    error = caught.value
    assert (error.status, error.code) == (410, "resyncRequired")
    assert error.location and error.location.startswith(gateway.settings.graph_url)
    assert "full crawl" in error.hint
    again = await crawl(gateway, world.drive.id, link=error.location)
    assert {i.id for p in again for i in p.items} == set(world.drive.items)
