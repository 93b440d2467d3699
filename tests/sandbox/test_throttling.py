"""RU budget, RateLimit headers, 429 with integer Retry-After, the cost table, and seeded fault
injection (facts §7.1–§7.3, §10.11), exercised through the site/list/directory endpoints."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from site_world import World, operator

from m365_compliance.sandbox.server import SandboxServer


@pytest.fixture
def ops(server: SandboxServer) -> Iterator[httpx.Client]:
    with operator(server) as http:
        yield http


def test_rate_limit_headers_from_80_percent_then_429(client: httpx.Client, ops: httpx.Client, world: World) -> None:
    ops.post("/_sandbox/budget", json={"ruPerMinute": 10}).raise_for_status()
    site = f"/sites/{world.site.id}"  # 1 RU
    answers = [client.get(site) for _ in range(10)]
    assert all(a.status_code == 200 for a in answers)
    assert all("ratelimit-limit" not in a.headers for a in answers[:7])  # below 80 % of 10 RU
    assert [a.headers["RateLimit-Remaining"] for a in answers[7:]] == ["2", "1", "0"]
    assert answers[7].headers["RateLimit-Limit"] == "10"
    assert answers[7].headers["RateLimit-Reset"].isdigit()

    throttled = client.get(site)
    assert throttled.status_code == 429
    retry_after = throttled.headers["Retry-After"]
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 60  # integer seconds: the SDK ignores fractions
    assert throttled.headers["RateLimit-Remaining"] == "0"
    assert throttled.json()["error"]["code"] == "TooManyRequests"


def test_admission_is_by_cost(client: httpx.Client, ops: httpx.Client, world: World) -> None:
    ops.post("/_sandbox/budget", json={"ruPerMinute": 5}).raise_for_status()
    drives = f"/sites/{world.site.id}/drives"  # 2 RU
    assert [client.get(drives).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get(f"/sites/{world.site.id}").status_code == 200  # the last 1 RU still fits
    ops.post("/_sandbox/budget", json={"ruPerMinute": None}).raise_for_status()
    assert client.get(drives).status_code == 200


def test_ru_figures_equal_the_cost_table(client: httpx.Client, ops: httpx.Client, world: World) -> None:
    site = f"/sites/{world.site.id}"
    register = f"{site}/lists/{world.register.id}"
    for url in ("/sites/getAllSites", "/sites?search=*", site, f"{site}/drives", f"{site}/lists", register,
                f"{register}/columns", f"{register}/items", f"{register}/items/1", "/users", f"/users/{world.bob.id}",
                f"/groups/{world.hr.id}/transitiveMembers"):
        client.get(url).raise_for_status()
    stats = ops.get("/_sandbox/stats").json()
    assert stats["ruByEndpoint"] == {
        "GET /sites/getAllSites": 2,  # multi-item query (facts §7.1)
        "GET /sites": 2,
        "GET /sites/{site-id}": 1,  # single-item query
        "GET /sites/{site-id}/drives": 2,
        "GET /sites/{site-id}/lists": 2,
        "GET /sites/{site-id}/lists/{list-id}": 1,
        "GET /sites/{site-id}/lists/{list-id}/columns": 2,
        "GET /sites/{site-id}/lists/{list-id}/items": 2,
        "GET /sites/{site-id}/lists/{list-id}/items/{item-id}": 1,
        "GET /users": 1,  # Entra calls: 1 in the sandbox meter (own budget in reality)
        "GET /users/{id}": 1,
        "GET /groups/{id}/transitiveMembers": 1,
    }
    assert stats["ruTotal"] == 18 and stats["requests"] == 12


def _outcomes(client: httpx.Client, url: str, count: int) -> list[str]:
    outcomes = []
    for _ in range(count):
        try:
            outcomes.append(str(client.get(url).status_code))
        except httpx.TransportError:
            outcomes.append("dropped")
    return outcomes


def test_fault_injection_is_deterministic_by_seed(client: httpx.Client, ops: httpx.Client, world: World) -> None:
    plan = {"rate": 0.5, "kinds": ["429", "503", "504", "drop"], "seed": 11}
    url = f"/sites/{world.site.id}"
    ops.post("/_sandbox/faults", json=plan).raise_for_status()
    first = _outcomes(client, url, 20)
    ops.post("/_sandbox/faults", json=plan).raise_for_status()  # same seed: same sequence again
    second = _outcomes(client, url, 20)
    assert first == second
    assert {"200", "429", "503", "504", "dropped"} <= set(first)
    faults = ops.get("/_sandbox/stats").json()["faults"]
    assert faults["drop"] == 2 * first.count("dropped")
    assert faults["429"] == 2 * first.count("429")

    ops.post("/_sandbox/faults", json={**plan, "seed": 12}).raise_for_status()
    assert _outcomes(client, url, 20) != first
    ops.post("/_sandbox/faults", json={"rate": 0}).raise_for_status()
    assert set(_outcomes(client, url, 5)) == {"200"}


def test_fault_answers_carry_integer_retry_after(client: httpx.Client, ops: httpx.Client, world: World) -> None:
    ops.post("/_sandbox/faults", json={"rate": 1, "kinds": ["429", "503"], "seed": 1}).raise_for_status()
    for _ in range(4):
        response = client.get(f"/sites/{world.site.id}")
        assert response.status_code in (429, 503)
        assert response.headers["Retry-After"].isdigit()
    assert ops.get("/_sandbox/stats").status_code == 200  # the operator window is never faulted
