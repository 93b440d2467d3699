"""Pacing: spend RU no faster than the budget, and stop when RateLimit headers say so (facts §7)."""

from __future__ import annotations

import pytest
from graph_world import FakeClock, World, in_process

from m365_compliance.graph.pacing import Pacer
from m365_compliance.graph.stats import GatewayStats

pytestmark = pytest.mark.anyio


async def test_bucket_allows_a_tenth_as_burst_then_the_rest_evenly(clock: FakeClock) -> None:
    pacer = Pacer(600, stats=GatewayStats(), clock=clock, sleep=clock.sleep)  # burst 60, then 9 RU/s
    await pacer.acquire(60)
    assert clock.sleeps == []
    await pacer.acquire(9)
    assert clock.sleeps == [pytest.approx(1.0)]


async def test_calls_dearer_than_the_bucket_run_into_debt(clock: FakeClock) -> None:
    pacer = Pacer(120, stats=GatewayStats(), clock=clock, sleep=clock.sleep)  # burst 12, then 1.8 RU/s
    await pacer.acquire(100)  # a $batch of 20 permission reads
    await pacer.acquire(1)
    assert sum(clock.sleeps) == pytest.approx((100 - 12 + 1) / 1.8)


async def test_a_pause_holds_every_caller(clock: FakeClock) -> None:
    pacer = Pacer(None, stats=GatewayStats(), clock=clock, sleep=clock.sleep)
    pacer.pause(30)
    await pacer.acquire(1)
    assert clock.sleeps == [30.0]


async def test_ratelimit_headers_stop_spending_until_reset(clock: FakeClock) -> None:
    stats = GatewayStats()
    pacer = Pacer(None, stats=stats, clock=clock, sleep=clock.sleep)
    pacer.observe({"RateLimit-Limit": "1250", "RateLimit-Remaining": "7", "RateLimit-Reset": "12"})
    await pacer.acquire(5)  # 7 remain: fine
    await pacer.acquire(5)  # 2 remain: wait for the reset
    assert clock.sleeps == [12.0] and stats.paced_seconds == 12.0
    await pacer.acquire(5)  # the server's view expired with the reset
    assert clock.sleeps == [12.0]


async def test_budget_pacing_avoids_throttling(world: World, clock: FakeClock) -> None:
    """Paced to the sandbox's own budget, 150 RU of reads against a 100 RU/min budget: no 429."""
    gateway, recorder = in_process(world, clock, ru_budget=100, ru_per_minute=100)
    async with gateway:
        for _ in range(150):
            assert await gateway.get_item(world.drive.id, world.cv.id) is not None
    assert recorder.app.meter.throttled == 0 and gateway.stats.throttled == 0
    assert gateway.stats.ru == 150 and gateway.stats.paced_seconds > 0


async def test_ratelimit_headers_avoid_throttling_when_the_budget_is_smaller_than_configured(
        world: World, clock: FakeClock) -> None:
    """The app believes in 1250 RU/min, the tenant grants 100: the headers from 80 % usage brake it."""
    gateway, recorder = in_process(world, clock, ru_budget=100, ru_per_minute=1250)
    async with gateway:
        for _ in range(60):
            await gateway.list_permissions(world.drive.id, world.cv.id)  # 5 RU each
    assert recorder.app.meter.throttled == 0 and gateway.stats.throttled == 0
    assert gateway.stats.paced_seconds >= 60 * 2  # 300 RU at 100 RU/min: at least two more minutes
