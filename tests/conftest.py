"""Shared fixtures: a fresh sandbox tenant, a real loopback server over it, an empty state store.

A test module with its own world overrides ``tenant``; ``server`` then serves that world."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pseudonym import pin_pseudonym_key

from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.model import AppAccess
from m365_compliance.sandbox.tenant import Tenant
from m365_compliance.state.store import StateStore


@pytest.fixture
def tenant() -> Tenant:
    return Tenant(access=AppAccess.tenant_wide())  # Graph behaviour, not access: every permission


@pytest.fixture
def server(tenant: Tenant) -> Iterator[SandboxServer]:
    with SandboxServer(tenant) as running:
        yield running


@pytest.fixture
def store(tmp_path) -> Iterator[StateStore]:
    """A new state store whose pseudonym key is ``TEST_PSEUDONYM_KEY``, so tests can name permissions as plans do."""
    with StateStore(tmp_path / "state.sqlite") as opened:
        yield pin_pseudonym_key(opened)


@pytest.fixture
def night(tmp_path):
    """A first night of the 321 demo tenant to attack (``night.Night``: its store, policy file and plan, and the
    tenant served again at the same address)."""
    from night import first_night

    return first_night(tmp_path / "night")
