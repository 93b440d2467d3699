"""Deterministic fault injection: a seeded share of requests answered 429/503/504, dropped or slowed.

The same seed and the same request sequence give the same faults, so a test can rely on them. The
operator window (``/_sandbox``) is never faulted.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

FAULT_KINDS = ("429", "503", "504", "drop", "slow")


@dataclass(frozen=True)
class FaultPlan:
    rate: float = 0.0  # share of Graph requests that get a fault, 0..1
    kinds: tuple[str, ...] = FAULT_KINDS
    seed: int = 321
    slow_seconds: float = 0.2

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, not {self.rate}")
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown or not self.kinds:
            raise ValueError(f"fault kinds must be a non-empty subset of {FAULT_KINDS}, not {self.kinds}")


@dataclass(frozen=True)
class Fault:
    kind: str
    delay_seconds: float = 0.0


class FaultInjector:
    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self._random = random.Random(plan.seed)
        self._lock = threading.Lock()

    def configure(self, plan: FaultPlan) -> None:
        with self._lock:
            self.plan = plan
            self._random = random.Random(plan.seed)

    def next_fault(self, raw_path: str) -> Fault | None:
        if self.plan.rate <= 0 or raw_path.startswith("/_sandbox"):
            return None
        with self._lock:
            if self._random.random() >= self.plan.rate:
                return None
            kind = self._random.choice(self.plan.kinds)
        return Fault(kind, self.plan.slow_seconds if kind == "slow" else 0.0)
