"""A demo tenant served over HTTP, a policy file for it, and one call that runs a night: inventory,
check, and alerts to sinks that record what they were told (and can be made to fail)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from m365_compliance.alerts.model import AlertBatch, Delivery
from m365_compliance.config.demo import write_demo_config
from m365_compliance.config.schema import Config
from m365_compliance.drift.compare import Drift
from m365_compliance.drift.history import load_drift
from m365_compliance.drift.notify import AlertOutcome, Channel, send_alerts
from m365_compliance.inventory.service import inventory_from_config
from m365_compliance.rules.dates import policy_today
from m365_compliance.rules.service import check_from_config
from m365_compliance.sandbox.demo import DemoTenant, build_demo_tenant
from m365_compliance.sandbox.demo_access import grant_sharing_delta
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.state.store import StateStore


@dataclass
class RecordingSink:
    """A channel that keeps every batch it was given; ``failing`` makes it answer like a dead webhook."""

    name: str
    failing: bool = False
    batches: list[AlertBatch] = field(default_factory=list)

    async def deliver(self, batch: AlertBatch) -> Delivery:
        self.batches.append(batch)
        keys = tuple(a.key for a in batch.alerts)
        if self.failing:
            return Delivery(self.name, failed=keys, error="HTTP 500")
        return Delivery(self.name, delivered=keys)


@dataclass
class Night:
    drift: Drift
    outcome: AlertOutcome

    def told(self, sink: str) -> list[tuple[str, str]]:
        """(kind, finding id) of every alert offered to ``sink`` this night."""
        return sorted((a.kind, a.finding_id) for a in self.outcome.offered.get(sink, ()))


@dataclass
class World:
    demo: DemoTenant
    config: Config
    channels: list[Channel]

    @property
    def now(self) -> datetime:
        return self.demo.tenant.clock

    def night(self, *, later: timedelta = timedelta(0)) -> Night:
        """One nightly cycle as of the tenant's clock (plus ``later``)."""
        asyncio.run(inventory_from_config(self.config))
        now = self.now + later
        check_from_config(self.config, now)
        with StateStore(self.config.state.path) as store:
            drift = load_drift(store, today=policy_today(self.config, now), tz=self.config.retention.timezone)
            outcome = asyncio.run(send_alerts(store, drift, self.channels, now=now,
                                              policy_version=self.config.policy_version))
        return Night(drift, outcome)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    demo = build_demo_tenant()
    grant_sharing_delta(demo.tenant)  # pins the sharing-delta picture (docs/permissions.md)
    with SandboxServer(demo.tenant) as server:
        config = write_demo_config(tmp_path / "policy.toml", graph_url=server.base_url, state_path="state.sqlite")
        channels = [Channel(RecordingSink("teams:TEST"), reminder_days=7), Channel(RecordingSink("github:o/r"), 0)]
        yield World(demo, config, channels)
