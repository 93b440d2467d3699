"""``POST /$batch`` over real HTTP: limits, validation, dependsOn, per-item costing and throttling (facts §6)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from site_world import World, operator

from m365_compliance.sandbox.server import SandboxServer


def _get(item_id: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"id": item_id, "method": "GET", "url": url, **extra}


def _batch(client: httpx.Client, requests: list[dict[str, Any]]) -> httpx.Response:
    return client.post("/$batch", json={"requests": requests})


def _by_id(response: httpx.Response) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.text
    return {r["id"]: r for r in response.json()["responses"]}


def test_twenty_requests_pass_twenty_one_are_400(client: httpx.Client, server: SandboxServer) -> None:
    twenty = [_get(str(n), "/users") for n in range(20)]
    assert {r["status"] for r in _by_id(_batch(client, twenty)).values()} == {200}
    server.app.meter.reset()
    response = _batch(client, [*twenty, _get("20", "/users")])
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"
    assert server.app.meter.snapshot()["requestsByEndpoint"] == {"POST /$batch": 1}  # no item ran


@pytest.mark.parametrize(("requests", "fragment"), [
    ([_get("a", "/users"), _get("A", "/groups")], "unique"),
    ([{"id": "1", "method": "GET"}], "'url'"),
    ([{"method": "GET", "url": "/users"}], "'id'"),
    ([{"id": "1", "url": "/users"}], "'method'"),
    ([_get("1", "/users", dependsOn=["2"]), _get("2", "/users")], "dependency"),
    ([_get("1", "/users", dependsOn=["nope"])], "dependency"),
])
def test_malformed_batches_are_400(client: httpx.Client, requests: list[dict[str, Any]], fragment: str) -> None:
    response = _batch(client, requests)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


def test_unreadable_body_is_400(client: httpx.Client) -> None:
    assert client.post("/$batch", content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 400
    assert client.post("/$batch", json={"value": []}).status_code == 400


@pytest.mark.parametrize("url", ["users", "/users", "users?$top=1", "/users?$top=1"])
def test_item_url_forms(client: httpx.Client, url: str) -> None:
    """Relative to the version, with or without a leading slash (both in json-batching.md's example)."""
    item = _by_id(_batch(client, [_get("1", url)]))["1"]
    assert item["status"] == 200 and item["body"]["value"]
    assert item["headers"]["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("url", ["{base}/users", "https://graph.microsoft.com/v1.0/users",
                                 "https://graph.microsoft.com/users", "//graph.microsoft.com/v1.0/users"])
def test_an_absolute_item_url_fails_the_whole_batch(client: httpx.Client, server: SandboxServer, url: str) -> None:
    """docs-contrib #8576: "Invalid batch payload format." for the batch; no item runs, not even a good one."""
    server.app.meter.reset()
    response = _batch(client, [_get("1", "/users"), _get("2", url.format(base=server.base_url))])
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadRequest"
    assert error["message"].startswith("Invalid batch payload format") and "'2'" in error["message"]
    assert server.app.meter.snapshot()["requestsByEndpoint"] == {"POST /$batch": 1}


def test_a_version_prefixed_item_url_fails_only_that_item(client: httpx.Client) -> None:
    """msgraph-sdk-javascript #1178: Graph reads "/v1.0/groups" as a resource named "v1.0"."""
    items = _by_id(_batch(client, [_get("1", "/users"), _get("2", "/v1.0/users"), _get("3", "beta/users")]))
    assert items["1"]["status"] == 200
    assert (items["2"]["status"], items["2"]["body"]["error"]["code"]) == (400, "BadRequest")
    assert items["2"]["body"]["error"]["message"] == "Resource not found for the segment 'v1.0'."
    assert items["3"]["body"]["error"]["message"] == "Resource not found for the segment 'beta'."


def test_colons_in_a_relative_url_are_not_a_scheme(client: httpx.Client, world: World) -> None:
    item = _by_id(_batch(client, [_get("s", "sites/tretoen.sharepoint.com:/sites/rekruttering:")]))["s"]
    assert item["status"] == 200 and item["body"]["id"] == world.site.id


