"""What goes on the wire: decorated User-Agent, bearer token, one slash, counted requests (§7.4, §8.1)."""

from __future__ import annotations

import pytest
from graph_world import FakeClock, World, in_process
from kiota_http.middleware.options import RetryHandlerOption

from m365_compliance.graph.client import middleware_options
from m365_compliance.graph.settings import user_agent

pytestmark = pytest.mark.anyio


async def test_user_agent_token_and_paths_on_the_wire(world: World, clock: FakeClock) -> None:
    gateway, recorder = in_process(world, clock)
    async with gateway:
        await gateway.resolve_site(world.site.web_url)
        await gateway.list_libraries(world.site.id)
    assert len(recorder.requests) == gateway.stats.requests == 2
    for _, path, headers in recorder.requests:
        assert headers["user-agent"].startswith(user_agent("321"))
        assert headers["user-agent"].startswith("NONISV|321|m365-compliance/")
        assert headers["authorization"] == "Bearer sandbox-token"
        assert path.startswith("/v1.0/sites/") and "//" not in path
    assert recorder.requests[0][1] == "/v1.0/sites/tretoen.sharepoint.com:/sites/rekruttering:"


def test_kiota_retries_are_switched_off() -> None:
    option = middleware_options()[RetryHandlerOption.get_key()]
    assert isinstance(option, RetryHandlerOption)
    assert option.max_retry == 0 and not option.should_retry


def test_package_exports_resolve_lazily() -> None:
    import subprocess
    import sys

    import m365_compliance.graph as graph

    assert all(getattr(graph, name) is not None for name in graph.__all__)
    probe = "import sys, m365_compliance.graph.settings; print('msgraph' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"  # reading settings does not load the SDK
