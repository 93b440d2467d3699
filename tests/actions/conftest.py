"""The apply tests' world (``apply_world.build_world``), served by the root conftest's ``server``."""

from __future__ import annotations

import pytest
from apply_world import build_world


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def tenant(world):
    return world.tenant  # the root conftest serves it as `server`
