"""Permission mapping for every kind of grant, direct and through $batch (facts §2, §6)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from graph_world import EXPIRY, FakeClock, World, in_process

from m365_compliance.graph import GraphGateway, NotFound
from m365_compliance.graph.json_records import permission_from_json
from m365_compliance.model import LinkScope, Permission, PrincipalKind

pytestmark = pytest.mark.anyio


def by_kind(perms: list[Permission]) -> dict[str, Permission]:
    out: dict[str, Permission] = {}
    for p in perms:
        key = p.link_scope.value if p.link_scope else p.grantees[0].kind.value + ":" + p.grantees[0].display_name
        out[key] = p
    return out


async def test_each_kind_of_permission(gateway: GraphGateway, world: World) -> None:
    await gateway.list_libraries(world.site.id)  # lets the gateway qualify site-group ids by site
    perms = by_kind(await gateway.list_permissions(world.drive.id, world.cv.id))

    owners = perms["siteGroup:Rekruttering Owners"]
    assert owners.roles == ("owner",) and owners.grantees[0].id == f"{world.site.id}/3"
    assert owners.grantees[0].key == f"siteGroup:{world.site.id}/3"

    alice = perms["user:Alice Member"]
    assert alice.roles == ("write",) and alice.grantees[0].id == world.alice.id
    assert alice.grantees[0].email == "alice@tretoen.no" and not alice.is_link

    guest = perms["guest:Gus Guest"].grantees[0]
    assert guest.kind is PrincipalKind.GUEST and guest.id == world.gus.id and guest.is_external

    team = perms["group:Team"]  # copied from the folder when inheritance broke
    assert team.grantees[0].kind is PrincipalKind.GROUP and team.grantees[0].id == world.team.id

    anonymous = perms["anonymous"]
    assert anonymous.link_scope is LinkScope.ANONYMOUS and anonymous.link_type == "view"
    assert anonymous.grantees[0].kind is PrincipalKind.ANYONE
    assert anonymous.expires == EXPIRY and anonymous.expired(datetime(2027, 1, 1, tzinfo=UTC))

    org = perms["organization"]
    assert org.link_type == "edit" and org.roles == ("write",) and org.expires is None
    assert org.grantees[0].kind is PrincipalKind.ORGANIZATION

    people = perms["users"]
    assert {(p.kind, p.id) for p in people.grantees} == {(PrincipalKind.USER, world.bob.id),
                                                         (PrincipalKind.GUEST, world.gus.id)}
    assert all(p.inherited is None for p in perms.values())  # SharePoint omits inheritedFrom (§2.3)


async def test_inherited_permissions_come_from_the_root(gateway: GraphGateway, world: World) -> None:
    perms = await gateway.list_permissions(world.drive.id, world.contract.id)
    assert {p.grantees[0].kind for p in perms} == {PrincipalKind.SITE_GROUP}
    assert {p.grantees[0].id for p in perms} == {"3", "4", "5"}  # site unknown to the gateway yet


async def test_batch_equals_direct_reads_across_chunks(gateway: GraphGateway, world: World) -> None:
    ids = [i for i in world.drive.items] * 2 + ["01NOSUCHITEM"]  # duplicates, > 20, one unknown
    answers = await gateway.batch_get_permissions(world.drive.id, ids)
    assert set(answers) == set(ids)
    for item_id in world.drive.items:
        assert answers[item_id] == await gateway.list_permissions(world.drive.id, item_id)
    missing = answers["01NOSUCHITEM"]
    assert isinstance(missing, NotFound) and missing.status == 404


async def test_batch_wire_format(world: World, clock: FakeClock) -> None:
    gateway, recorder = in_process(world, clock)
    async with gateway:
        await gateway.batch_get_permissions(world.drive.id, list(world.drive.items))
    envelopes = [r for r in recorder.requests if r[1].endswith("/$batch")]
    assert len(envelopes) == 1  # 10 items fit one envelope
    assert gateway.stats.ru == 5 * len(world.drive.items)  # items are charged, not the envelope
    assert gateway.stats.requests == 1


def parse(body: Mapping[str, Any]) -> Permission:
    return permission_from_json(json.loads(json.dumps(body)), None)


def test_inherited_from_presence_and_the_no_expiry_date() -> None:
    """``inheritedFrom: {}`` is present, so inherited; its absence says nothing (facts §2.3)."""
    grant = {"id": "1", "roles": ["read"], "grantedToV2": {"user": {"id": "u1", "displayName": "U"}}}
    assert parse(grant).inherited is None
    assert parse({**grant, "inheritedFrom": {}}).inherited is True
    never = {**grant, "link": {"scope": "anonymous", "type": "view"}, "expirationDateTime": "0001-01-01T00:00:00Z"}
    assert parse(never).expires is None
    dated = parse({**never, "expirationDateTime": "2027-03-01T10:00:00.1234567Z"})
    assert dated.expires == datetime(2027, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)  # 7 digits, as Graph writes


def test_a_links_audience_is_never_assumed() -> None:
    """A scope value this code does not know, or no scope and nobody named: audience unknown, not anonymous."""
    for link in ({"scope": "somethingNew", "type": "view"}, {"type": "view"}, {"scope": "users", "type": "view"}):
        perm = parse({"id": "1", "roles": ["read"], "link": link})
        assert [g.kind for g in perm.grantees] == [PrincipalKind.AUDIENCE_UNKNOWN]
        assert perm.link_scope is (LinkScope.USERS if link.get("scope") == "users" else LinkScope.UNKNOWN)
    named = parse({"id": "2", "roles": ["read"], "link": {"type": "view"},
                   "grantedToIdentitiesV2": [{"user": {"id": "u1", "displayName": "U"}}]})
    assert named.link_scope is LinkScope.USERS and [g.id for g in named.grantees] == ["u1"]


def test_sharepoint_identities() -> None:
    """Site groups are qualified by site; guests are told apart by their ``#ext#`` login (facts §2.6)."""
    site = permission_from_json({"id": "3", "roles": ["owner"],
                                 "grantedToV2": {"siteGroup": {"id": "3", "displayName": "Owners"}}}, "site-1")
    assert site.grantees[0].key == "siteGroup:site-1/3"
    guest = parse({"id": "4", "roles": ["read"], "grantedToV2": {
        "user": {"id": "g1", "displayName": "Gus", "email": "gus@example.com"},
        "siteUser": {"id": "9", "loginName": "i:0#.f|membership|gus_example.com#ext#@tretoen.onmicrosoft.com"}}})
    assert (guest.grantees[0].kind, guest.grantees[0].email) == (PrincipalKind.GUEST, "gus@example.com")
    app = parse({"id": "5", "roles": ["write"], "grantedToV2": {"application": {"id": "a1", "displayName": "App"}}})
    assert app.grantees[0].kind is PrincipalKind.APPLICATION


