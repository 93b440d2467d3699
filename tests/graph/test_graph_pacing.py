"""Pacing: spend RU no faster than the budget, and stop when RateLimit headers say so (facts §7)."""

from __future__ import annotations

import pytest
from graph_world import FakeClock, World, in_process

from m365_compliance.graph.pacing import Pacer
from m365_compliance.graph.stats import GatewayStats

pytestmark = pytest.mark.anyio


async def test_bucket_allows_a_tenth_as_burst_then_the_budget_evenly(clock: FakeClock) -> None:
    pacer = Pacer(600, stats=GatewayStats(), clock=clock, sleep=clock.sleep)  # burst 60, then 10 RU/s
    await pacer.acquire(60)
    assert clock.sleeps == []
    await pacer.acquire(10)
    assert clock.sleeps == [pytest.approx(1.0)]


async def test_calls_dearer_than_the_bucket_run_into_debt(clock: FakeClock) -> None:
    pacer = Pacer(120, stats=GatewayStats(), clock=clock, sleep=clock.sleep)  # burst 12, then 2 RU/s
    await pacer.acquire(100)  # a $batch of 20 permission reads
    await pacer.acquire(1)
    assert sum(clock.sleeps) == pytest.approx((100 - 12 + 1) / 2)


async def spend_for(pacer: Pacer, clock: FakeClock, minutes: float, costs: list[int]) -> list[tuple[float, int]]:
    """Acquire ``costs`` round-robin until ``minutes`` of clock time passed; when each was spent."""
    spent: list[tuple[float, int]] = []
    end = clock.now + minutes * 60
    n = 0
    while clock.now < end:
        cost = costs[n % len(costs)]
        await pacer.acquire(cost)
        spent.append((clock.now, cost))
        n += 1
    return spent


@pytest.mark.parametrize("costs", [[1], [2, 5, 1], [100, 2], [100]])
async def test_no_minute_holds_more_than_the_budget_yet_the_budget_is_used(clock: FakeClock, costs) -> None:
    """Graph meters a sliding minute: never more than the budget in any 60 s, and not much less either."""
    budget = 1250
    pacer = Pacer(budget, stats=GatewayStats(), clock=clock, sleep=clock.sleep)
    spent = await spend_for(pacer, clock, 10, costs)
    start = 0
    window = 0
    for when, cost in spent:  # every window that ends at a spend
        window += cost
        while spent[start][0] <= when - 60:
            window -= spent[start][1]
            start += 1
        assert window <= budget
    total = sum(cost for _, cost in spent)
    assert total >= 0.93 * budget * 10  # a bucket alone must refill at 90 %: 91 % in ten minutes


async def test_an_idle_pacer_bursts_only_a_tenth(clock: FakeClock) -> None:
    """After a quiet spell the minute's budget is free, but only the bucket goes out at once: no spike."""
    pacer = Pacer(1250, stats=GatewayStats(), clock=clock, sleep=clock.sleep)
    await clock.sleep(300)
    clock.sleeps.clear()
    for _ in range(125):
        await pacer.acquire(1)
    assert clock.sleeps == []
    await pacer.acquire(25)
    assert sum(clock.sleeps) == pytest.approx(25 / (1250 / 60))


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


async def test_budget_pacing_of_permission_batches_uses_the_budget_without_throttling(
        world: World, clock: FakeClock) -> None:
    """$batch envelopes of 20 permission reads (100 RU) against a 600 RU/min sandbox: no item throttled,
    and the run takes about RU ÷ budget minutes, not more (the bucket's burst is the only head start)."""
    gateway, recorder = in_process(world, clock, ru_budget=600, ru_per_minute=600)
    ids = [world.tenant.add_file(world.drive, world.folder, f"Notat {n}.docx").id for n in range(20)]
    started = clock.now
    async with gateway:
        for _ in range(60):  # 6,000 RU: ten minutes of budget
            answers = await gateway.batch_get_permissions(world.drive.id, ids)
            assert all(isinstance(a, list) for a in answers.values())
    assert recorder.app.meter.throttled == 0 and gateway.stats.throttled == 0
    minutes = (clock.now - started) / 60
    assert 9.0 <= minutes <= 10.5, minutes


async def test_ratelimit_headers_avoid_throttling_when_the_budget_is_smaller_than_configured(
        world: World, clock: FakeClock) -> None:
    """The app believes in 1250 RU/min, the tenant grants 100: the headers from 80 % usage brake it."""
    gateway, recorder = in_process(world, clock, ru_budget=100, ru_per_minute=1250)
    async with gateway:
        for _ in range(60):
            await gateway.list_permissions(world.drive.id, world.cv.id)  # 5 RU each
    assert recorder.app.meter.throttled == 0 and gateway.stats.throttled == 0
    assert gateway.stats.paced_seconds >= 60 * 2  # 300 RU at 100 RU/min: at least two more minutes
