"""Fixtures for the sink tests: real demo findings, a local HTTP receiver, the anyio backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alerts_world import Demo
from receiver import Receiver

from m365_compliance.demo import run_demo
from m365_compliance.sandbox.demo import build_demo_tenant


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The demo's findings: applicant folders are named after (fictional) people."""
    outcome = run_demo(tmp_path_factory.mktemp("alerts-demo"), demo=build_demo_tenant())
    return Demo(tuple(outcome.findings))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running
