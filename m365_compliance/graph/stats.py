"""Counters the caller can read after a run: the cost side of the performance model (DESIGN)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class GatewayStats:
    """What the gateway sent and waited for. ``ru`` is our estimate: every attempt sent is charged."""

    requests: int = 0  # HTTP requests on the wire, retries and $batch envelopes included
    ru: int = 0  # resource units charged (facts §7.1), batch items individually
    retries: int = 0  # attempts after the first, for any reason
    throttled: int = 0  # 429 answers seen (wire and $batch items)
    unavailable: int = 0  # 503 answers seen
    transport_errors: int = 0  # connect/read failures and dropped connections
    paced_seconds: float = 0.0  # waited by the pacer before sending (budget, RateLimit headers)
    retry_wait_seconds: float = 0.0  # waited because of Retry-After or back-off
    calls: Counter[str] = field(default_factory=Counter)  # attempts per call name

    def as_dict(self) -> dict[str, object]:
        return {
            "requests": self.requests, "ru": self.ru, "retries": self.retries, "throttled": self.throttled,
            "unavailable": self.unavailable, "transport_errors": self.transport_errors,
            "paced_seconds": round(self.paced_seconds, 3), "retry_wait_seconds": round(self.retry_wait_seconds, 3),
            "calls": dict(self.calls),
        }
