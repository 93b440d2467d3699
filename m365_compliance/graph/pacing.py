"""Slow down *before* Graph throttles: a resource-unit token bucket plus the server's RateLimit headers.

Three brakes, one place (DESIGN "performance model", facts §7):

* **Budget.** A token bucket charged with each call's known RU cost (§7.1). Graph meters a sliding
  minute, so burst + refill per minute must not exceed the budget: the bucket holds 10 % of it and
  refills the other 90 % evenly. Calls dearer than the bucket (a $batch of permission reads) go into
  debt and the next caller waits it off, so the sustained rate holds.
* **RateLimit headers.** From 80 % usage Graph reports ``RateLimit-Remaining/Reset`` (§7.3); when what
  remains cannot pay for the next call, every caller sleeps until the reset. This also covers other
  apps or runs spending the same budget.
* **Pause.** A 429/503 ``Retry-After`` pauses *all* callers, not just the throttled one (§7.3).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping

from m365_compliance.graph.headers import rate_limit
from m365_compliance.graph.stats import GatewayStats

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

BURST_SHARE = 0.1
_EPSILON = 1e-6


class Pacer:
    def __init__(self, ru_per_minute: int | None, *, stats: GatewayStats, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._stats = stats
        self._capacity = max(1.0, ru_per_minute * BURST_SHARE) if ru_per_minute else 0.0
        self._rate = (ru_per_minute - self._capacity) / 60.0 if ru_per_minute else 0.0
        self._tokens = self._capacity
        self._stamp = clock()
        self._paused_until = 0.0
        self._server_remaining: int | None = None
        self._server_reset_at = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self, cost: int) -> None:
        """Wait until ``cost`` RU may be spent, then spend them."""
        async with self._lock:
            while (wait := self._wait_for(cost)) > _EPSILON:
                self._stats.paced_seconds += wait
                await self._sleep(wait)
            self._tokens -= cost
            if self._server_remaining is not None:
                self._server_remaining -= cost

    def observe(self, headers: Mapping[str, str]) -> None:
        """Take the server's view of the budget from a response's RateLimit headers."""
        found = rate_limit(headers)
        if found is not None:
            self._server_remaining = found.remaining
            self._server_reset_at = self._clock() + found.reset_seconds

    def pause(self, seconds: float) -> None:
        """Hold every caller for ``seconds`` (a Retry-After applies to the app, not one request)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _wait_for(self, cost: int) -> float:
        now = self._clock()
        waits = [self._paused_until - now]
        if self._server_remaining is not None:
            if now >= self._server_reset_at:
                self._server_remaining = None
            elif self._server_remaining < cost:
                waits.append(self._server_reset_at - now)
        if self._rate > 0:
            self._tokens = min(self._capacity, self._tokens + (now - self._stamp) * self._rate)
            needed = min(float(cost), self._capacity)
            if self._tokens < needed:
                waits.append((needed - self._tokens) / self._rate)
        self._stamp = now
        return max(waits)
