"""Shared fixtures: a fresh sandbox tenant and a real loopback server over it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.tenant import Tenant


@pytest.fixture
def tenant() -> Tenant:
    return Tenant()


@pytest.fixture
def server(tenant: Tenant) -> Iterator[SandboxServer]:
    with SandboxServer(tenant) as running:
        yield running
