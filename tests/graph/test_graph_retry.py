"""The one retry owner: faults, long and dated Retry-After, wait cap, idempotency (facts §7.3, §8.3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from graph_world import FakeClock, World, build_world, in_process, settings_for

from m365_compliance.graph import GraphError, GraphGateway, Throttled
from m365_compliance.sandbox.http.app import SandboxOptions
from m365_compliance.sandbox.http.faults import FaultPlan
from m365_compliance.sandbox.server import SandboxServer

pytestmark = pytest.mark.anyio
WHEN = datetime(2026, 9, 4, tzinfo=UTC)


async def read_everything(gateway: GraphGateway, world: World) -> dict[str, Any]:
    """A small inventory through every read path of the gateway."""
    site = await gateway.resolve_site(world.site.web_url)
    library = await gateway.library_by_name(site.id, "Dokumenter")
    items = [i async for page in gateway.delta(library.id, top=3) for i in page.items]
    ids = [i.id for i in items]
    return {
        "site": site,
        "libraries": await gateway.list_libraries(site.id),
        "items": sorted(items, key=lambda i: i.id),
        "permissions": {i: await gateway.list_permissions(library.id, i) for i in ids},
        "batch": await gateway.batch_get_permissions(library.id, ids),
        "children": await gateway.list_children(library.id, world.folder.id, fields=("FileLeafRef",)),
        "members": await gateway.transitive_members(world.team.id),
        "rows": await gateway.list_items(site.id, "Register", fields=("Title", "Owner")),
    }


async def test_faults_give_the_same_answers_as_a_clean_run(clock: FakeClock) -> None:
    clean_world, faulty_world = build_world(), build_world()
    with SandboxServer(clean_world.tenant) as server:
        async with GraphGateway(settings_for(server.base_url), clock=clock, sleep=clock.sleep) as gateway:
            clean = await read_everything(gateway, clean_world)
            assert gateway.stats.retries == 0
    plan = FaultPlan(rate=0.3, kinds=("429", "503", "504", "drop"))
    with SandboxServer(faulty_world.tenant, SandboxOptions(faults=plan)) as server:
        settings = settings_for(server.base_url, max_retries=10)
        async with GraphGateway(settings, clock=clock, sleep=clock.sleep) as gateway:
            faulty = await read_everything(gateway, faulty_world)
            stats = gateway.stats
            faults = server.app.meter.faults
    assert faulty == clean
    # Every injected fault cost exactly one retry: none was fatal, none was retried twice by Kiota.
    assert stats.retries == sum(faults.values()) > 0
    assert (stats.throttled, stats.unavailable, stats.transport_errors) == (faults["429"], faults["503"],
                                                                           faults["drop"])
    assert all(faults[kind] > 0 for kind in ("429", "503", "504", "drop"))


async def test_a_long_retry_after_is_honoured(world: World, clock: FakeClock) -> None:
    """Kiota gives up on delays of 180 s or more (facts §8.3); the gateway waits them out."""
    gateway, recorder = in_process(world, clock)
    recorder.script = [(429, {"Retry-After": "300"})]
    async with gateway:
        site = await gateway.resolve_site(world.site.web_url)
    assert site.id == world.site.id
    assert clock.sleeps == [300.0]
    assert (gateway.stats.retries, gateway.stats.throttled, gateway.stats.requests) == (1, 1, 2)
    # Kiota's RetryHandler is off: it would have added Retry-Attempt to its own resends.
    assert not any("retry-attempt" in headers for _, _, headers in recorder.requests)


async def test_an_http_date_retry_after_is_honoured(world: World, clock: FakeClock) -> None:
    gateway, recorder = in_process(world, clock)
    when = datetime.now(UTC) + timedelta(seconds=120)
    recorder.script = [(503, {"Retry-After": format_datetime(when, usegmt=True)})]
    async with gateway:
        await gateway.list_libraries(world.site.id)
    assert len(clock.sleeps) == 1 and 100 < clock.sleeps[0] <= 120
    assert gateway.stats.unavailable == 1


async def test_ratelimit_reset_wins_when_larger(world: World, clock: FakeClock) -> None:
    gateway, recorder = in_process(world, clock)
    recorder.script = [(429, {"Retry-After": "5", "RateLimit-Remaining": "0", "RateLimit-Reset": "31"})]
    async with gateway:
        await gateway.list_libraries(world.site.id)
    assert sum(clock.sleeps) == pytest.approx(31.0)


async def test_total_wait_is_capped(world: World, clock: FakeClock) -> None:
    gateway, recorder = in_process(world, clock, max_wait_seconds=900)
    recorder.script = [(429, {"Retry-After": "5000"})]
    async with gateway:
        with pytest.raises(Throttled) as caught:
            await gateway.list_libraries(world.site.id)
    error = caught.value
    assert (error.status, error.retry_after) == (429, 5000.0)
    assert "total wait cap" in str(error) and "max_wait_seconds" in error.hint
    assert clock.sleeps == [] and len(recorder.requests) == 1


async def test_retries_are_bounded(world: World, clock: FakeClock) -> None:
    gateway, recorder = in_process(world, clock, max_retries=2)
    recorder.script = [(503, {"Retry-After": "1"})] * 3
    async with gateway:
        with pytest.raises(Throttled) as caught:
            await gateway.list_libraries(world.site.id)
    assert "after 2 retries" in str(caught.value)
    assert len(recorder.requests) == 3 and clock.sleeps == [1.0, 1.0]


async def test_backoff_without_retry_after(world: World, clock: FakeClock) -> None:
    gateway, recorder = in_process(world, clock)
    recorder.script = [(504, {}), (504, {})]
    async with gateway:
        await gateway.list_libraries(world.site.id)
    assert len(clock.sleeps) == 2 and 1 <= clock.sleeps[0] < 2 <= clock.sleeps[1] < 3


async def test_a_post_is_not_resent_after_a_gateway_timeout(world: World, clock: FakeClock) -> None:
    """A 504 may hide a processed request: resending would fire the event twice."""
    gateway, recorder = in_process(world, clock)
    recorder.script = [(504, {})]
    async with gateway:
        with pytest.raises(GraphError) as caught:
            await gateway.fire_retention_event(event_type_id="t", display_name="x", asset_ids=("1",), trigger_at=WHEN)
    assert caught.value.status == 504 and len(recorder.requests) == 1
    assert not world.tenant.retention_events


async def test_a_post_is_resent_after_throttling(world: World, clock: FakeClock) -> None:
    """429/503 mean "not processed": safe to resend even a POST."""
    gateway, recorder = in_process(world, clock)
    recorder.script = [(429, {"Retry-After": "2"})]
    async with gateway:
        await gateway.fire_retention_event(event_type_id="t", display_name="x", asset_ids=("1",), trigger_at=WHEN)
    assert len(world.tenant.retention_events) == 1 and clock.sleeps == [2.0]


async def test_throttled_batch_items_are_resent_after_the_longest_retry_after(world: World,
                                                                              clock: FakeClock) -> None:
    """Per-item 429s inside a 200 envelope (facts §6.1): only those items go again."""
    gateway, recorder = in_process(world, clock, ru_budget=30, ru_per_minute=None)
    ids = list(world.drive.items)
    async with gateway:
        answers = await gateway.batch_get_permissions(world.drive.id, ids)
        direct = {i: await gateway.list_permissions(world.drive.id, i) for i in ids}
    assert answers == direct
    envelopes = [path for _, path, _ in recorder.requests if path.endswith("/$batch")]
    assert len(envelopes) >= 2  # the throttled items went in a second envelope
    assert gateway.stats.throttled > 0 and gateway.stats.retries > 0
    assert recorder.app.meter.throttled == gateway.stats.throttled


async def test_a_run_wide_wait_budget_bounds_how_long_faults_can_stretch_a_run(world: World, clock: FakeClock) -> None:
    """Each call may wait up to max_wait_seconds; all calls of one gateway together only run_wait_budget_seconds:
    once it is spent, a throttled call fails at once (the run ends with its gaps) instead of waiting again."""
    plan = FaultPlan(rate=1.0, kinds=("429",))
    with SandboxServer(world.tenant, SandboxOptions(faults=plan)) as server:
        settings = settings_for(server.base_url, max_retries=10, run_wait_budget_seconds=5.0)
        async with GraphGateway(settings, clock=clock, sleep=clock.sleep) as gateway:
            outcomes = []
            for _ in range(4):
                try:
                    await gateway.resolve_site(world.site.web_url)
                except Throttled:
                    outcomes.append((gateway.stats.retries, gateway.stats.retry_wait_seconds))
    assert len(outcomes) == 4  # every call ended as a clear error, none hung
    waits = [w for _, w in outcomes]
    assert waits[0] <= 5.0 and waits[-1] == waits[0]  # the budget was spent by the first call, never exceeded
    assert outcomes[-1][0] == outcomes[0][0]  # later calls did not retry at all
