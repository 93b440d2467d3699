"""Fixtures for the data-subject request tests: one inventory per session, a fresh demo world per test."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from dsar_world import STATE, World, world_from

from m365_compliance.config.demo import write_demo_config
from m365_compliance.inventory.service import inventory_from_config
from m365_compliance.rules.service import check_from_config
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.server import SandboxServer


@pytest.fixture(scope="session")
def pristine_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state store holding the demo tenant's first inventory and its evaluation (findings name paths)."""
    where = tmp_path_factory.mktemp("inventory")
    demo = build_demo_tenant()
    with SandboxServer(demo.tenant) as server:
        config = write_demo_config(where / "policy.toml", graph_url=server.base_url, state_path=STATE)
        asyncio.run(inventory_from_config(config))
    check_from_config(config, demo.tenant.clock)
    return where / STATE


@pytest.fixture
def world(pristine_state: Path, tmp_path: Path) -> Iterator[World]:
    demo = build_demo_tenant()
    with SandboxServer(demo.tenant) as server:
        yield world_from(demo, server, pristine_state, tmp_path)