def test_path_addressed_site_inside_a_batch(client: httpx.Client, world: World) -> None:
    item = _by_id(_batch(client, [_get("s", "/sites/tretoen.sharepoint.com%3A%2Fsites%2Frekruttering%3A")]))["s"]
    assert item["status"] == 200 and item["body"]["id"] == world.site.id


def test_body_without_content_type_fails_only_that_item(client: httpx.Client) -> None:
    event = {"displayName": "x", "eventQueries": [{"queryType": "files", "query": "ComplianceAssetID:1"}],
             "retentionEventType@odata.bind": "https://graph.microsoft.com/v1.0/security/triggerTypes/retentionEventTypes/t1"}
    responses = _by_id(_batch(client, [
        {"id": "1", "method": "POST", "url": "/security/triggers/retentionEvents", "body": event},
        {"id": "2", "method": "POST", "url": "/security/triggers/retentionEvents", "body": event,
         "headers": {"Content-Type": "application/json"}},
        _get("3", "/users"),
    ]))
    assert responses["1"]["status"] == 400
    assert responses["2"]["status"] == 201 and responses["2"]["body"]["displayName"] == "x"
    assert responses["3"]["status"] == 200


def test_depends_on_runs_in_order_and_fails_dependents_with_424(client: httpx.Client, world: World) -> None:
    responses = _by_id(_batch(client, [
        _get("1", "/groups/missing"),
        _get("2", "/users", dependsOn=["1"]),
        _get("3", "/users", dependsOn=["2"]),  # transitively failed
        _get("4", f"/groups/{world.hr.id}"),
        _get("5", "/users", dependsOn=["4"]),
    ]))
    assert {k: v["status"] for k, v in responses.items()} == {"1": 404, "2": 424, "3": 424, "4": 200, "5": 200}
    assert responses["2"]["body"]["error"]["code"] == "FailedDependency"


def test_sdk_snake_case_depends_on_is_ignored(client: httpx.Client) -> None:
    responses = _by_id(_batch(client, [_get("1", "/groups/missing", depends_on=[]),
                                       _get("2", "/users", depends_on=["1"])]))
    assert responses["1"]["status"] == 404 and responses["2"]["status"] == 200


def test_nested_batch_is_refused_per_item(client: httpx.Client) -> None:
    item = _by_id(_batch(client, [{"id": "1", "method": "POST", "url": "/$batch", "body": {"requests": []},
                                   "headers": {"Content-Type": "application/json"}}]))["1"]
    assert item["status"] == 400


def test_items_are_costed_one_by_one_and_the_envelope_is_free(client: httpx.Client, server: SandboxServer,
                                                              world: World) -> None:
    _by_id(_batch(client, [_get("1", f"/sites/{world.site.id}"), _get("2", f"/sites/{world.site.id}/drives"),
                           _get("3", f"/sites/{world.site.id}/lists/{world.register.id}/items")]))
    stats = server.app.meter.snapshot()
    assert stats["ruByEndpoint"] == {"POST /$batch": 0, "GET /sites/{site-id}": 1, "GET /sites/{site-id}/drives": 2,
                                     "GET /sites/{site-id}/lists/{list-id}/items": 2}
    assert stats["ruTotal"] == 5 and stats["writes"] == 0


def test_throttled_items_get_their_own_429_and_the_envelope_stays_200(client: httpx.Client, server: SandboxServer,
                                                                      world: World) -> None:
    with operator(server) as ops:
        ops.post("/_sandbox/budget", json={"ruPerMinute": 5}).raise_for_status()
    drives = f"/sites/{world.site.id}/drives"  # 2 RU each: two fit in 5 RU, the third and fourth do not
    response = _batch(client, [_get(str(n), drives) for n in range(4)])
    responses = _by_id(response)
    assert [responses[str(n)]["status"] for n in range(4)] == [200, 200, 429, 429]
    throttled = responses["2"]
    assert throttled["headers"]["Retry-After"].isdigit() and int(throttled["headers"]["Retry-After"]) >= 1
    assert throttled["body"]["error"]["code"] == "TooManyRequests"
    assert "Retry-After" not in response.headers
    assert server.app.meter.snapshot()["throttled"] == 2