async def test_unknown_item_is_not_found(gateway: GraphGateway, world: World) -> None:
    with pytest.raises(NotFound):
        await gateway.list_permissions(world.drive.id, "01NOSUCHITEM")


@pytest.mark.parametrize(("identity", "kind", "ident"), [
    ({"siteUser": {"id": "7", "loginName": "c:0-.f|rolemanager|spo-grid-all-users/3f2a3210"}},
     PrincipalKind.EVERYONE, "everyone-except-external"),
    ({"siteUser": {"id": "8", "loginName": "c:0(.s|true"}}, PrincipalKind.EVERYONE, "everyone"),
    ({"siteUser": {"id": "9", "loginName": "c:0o.c|federateddirectoryclaimprovider|"
                                           "0E226165-C685-41CE-8BFC-DF8360AB325D"}},
     PrincipalKind.GROUP, "0e226165-c685-41ce-8bfc-df8360ab325d"),
    ({"siteUser": {"id": "10", "loginName": "c:0t.c|tenant|0e226165-c685-41ce-8bfc-df8360ab325d"}},
     PrincipalKind.GROUP, "0e226165-c685-41ce-8bfc-df8360ab325d"),
    ({"siteUser": {"id": "11", "loginName": "i:0#.f|membership|judith_fabrikam.com#ext#@contoso.onmicrosoft.com"}},
     PrincipalKind.GUEST, None),
    ({"siteUser": {"id": "12", "loginName": "i:0#.w|contoso\\someone"}}, PrincipalKind.UNRESOLVED, None),
    ({"sharePointGroup": {"id": "sp-1", "displayName": "Owners"}}, PrincipalKind.SITE_GROUP, "sp-1"),
    ({"device": {"id": "dev-1"}}, PrincipalKind.UNRESOLVED, None),
    ("not an identity set", PrincipalKind.UNRESOLVED, None),
])
def test_every_identity_shape_names_someone(identity, kind, ident) -> None:
    """siteUser claims, sharePointGroup, devices and junk: a principal each, never an empty grantee list."""
    perm = parse({"id": "p", "roles": ["read"], "grantedToV2": identity})
    assert [g.kind for g in perm.grantees] == [kind]
    if ident is not None:
        assert perm.grantees[0].id == ident
    if kind in (PrincipalKind.GUEST, PrincipalKind.UNRESOLVED):
        assert "@" not in perm.grantees[0].key  # no address in a key


def test_an_invitation_is_an_outsider_until_accepted_and_accepted_is_the_person() -> None:
    pending = parse({"id": "p", "roles": ["read"], "invitation": {"email": "Someone@Elsewhere.example",
                                                                   "signInRequired": True}})
    assert [g.kind for g in pending.grantees] == [PrincipalKind.INVITATION]
    assert pending.grantees[0].email == "someone@elsewhere.example" and pending.grantees[0].is_external
    accepted = parse({"id": "p", "roles": ["read"], "invitation": {"email": "someone@elsewhere.example"},
                      "grantedToV2": {"user": {"id": "g1", "displayName": "S"}}})
    assert [(g.kind, g.id) for g in accepted.grantees] == [(PrincipalKind.USER, "g1")]


def test_a_grant_naming_nobody_is_unresolved_and_links_keep_their_flags() -> None:
    assert [g.kind for g in parse({"id": "p", "roles": ["read"]}).grantees] == [PrincipalKind.UNRESOLVED]
    link = parse({"id": "l", "roles": ["read"], "hasPassword": True,
                  "link": {"scope": "anonymous", "type": "view", "preventsDownload": True}})
    assert (link.has_password, link.prevents_download) == (True, True)
    deprecated = parse({"id": "d", "roles": ["write"], "link": {"scope": "users", "type": "edit"},
                        "grantedToIdentities": [{"user": {"id": "u9", "displayName": "Old"}}]})
    assert [g.id for g in deprecated.grantees] == ["u9"]
