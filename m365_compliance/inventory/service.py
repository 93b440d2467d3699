"""Running an inventory from a policy file: open the store, the gateway, run, report the costs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from m365_compliance.config.schema import Config
from m365_compliance.graph.configured import gateway_settings
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.inventory.run import InventoryResult, ProgressFn, run_inventory
from m365_compliance.inventory.spec import inventory_spec
from m365_compliance.state.inventory_repo import InventoryRepository
from m365_compliance.state.lock import StoreLock
from m365_compliance.state.store import utc_now
from m365_compliance.state.tenancy import open_store


@dataclass(frozen=True)
class InventoryOutcome:
    result: InventoryResult
    graph_stats: dict[str, Any]
    items_total: int


async def inventory_from_config(config: Config, *, full: bool = False, progress: ProgressFn | None = None,
                                gateway: GraphGateway | None = None, now: datetime | None = None,
                                mgdc: str | None = None) -> InventoryOutcome:
    """One inventory run as the policy file describes it; ``gateway`` may be given (tests, demo). ``now``: the
    run's clock (``--now``), recorded beside the wall time it ran at. ``mgdc``: the folder or URL of an MGDC
    delivery to picture the libraries from instead of crawling them. Holds the store's writer lock: a second
    writer is refused at once."""
    with StoreLock(config.state.path, "inventory"), open_store(config) as store:
        owned = gateway is None
        graph = gateway or GraphGateway(gateway_settings(config))
        try:
            if mgdc is not None:
                from m365_compliance.mgdc.delivery import Delivery
                from m365_compliance.mgdc.ingest import run_mgdc_inventory

                result = await run_mgdc_inventory(graph, store, inventory_spec(config), Delivery(mgdc),
                                                  max_age=config.mgdc.max_age, now=now or utc_now(),
                                                  tenant_id=config.tenant.tenant_id)
            else:
                result = await run_inventory(graph, store, inventory_spec(config), full=full, progress=progress,
                                             now=now)
        finally:
            if owned:
                await graph.aclose()
        return InventoryOutcome(result, graph.stats.as_dict(), InventoryRepository(store).item_count())
