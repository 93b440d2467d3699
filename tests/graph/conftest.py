"""Fixtures for the gateway tests: the world of graph_world.py, a loopback server, a gateway on a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from graph_world import FakeClock, World, build_world, settings_for

from m365_compliance.graph import GraphGateway
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.tenant import Tenant


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def tenant(world: World) -> Tenant:
    return world.tenant


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def gateway(server: SandboxServer, clock: FakeClock) -> AsyncIterator[GraphGateway]:
    async with GraphGateway(settings_for(server.base_url), clock=clock, sleep=clock.sleep) as gw:
        yield gw
