"""The demo after its first night, built once for the report tests that only read it."""

from __future__ import annotations

import pytest
from report_world import DemoState, first_night


@pytest.fixture(scope="package")
def demo_state(tmp_path_factory) -> DemoState:
    """Read only: tests that add evaluations, exceptions or journal entries build their own."""
    return first_night(tmp_path_factory.mktemp("report-demo"))
