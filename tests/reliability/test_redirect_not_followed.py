"""Graph's origin is the only origin: a redirect from the configured Graph to anywhere else is not followed
into inventory data (issue: an inventory that never wedges and never lies). A second sandbox stands at the
redirect's target and counts what reaches it."""

from __future__ import annotations

import asyncio

from tamper import Redirect, Tamper

from m365_compliance.config.demo import write_demo_config
from m365_compliance.graph.configured import gateway_settings
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.inventory.service import inventory_from_config
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.server import SandboxServer


def test_a_redirect_to_another_origin_is_a_gap_and_nothing_reaches_it(tmp_path):
    demo, elsewhere = build_demo_tenant(), build_demo_tenant()
    with SandboxServer(demo.tenant) as server, SandboxServer(elsewhere.tenant) as other:
        config = write_demo_config(tmp_path / "policy.toml", graph_url=server.base_url, state_path="state.sqlite")

        def redirect(request, body):
            if "/root/delta" in request.url.path:
                return Redirect(other.base_url + request.url.raw_path.decode().split("/v1.0", 1)[1])
            return None

        async def go():
            async with GraphGateway(gateway_settings(config), transport=Tamper(redirect)) as graph:
                return await inventory_from_config(config, gateway=graph)

        outcome = asyncio.run(go())
        reached = other.app.meter.snapshot()["requests"]
    assert reached == 0  # not followed: no request, no token, no answer from the other origin
    deltas = [g for g in outcome.result.gaps if g.operation == "delta"]
    assert len(deltas) == 2 and all("redirect" in g.message and "not followed" in g.message for g in deltas)
    assert outcome.items_total == 0  # nothing was read from anywhere but the configured Graph
