"""One demo night read through Graph, and the same tenant's MGDC delivery beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from m365_compliance.sandbox.mgdc_export import write_mgdc
from night import Night, first_night


@pytest.fixture(scope="package")
def graph_night(tmp_path_factory: pytest.TempPathFactory) -> Night:
    return first_night(tmp_path_factory.mktemp("mgdc") / "night", acting=False)


@pytest.fixture(scope="package")
def delivery(graph_night: Night) -> Path:
    folder = graph_night.out / "delivery"
    write_mgdc(graph_night.demo.tenant, folder, snapshot_date=graph_night.demo.tenant.clock.date(), fmt="jsonl")
    return folder
