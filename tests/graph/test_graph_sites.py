"""Sites by URL, libraries, list rows: facts §3.1 to §3.3."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from graph_world import World

from m365_compliance.graph import GraphGateway, NotFound

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("url", [
    "https://tretoen.sharepoint.com/sites/rekruttering",
    "https://tretoen.sharepoint.com/sites/rekruttering/",
    "https://tretoen.sharepoint.com/sites/rekruttering/Dokumenter/Forms/AllItems.aspx",
])
async def test_resolve_site_by_url(gateway: GraphGateway, world: World, url: str) -> None:
    site = await gateway.resolve_site(url)
    assert site.id == world.site.id
    assert site.web_url == "https://tretoen.sharepoint.com/sites/rekruttering"
    assert site.display_name == "Rekruttering"


async def test_resolve_site_by_id(gateway: GraphGateway, world: World) -> None:
    assert (await gateway.resolve_site(world.site.id)).id == world.site.id


async def test_unknown_site_is_not_found_with_a_hint(gateway: GraphGateway) -> None:
    with pytest.raises(NotFound) as caught:
        await gateway.resolve_site("https://tretoen.sharepoint.com/sites/nowhere")
    assert caught.value.status == 404
    assert "sites/<name>" in caught.value.hint


async def test_libraries(gateway: GraphGateway, world: World) -> None:
    libraries = await gateway.list_libraries(world.site.id)
    assert sorted(lib.name for lib in libraries) == ["Arkiv", "Dokumenter"]
    assert all(lib.site_id == world.site.id for lib in libraries)
    found = await gateway.library_by_name(world.site.id, "dokumenter")
    assert found.id == world.drive.id
    assert found.web_url.endswith("/sites/rekruttering/Dokumenter")


async def test_missing_library_lists_the_ones_that_exist(gateway: GraphGateway, world: World) -> None:
    with pytest.raises(NotFound) as caught:
        await gateway.library_by_name(world.site.id, "Documents")
    assert "Arkiv, Dokumenter" in caught.value.hint


async def test_list_items_return_plain_field_values(gateway: GraphGateway, world: World) -> None:
    rows = await gateway.list_items(world.site.id, "Register", fields=("Title", "Owner", "EndDate"))
    assert len(rows) == 1
    row = rows[0]
    assert row["Title"] == "Row 1"
    assert row["Owner"]["Email"] == "alice@tretoen.no" and isinstance(row["Owner"]["LookupId"], int)
    # A date-only column is midnight in the site's zone, sent as UTC (facts §3.3).
    assert row["EndDate"] == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
    assert "id" in row and not any(key.startswith("@odata") for key in row)


async def test_unknown_list_is_not_found(gateway: GraphGateway, world: World) -> None:
    with pytest.raises(NotFound):
        await gateway.list_items(world.site.id, "Nope", fields=("Title",))
