"""The operator window ``/_sandbox``: tenant changes over HTTP mirror the Python API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from site_world import World, build, graph, operator

from m365_compliance.sandbox.model import RetentionLabelDef
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.tenant import Tenant


@pytest.fixture
def world(tenant: Tenant) -> World:
    return build(tenant)


@pytest.fixture
def ops(server: SandboxServer, world: World) -> Iterator[httpx.Client]:
    with operator(server) as http:
        yield http


@pytest.fixture
def client(server: SandboxServer) -> Iterator[httpx.Client]:
    with graph(server) as http:
        yield http


def _items(world: World) -> str:
    return f"/_sandbox/items/{world.documents.id}"


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return response.json()["error"]["message"]


def test_stats_and_reset(ops: httpx.Client, client: httpx.Client, world: World) -> None:
    client.get(f"/sites/{world.site.id}").raise_for_status()
    stats = ops.get("/_sandbox/stats").json()
    assert stats["requests"] == 1 and stats["ruTotal"] == 1 and stats["statuses"] == {"200": 1}
    assert ops.post("/_sandbox/stats/reset").status_code == 204
    assert ops.get("/_sandbox/stats").json()["requests"] == 0


def test_add_file_folder_touch_rename_move_fields(ops: httpx.Client, world: World) -> None:
    folder = ops.post(f"{_items(world)}/root/children", json={"name": "Søkere", "folder": True})
    assert folder.status_code == 201 and folder.json()["folder"] is True
    folder_id = folder.json()["id"]
    created = ops.post(f"{_items(world)}/{folder_id}/children",
                       json={"name": "cv.pdf", "size": 10, "createdBy": "alice@tretoen.no",
                             "fields": {"ComplianceAssetId": "4815"}}).json()
    item = world.tenant.item(world.documents.id, created["id"])
    assert created["path"] == "/Søkere/cv.pdf" and item.created_by == world.alice.id
    assert item.fields == {"ComplianceAssetId": "4815"} and item.mime_type == "application/pdf"

    touched = ops.post(f"{_items(world)}/{item.id}/touch", json={"size": 99}).json()
    assert touched["cTag"] != created["cTag"] and item.size == 99
    assert ops.post(f"{_items(world)}/{item.id}/rename", json={"name": "cv-2.pdf"}).json()["name"] == "cv-2.pdf"
    moved = ops.post(f"{_items(world)}/{item.id}/move", json={"parentId": world.documents.root_id}).json()
    assert moved["path"] == "/cv-2.pdf"
    before = item.ctag
    patched = ops.patch(f"{_items(world)}/{item.id}/fields", json={"Hired": True}).json()
    assert patched["fields"] == {"ComplianceAssetId": "4815", "Hired": True} and item.ctag == before


def test_links_and_grants(ops: httpx.Client, world: World) -> None:
    file_id = world.tenant.add_file(world.documents, None, "kontrakt.docx").id
    link = ops.post(f"{_items(world)}/{file_id}/links",
                    json={"scope": "users", "type": "edit", "recipients": ["judith@fabrikam.com"],
                          "expires": "2027-01-01T00:00:00Z"})
    assert link.status_code == 201
    assert link.json()["link"] == {"scope": "users", "type": "edit", "recipients": [world.guest.id]}
    item = world.tenant.item(world.documents.id, file_id)
    assert item.has_unique_permissions  # a link breaks inheritance, as in SharePoint
    assert any(g.expires == datetime(2027, 1, 1, tzinfo=UTC) for g in item.grants or [])

    grant = ops.post(f"{_items(world)}/{file_id}/grants", json={"roles": ["read"], "groupId": world.hr.id}).json()
    assert grant["groupId"] == world.hr.id
    assert ops.delete(f"{_items(world)}/{file_id}/grants/{grant['id']}").status_code == 204
    assert all(g.id != grant["id"] for g in item.grants or [])
    assert "not be found" in _error(ops.delete(f"{_items(world)}/{file_id}/grants/{grant['id']}"), 404)


@pytest.mark.parametrize(("path", "body", "fragment"), [
    ("links", {"type": "view"}, "'scope' is required"),
    ("links", {"scope": "everyone"}, "link scope must be one of"),
    ("grants", {"roles": "read", "userId": "bob@tretoen.no"}, "'roles' must be list"),
    ("grants", {"roles": ["read"]}, "exactly one of"),
    ("children", {"name": 5}, "'name' must be str"),
    ("children", {"name": "x", "created": "yesterday"}, "ISO-8601"),
    ("move", {}, "'parentId' is required"),
])
def test_bad_item_requests_say_what_is_wrong(ops: httpx.Client, world: World, path: str, body: dict,
                                             fragment: str) -> None:
    assert fragment in _error(ops.post(f"{_items(world)}/root/{path}", json=body), 400)


def test_unknown_principal_or_item_is_404(ops: httpx.Client, world: World) -> None:
    _error(ops.post(f"{_items(world)}/root/grants", json={"roles": ["read"], "userId": "ghost@tretoen.no"}), 404)
    _error(ops.post(f"{_items(world)}/01NOPE/touch"), 404)


def test_delete_goes_to_the_recycle_bin_and_retention_blocks(ops: httpx.Client, world: World) -> None:
    tenant = world.tenant
    loose = tenant.add_file(world.documents, None, "old.txt")
    entry = ops.delete(f"{_items(world)}/{loose.id}").json()["recycleBinEntryId"]
    assert entry in tenant.recycle_bin and loose.deleted
    gone = tenant.add_file(world.documents, None, "gone.txt")
    assert ops.delete(f"{_items(world)}/{gone.id}", params={"permanent": "true"}).status_code == 204
    assert gone.id not in {e.item_id for e in tenant.recycle_bin.values()}
    tenant.add_label(RetentionLabelDef("Hold-5y", behavior="retain"))
    kept = tenant.add_file(world.documents, None, "kept.txt")
    tenant.set_label(kept, "Hold-5y")
    assert "on hold" in _error(ops.delete(f"{_items(world)}/{kept.id}"), 403)
    assert not kept.deleted


def test_clock(ops: httpx.Client, world: World) -> None:
    start = world.tenant.now
    moved = ops.post("/_sandbox/clock", json={"days": 30}).json()["now"]
    assert (world.tenant.now - start).days == 30 and moved.endswith("Z")
    now = ops.post("/_sandbox/clock", json={"set": "2027-06-01T12:00:00+02:00"}).json()["now"]
    assert now == "2027-06-01T10:00:00Z"
    assert ops.get("/_sandbox/clock").json()["now"] == "2027-06-01T10:00:00Z"
    assert "got ['weeks']" in _error(ops.post("/_sandbox/clock", json={"weeks": 1}), 400)
    _error(ops.post("/_sandbox/clock", json={"days": "soon"}), 400)


def test_expire_delta_tokens(ops: httpx.Client, world: World) -> None:
    floor = world.documents.token_floor
    assert ops.post(f"/_sandbox/drives/{world.documents.id}/expire-delta-tokens").status_code == 204
    assert world.documents.token_floor > floor
    _error(ops.post("/_sandbox/drives/b!nope/expire-delta-tokens"), 404)


def test_deny_and_allow_a_site(ops: httpx.Client, client: httpx.Client, world: World) -> None:
    state = ops.post(f"/_sandbox/sites/{world.site.id}/deny").json()
    assert state["deniedSites"] == [world.site.id]
    assert client.get(f"/sites/{world.site.id}").status_code == 403
    ops.post("/_sandbox/sites/tretoen.sharepoint.com:/sites/rekruttering/allow").raise_for_status()  # by path
    assert client.get(f"/sites/{world.site.id}").status_code == 200


def test_revoke_and_grant_an_app_permission(ops: httpx.Client, client: httpx.Client, world: World) -> None:
    state = ops.post("/_sandbox/app/permissions/User.Read.All/revoke").json()
    assert "User.Read.All" not in state["permissions"]
    assert client.get("/users").status_code == 403
    ops.post("/_sandbox/app/permissions/User.Read.All/grant").raise_for_status()
    assert client.get("/users").status_code == 200
    assert "User.Read.All" in ops.get("/_sandbox/app").json()["permissions"]


def test_faults_and_budget_configuration(ops: httpx.Client, server: SandboxServer) -> None:
    plan = ops.post("/_sandbox/faults", json={"rate": 0.25, "kinds": ["503"], "seed": 5}).json()
    assert plan == {"rate": 0.25, "kinds": ["503"], "seed": 5, "slowSeconds": 0.2}
    assert server.app.faults.plan.kinds == ("503",)
    assert "fault kinds" in _error(ops.post("/_sandbox/faults", json={"rate": 0.1, "kinds": ["boom"]}), 400)
    assert "between 0 and 1" in _error(ops.post("/_sandbox/faults", json={"rate": 2}), 400)
    assert ops.post("/_sandbox/budget", json={"ruPerMinute": 1250}).json() == {"ruPerMinute": 1250}
    assert server.app.meter.ru_per_minute == 1250
    _error(ops.post("/_sandbox/budget", json={"ruPerMinute": 0}), 400)
    _error(ops.post("/_sandbox/budget", json={}), 400)
    assert ops.post("/_sandbox/budget", json={"ruPerMinute": None}).json() == {"ruPerMinute": None}


def test_unknown_control_and_wrong_method(ops: httpx.Client) -> None:
    assert ops.get("/_sandbox/nothing").status_code == 404
    assert ops.get("/_sandbox/budget").status_code == 405
    assert "JSON" in _error(ops.post("/_sandbox/budget", content=b"[1]"), 400)
