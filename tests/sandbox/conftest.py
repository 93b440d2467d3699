"""Fixtures shared by the sandbox tests: the drive world and the site world over a live server."""

from __future__ import annotations

from collections.abc import Iterator

import drive_world
import httpx
import pytest
import site_world

from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.tenant import Tenant


@pytest.fixture
def lib(tenant: Tenant) -> drive_world.Library:
    return drive_world.build(tenant)


@pytest.fixture
def http(server: SandboxServer, lib: drive_world.Library) -> Iterator[httpx.Client]:
    with drive_world.client(server) as c:
        yield c


@pytest.fixture
def world(tenant: Tenant) -> site_world.World:
    return site_world.build(tenant)


@pytest.fixture
def client(server: SandboxServer, world: site_world.World) -> Iterator[httpx.Client]:
    with site_world.graph(server) as c:
        yield c
