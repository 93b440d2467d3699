"""Users, groups, members and transitive members over real HTTP (facts §2.5, §9)."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from site_world import World

from m365_compliance.sandbox.server import SandboxServer


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [v["id"] for v in response.json()["value"]]


def test_users_return_graphs_default_properties(client: httpx.Client, world: World) -> None:
    first = client.get("/users").json()["value"][0]
    assert first["id"] == world.alice.id and first["mail"] == "alice@tretoen.no"
    assert first["jobTitle"] == "HR" and first["businessPhones"] == []
    assert "userType" not in first  # not a default property in Graph: ask for it with $select
    selected = client.get("/users", params={"$select": "id,userType"}).json()["value"][0]
    assert selected == {"id": world.alice.id, "userType": "Member"}


@pytest.mark.parametrize(("expression", "who"), [
    ("mail eq 'BOB@tretoen.no'", "bob"),
    ("userPrincipalName eq 'carl@tretoen.no'", "carl"),
    ("userType eq 'Guest'", "guest"),
])
def test_user_filters(client: httpx.Client, world: World, expression: str, who: str) -> None:
    assert _ids(client.get("/users", params={"$filter": expression})) == [getattr(world, who).id]


def test_unsupported_user_filter_is_400(client: httpx.Client) -> None:
    response = client.get("/users", params={"$filter": "startswith(displayName,'A')"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "Request_UnsupportedQuery"


def test_user_by_id_and_by_upn(client: httpx.Client, world: World) -> None:
    assert client.get(f"/users/{world.bob.id}").json()["displayName"] == "Bob Dahl"
    guest_upn = quote(world.guest.user_principal_name, safe="@")  # '#EXT#' must be percent-encoded
    assert client.get(f"/users/{guest_upn}").json()["id"] == world.guest.id
    missing = client.get("/users/nobody@tretoen.no")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "Request_ResourceNotFound"


def test_user_paging_keeps_the_filter(client: httpx.Client, server: SandboxServer, world: World) -> None:
    first = client.get("/users", params={"$top": "2", "$filter": "userType eq 'Member'"}).json()
    link = first["@odata.nextLink"]
    assert link.startswith(server.base_url + "/users?")
    second = client.get(link).json()
    assert [u["id"] for u in first["value"] + second["value"]] == [
        world.alice.id, world.bob.id, world.carl.id, world.dina.id]
    assert "@odata.nextLink" not in second


def test_groups_and_group_filter(client: httpx.Client, world: World) -> None:
    assert _ids(client.get("/groups")) == [world.hr.id, world.everyone.id]
    assert _ids(client.get("/groups", params={"$filter": "mail eq 'alle@tretoen.no'"})) == [world.everyone.id]
    body = client.get(f"/groups/{world.everyone.id}").json()
    assert body["groupTypes"] == ["Unified"] and body["securityEnabled"] is False
    assert client.get("/groups/unknown").json()["error"]["code"] == "Request_ResourceNotFound"


def test_members_are_direct_only(client: httpx.Client, world: World) -> None:
    values = client.get(f"/groups/{world.everyone.id}/members").json()["value"]
    assert [(v["@odata.type"], v["id"]) for v in values] == [
        ("#microsoft.graph.user", world.bob.id), ("#microsoft.graph.group", world.hr.id)]


def test_transitive_members_are_flat_with_nested_groups_expanded(client: httpx.Client, world: World) -> None:
    values = client.get(f"/groups/{world.everyone.id}/transitiveMembers").json()["value"]
    by_id = {v["id"]: v["@odata.type"] for v in values}
    assert by_id == {world.bob.id: "#microsoft.graph.user", world.hr.id: "#microsoft.graph.group",
                     world.alice.id: "#microsoft.graph.user", world.guest.id: "#microsoft.graph.user"}
    assert len(values) == 4  # the HR ⊃ Alle cycle neither repeats members nor lists the group itself


def test_transitive_members_page_with_top(client: httpx.Client, server: SandboxServer, world: World) -> None:
    url: str | None = f"/groups/{world.everyone.id}/transitiveMembers?$top=3"
    seen: list[str] = []
    pages = 0
    while url:
        body = client.get(url).json()
        seen += [v["id"] for v in body["value"]]
        url = body.get("@odata.nextLink")
        pages += 1
    assert pages == 2 and len(seen) == len(set(seen)) == 4


def test_group_reads_need_group_member_read_all(client: httpx.Client, world: World) -> None:
    world.tenant.access.permissions.discard("GroupMember.Read.All")
    for url in ("/groups", f"/groups/{world.hr.id}", f"/groups/{world.hr.id}/members",
                f"/groups/{world.hr.id}/transitiveMembers"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "Authorization_RequestDenied"
    world.tenant.access.permissions.add("Directory.Read.All")
    assert client.get(f"/groups/{world.hr.id}/transitiveMembers").status_code == 200


def test_user_reads_need_a_user_read_permission(client: httpx.Client, world: World) -> None:
    world.tenant.access.permissions.discard("User.Read.All")
    assert client.get("/users").status_code == 403
    assert client.get(f"/users/{world.bob.id}").json()["error"]["code"] == "Authorization_RequestDenied"


def test_directory_calls_cost_one_unit(client: httpx.Client, server: SandboxServer, world: World) -> None:
    client.get("/users").raise_for_status()
    client.get(f"/groups/{world.hr.id}/transitiveMembers").raise_for_status()
    ru = server.app.meter.snapshot()["ruByEndpoint"]
    assert ru == {"GET /users": 1, "GET /groups/{id}/transitiveMembers": 1}
