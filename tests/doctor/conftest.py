"""Doctor tests run against the demo tenant on a real loopback sandbox, with the demo policy file."""

from __future__ import annotations

import pytest

from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.tenant import Tenant


@pytest.fixture
def tenant() -> Tenant:
    return build_demo_tenant().tenant  # the root conftest serves it as `server`
