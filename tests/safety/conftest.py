"""Each safety test attacks its own first night of the demo tenant (``night.Night``)."""

from __future__ import annotations

import pytest
from night import first_night


@pytest.fixture
def night(tmp_path):
    return first_night(tmp_path / "night")
