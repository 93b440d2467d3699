"""Slow down *before* Graph throttles: the RU budget kept per sliding minute, plus the server's RateLimit headers.

Three brakes, one place (DESIGN "performance model", facts §7):

* **Budget.** Each call is charged its known RU cost (§7.1). Graph meters a sliding minute, so the
  pacer keeps the same ledger: a call waits until the RU spent in the last minute (plus a small
  margin for the time a request takes to reach Graph) leave room for it. Alone, that ledger would
  spend the whole minute's budget in a burst and then stall; a token bucket refilled at the budget's
  rate, holding a tenth of it, spreads the calls evenly. Together they use the full budget — a
  bucket alone must refill below it (burst + a minute's refill ≤ budget) and wastes the difference.
  A call dearer than the bucket (a $batch of permission reads) runs into debt that the next caller
  waits off.
* **RateLimit headers.** From 80 % usage Graph reports ``RateLimit-Remaining/Reset`` (§7.3); when what
  remains cannot pay for the next call, every caller sleeps until the reset. This also covers other
  apps or runs spending the same budget.
* **Pause.** A 429/503 ``Retry-After`` pauses *all* callers, not just the throttled one (§7.3).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping

from m365_compliance.graph.headers import rate_limit
from m365_compliance.graph.stats import GatewayStats

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

BURST_SHARE = 0.1
WINDOW_SECONDS = 60.0  # Graph's budget window (facts §7.2)
#: Our ledger starts a call when it is sent, Graph's when it arrives: entries stay a little longer here,
#: so a call is never admitted by us while Graph still counts the one that freed the room.
WINDOW_MARGIN = 1.0
_EPSILON = 1e-6


class Pacer:
    def __init__(self, ru_per_minute: int | None, *, stats: GatewayStats, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._stats = stats
        self._budget = ru_per_minute or 0
        self._capacity = max(1.0, ru_per_minute * BURST_SHARE) if ru_per_minute else 0.0
        self._rate = ru_per_minute / WINDOW_SECONDS if ru_per_minute else 0.0
        self._tokens = self._capacity
        self._ledger: deque[tuple[float, int]] = deque()  # (when, RU) spent within the window
        self._ledger_ru = 0
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
            if self._budget:
                self._ledger.append((self._clock(), cost))
                self._ledger_ru += cost
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
            waits.append(self._window_wait(now, cost))
        self._stamp = now
        return max(waits)

    def _window_wait(self, now: float, cost: int) -> float:
        """Seconds until the last minute's spending leaves room for ``cost`` (all of it, if dearer)."""
        span = WINDOW_SECONDS + WINDOW_MARGIN
        while self._ledger and self._ledger[0][0] <= now - span:
            self._ledger_ru -= self._ledger.popleft()[1]
        excess = self._ledger_ru + cost - self._budget
        if excess <= 0 or not self._ledger:
            return 0.0
        freed = 0
        for stamp, ru in self._ledger:
            freed += ru
            if freed >= excess:
                return stamp + span - now
        return self._ledger[-1][0] + span - now
