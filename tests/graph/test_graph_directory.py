"""Directory reads: transitive members with nesting and guests, groups by id or mail, users (facts §2.5)."""

from __future__ import annotations

import pytest
from graph_world import World

from m365_compliance.graph import GraphGateway, PermissionDenied
from m365_compliance.model import PrincipalKind

pytestmark = pytest.mark.anyio


async def test_transitive_members_expand_nesting_and_mark_guests(gateway: GraphGateway, world: World) -> None:
    members = {(p.kind, p.id) for p in await gateway.transitive_members(world.team.id)}
    assert members == {(PrincipalKind.USER, world.alice.id), (PrincipalKind.GROUP, world.inner.id),
                       (PrincipalKind.USER, world.bob.id), (PrincipalKind.GUEST, world.gus.id)}


async def test_transitive_members_page(gateway: GraphGateway, world: World) -> None:
    big = world.tenant.add_group("Big", "big@tretoen.no")
    users = [world.tenant.add_user(f"User {n}", f"user{n}@tretoen.no") for n in range(130)]
    for user in users:
        world.tenant.add_member(big.id, user.id)
    found = await gateway.transitive_members(big.id)
    assert sorted(p.id for p in found) == sorted(u.id for u in users)
    assert gateway.stats.calls["expand a group's members"] >= 2  # the directory pages by 100


async def test_find_group(gateway: GraphGateway, world: World) -> None:
    by_mail = await gateway.find_group("TEAM@tretoen.no")
    by_id = await gateway.find_group(world.team.id)
    assert by_mail == by_id and by_mail is not None
    assert (by_mail.kind, by_mail.display_name, by_mail.email) == (PrincipalKind.GROUP, "Team", "team@tretoen.no")
    assert await gateway.find_group("nobody@tretoen.no") is None
    assert await gateway.find_group("00000000-0000-4000-8000-000000000000") is None
    assert await gateway.find_group("o'brien@tretoen.no") is None  # quotes escaped in $filter


async def test_list_users(gateway: GraphGateway, world: World) -> None:
    users = {p.id: p for p in await gateway.list_users()}
    assert users[world.gus.id].kind is PrincipalKind.GUEST
    assert users[world.alice.id].kind is PrincipalKind.USER
    assert users[world.alice.id].email == "alice@tretoen.no"


async def test_missing_directory_permission_is_named(gateway: GraphGateway, world: World) -> None:
    world.tenant.access.permissions.discard("GroupMember.Read.All")
    with pytest.raises(PermissionDenied) as caught:
        await gateway.transitive_members(world.team.id)
    assert caught.value.status == 403
    assert caught.value.permission == "GroupMember.Read.All"
    assert "GroupMember.Read.All" in caught.value.hint
