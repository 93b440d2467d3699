"""Resource-unit accounting, the per-minute RU budget, and the numbers behind ``/_sandbox/stats``.

Costs come from the SharePoint table (facts §7.1) via each route's ``cost``; ``$batch`` items are
costed one by one because they pass through ``dispatch`` individually. With a budget set, a request
that would exceed the sliding 60-second window is answered 429 with an integer ``Retry-After``, and
``RateLimit-Limit/Remaining/Reset`` accompany answers once usage reaches 80 % (facts §7.3).
Throttled requests consume no RU here (a documented simplification, see docs/sandbox.md).
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

WINDOW_SECONDS = 60.0
HEADER_THRESHOLD = 0.8


class Meter:
    def __init__(self, ru_per_minute: int | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.ru_per_minute = ru_per_minute
        self._clock = clock
        self._window: deque[tuple[float, int]] = deque()
        self._window_ru = 0
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests: Counter[str] = Counter()
            self.statuses: Counter[int] = Counter()
            self.ru_by_endpoint: Counter[str] = Counter()
            self.ru_total = 0
            self.throttled = 0
            self.writes = 0
            self.retries = 0
            self.faults: Counter[str] = Counter()
            self._window.clear()
            self._window_ru = 0

    # ---------------------------------------------------------------- budget
    def _expire(self, now: float) -> None:
        while self._window and self._window[0][0] <= now - WINDOW_SECONDS:
            self._window_ru -= self._window.popleft()[1]

    def admit(self, endpoint: str, cost: int) -> int | None:
        """Take ``cost`` RU from the budget, or return the Retry-After (whole seconds) to send instead."""
        if self.ru_per_minute is None:
            return None
        with self._lock:
            now = self._clock()
            self._expire(now)
            if self._window_ru + cost <= self.ru_per_minute:
                self._window.append((now, cost))
                self._window_ru += cost
                return None
            # Wait until enough of the window has expired to fit this request.
            needed = self._window_ru + cost - self.ru_per_minute
            freed = 0
            for stamp, ru in self._window:
                freed += ru
                if freed >= needed:
                    return max(1, math.ceil(stamp + WINDOW_SECONDS - now))
            return max(1, math.ceil(WINDOW_SECONDS))

    def rate_limit_headers(self, force: bool = False) -> dict[str, str]:
        if self.ru_per_minute is None:
            return {}
        with self._lock:
            now = self._clock()
            self._expire(now)
            used = self._window_ru
            if not force and used < HEADER_THRESHOLD * self.ru_per_minute:
                return {}
            reset = math.ceil(self._window[0][0] + WINDOW_SECONDS - now) if self._window else 0
            return {
                "RateLimit-Limit": str(self.ru_per_minute),
                "RateLimit-Remaining": str(max(0, self.ru_per_minute - used)),
                "RateLimit-Reset": str(max(0, reset)),
            }

    # ---------------------------------------------------------------- stats
    def record(self, endpoint: str, method: str, cost: int, status: int, *, is_write: bool,
               retry_attempt: str | None) -> None:
        with self._lock:
            self.requests[endpoint] += 1
            self.statuses[status] += 1
            self.ru_by_endpoint[endpoint] += cost
            self.ru_total += cost
            if is_write and status < 400:
                self.writes += 1
            if retry_attempt:
                self.retries += 1

    def count_throttled(self) -> None:
        with self._lock:
            self.throttled += 1
            self.statuses[429] += 1

    def count_refused(self) -> None:
        """A request refused for its bearer token (401): counted before any route is known."""
        with self._lock:
            self.statuses[401] += 1

    def count_fault(self, kind: str) -> None:
        with self._lock:
            self.faults[kind] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": sum(self.requests.values()),
                "requestsByEndpoint": dict(sorted(self.requests.items())),
                "ruByEndpoint": dict(sorted(self.ru_by_endpoint.items())),
                "ruTotal": self.ru_total,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "throttled": self.throttled,
                "writes": self.writes,
                "retries": self.retries,
                "faults": dict(self.faults),
                "ruPerMinute": self.ru_per_minute,
            }
