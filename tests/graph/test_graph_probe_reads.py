"""The small reads ``doctor`` probes with: one page of a collection, a list's column names."""

from __future__ import annotations

import pytest
from graph_world import World

from m365_compliance.graph import GraphGateway, NotFound

pytestmark = pytest.mark.anyio


async def test_first_page_only_is_one_request(gateway: GraphGateway, world: World) -> None:
    big = world.tenant.add_group("Big", "big@tretoen.no")
    for n in range(130):
        world.tenant.add_member(big.id, world.tenant.add_user(f"User {n}", f"user{n}@tretoen.no").id)
    first = await gateway.transitive_members(big.id, first_page_only=True)
    assert len(first) == 100 and gateway.stats.calls["expand a group's members"] == 1  # the directory pages by 100
    users = await gateway.list_users(first_page_only=True)
    assert len(users) == 100 and gateway.stats.calls["list users"] == 1


async def test_list_columns_gives_internal_names(gateway: GraphGateway, world: World) -> None:
    wanted = {c.name for c in world.register.columns}
    assert wanted and set(await gateway.list_columns(world.site.id, world.register.display_name)) == wanted
    with pytest.raises(NotFound):
        await gateway.list_columns(world.site.id, "No such list")
