"""Item permissions over real HTTP: shapes, inheritance, 304, delete, costs (facts §2, §7.1)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from drive_world import Library, items_url

from m365_compliance.sandbox.server import SandboxServer


def _permissions(http: httpx.Client, lib: Library, item, **params: str) -> list[dict]:
    response = http.get(f"{items_url(lib, item)}/permissions", params=params)
    assert response.status_code == 200, response.text
    return response.json()["value"]


def test_root_has_the_site_groups(http: httpx.Client, lib: Library) -> None:
    values = _permissions(http, lib, lib.root)
    assert values[0] == {"id": "3", "roles": ["owner"],
                         "grantedToV2": {"siteGroup": {"id": "3", "displayName": "Rekruttering Owners",
                                                       "loginName": "Rekruttering Owners"}}}
    assert [v["id"] for v in values] == ["3", "5", "4"]


def test_inherited_permissions_are_effective_and_carry_no_inherited_from(http: httpx.Client, lib: Library) -> None:
    values = _permissions(http, lib, lib.cv)
    group = next(v for v in values if "group" in v.get("grantedToV2", {}))
    assert group["grantedToV2"]["group"] == {"id": lib.group.id, "displayName": "Finance Team",
                                            "email": "finance@tretoen.no"}
    assert group["roles"] == ["read"]
    assert all("inheritedFrom" not in v for v in values)
    assert values == _permissions(http, lib, lib.applicants)


def test_user_grants_carry_a_site_user_with_claims_login(http: httpx.Client, lib: Library) -> None:
    lib.tenant.grant(lib.notes, ["write"], user_id=lib.user.id)
    lib.tenant.grant(lib.notes, ["read"], user_id=lib.guest.id)
    values = _permissions(http, lib, lib.notes)
    member, guest = (v["grantedToV2"] for v in values if "user" in v.get("grantedToV2", {}))
    assert member["user"] == {"id": lib.user.id, "displayName": "Ola Hansen", "email": "ola.hansen@tretoen.no"}
    assert member["siteUser"]["loginName"] == "i:0#.f|membership|ola.hansen@tretoen.no"
    assert member["siteUser"]["id"].isdigit()
    assert guest["siteUser"]["loginName"] == "i:0#.f|membership|judith_fabrikam.com#ext#@tretoen.onmicrosoft.com"


def test_sharing_links(http: httpx.Client, lib: Library) -> None:
    expires = datetime(2026, 12, 31, tzinfo=UTC)
    anonymous = lib.tenant.add_link(lib.cv, "anonymous", "view", expires=expires)
    people = lib.tenant.add_link(lib.cv, "users", "edit", recipients=[lib.guest.id])
    values = {v["id"]: v for v in _permissions(http, lib, lib.cv)}
    anon = values[anonymous.id]
    assert anon["roles"] == ["read"]
    assert anon["link"]["scope"] == "anonymous" and anon["link"]["type"] == "view"
    assert anon["link"]["preventsDownload"] is False
    assert anon["link"]["webUrl"].startswith("https://tretoen.sharepoint.com/:w:/s/rekruttering/")
    assert anon["shareId"].startswith("u!")
    assert anon["expirationDateTime"] == "2026-12-31T00:00:00Z"
    assert "grantedToIdentitiesV2" not in anon
    specific = values[people.id]
    assert specific["roles"] == ["write"]
    assert [i["user"]["id"] for i in specific["grantedToIdentitiesV2"]] == [lib.guest.id]
    assert "siteUser" in specific["grantedToIdentitiesV2"][0]


def test_select(http: httpx.Client, lib: Library) -> None:
    values = _permissions(http, lib, lib.root, **{"$select": "id,roles"})
    assert values[0] == {"id": "3", "roles": ["owner"]}


def test_if_none_match_answers_304_until_permissions_change(http: httpx.Client, lib: Library) -> None:
    url = f"{items_url(lib, lib.cv)}/permissions"
    lib.tenant.touch(lib.cv)  # the eTag is minted after the last permission change
    assert http.get(url, headers={"if-none-match": lib.cv.etag}).status_code == 304
    assert http.get(url, headers={"if-none-match": '"{0000},1"'}).status_code == 200
    lib.tenant.grant(lib.applicants, ["write"], user_id=lib.user.id)  # an ancestor's grants change
    response = http.get(url, headers={"if-none-match": lib.cv.etag})
    assert response.status_code == 200
    assert any("user" in v.get("grantedToV2", {}) for v in response.json()["value"])


def test_get_one_permission(http: httpx.Client, lib: Library) -> None:
    body = http.get(f"{items_url(lib, lib.cv)}/permissions/{lib.group.id}")
    assert body.status_code == 404  # group grants have a claims-based id, not the group id
    grant_id = lib.applicants.grants[-1].id
    body = http.get(f"{items_url(lib, lib.cv)}/permissions/{grant_id}").json()
    assert body["grantedToV2"]["group"]["id"] == lib.group.id


def test_delete_a_direct_permission(http: httpx.Client, lib: Library) -> None:
    link = lib.tenant.add_link(lib.notes, "organization")
    response = http.delete(f"{items_url(lib, lib.notes)}/permissions/{link.id}")
    assert response.status_code == 204
    assert link.id not in [v["id"] for v in _permissions(http, lib, lib.notes)]
    assert http.delete(f"{items_url(lib, lib.notes)}/permissions/{link.id}").status_code == 404


def test_delete_an_inherited_permission_is_refused(http: httpx.Client, lib: Library) -> None:
    grant_id = lib.applicants.grants[-1].id
    response = http.delete(f"{items_url(lib, lib.cv)}/permissions/{grant_id}")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "accessDenied"
    assert grant_id in [v["id"] for v in _permissions(http, lib, lib.cv)]


def test_delete_with_stale_if_match_changes_nothing(http: httpx.Client, lib: Library) -> None:
    link = lib.tenant.add_link(lib.notes, "anonymous")
    stale = lib.notes.etag
    lib.tenant.touch(lib.notes)
    url = f"{items_url(lib, lib.notes)}/permissions/{link.id}"
    response = http.delete(url, headers={"If-Match": stale})
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "resourceModified"
    assert link.id in [v["id"] for v in _permissions(http, lib, lib.notes)]
    assert http.delete(url, headers={"If-Match": lib.notes.etag}).status_code == 204


def test_every_permission_call_costs_5(http: httpx.Client, lib: Library, server: SandboxServer) -> None:
    link = lib.tenant.add_link(lib.notes, "anonymous")
    server.app.meter.reset()
    http.get(f"{items_url(lib, lib.notes)}/permissions")
    http.get(f"{items_url(lib, lib.notes)}/permissions/{link.id}")
    http.delete(f"{items_url(lib, lib.notes)}/permissions/{link.id}")
    ru = server.app.meter.snapshot()["ruByEndpoint"]
    assert ru["GET /drives/{id}/items/{id}/permissions"] == 5
    assert ru["GET /drives/{id}/items/{id}/permissions/{id}"] == 5
    assert ru["DELETE /drives/{id}/items/{id}/permissions/{id}"] == 5
