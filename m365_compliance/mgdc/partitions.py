"""A distributed evaluation straight from an MGDC delivery: the driver asks Graph the little it must, the
workers read the libraries.

Past a few million items even storing the picture is the bottleneck one machine hits, so here no item is
stored: the driver resolves the configured sites and libraries, lists the folder units with their columns,
reads the directory (the groups granted anywhere, found in one column of the Permissions dataset) and the
register into the state store as an inventory run, and returns one :class:`MgdcScopeLoader` per library. The
engine's workers each build one library's picture from the delivery and evaluate it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta

from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.inventory.run import InventoryResult, InventorySpec, read_directory_and_register
from m365_compliance.mgdc.delivery import Delivery, MgdcDeliveryError, iter_batches
from m365_compliance.mgdc.freshness import DATASET_OPERATION
from m365_compliance.mgdc.grants import recipient
from m365_compliance.mgdc.ingest import list_units, locate_library, site_groups_of
from m365_compliance.mgdc.loader import MgdcScopeLoader
from m365_compliance.mgdc.rows import canonical, read_dataset
from m365_compliance.model import Principal, PrincipalKind
from m365_compliance.state.inventory_repo import Gap
from m365_compliance.state.store import StateStore


async def prepare_mgdc_run(gateway: GraphGateway, store: StateStore, spec: InventorySpec, delivery: str, *,
                           now: datetime, max_age: timedelta,
                           tenant_id: str | None) -> tuple[InventoryResult, dict[str, MgdcScopeLoader]]:
    """An inventory run that stores the directory and register only, and a loader per library it could locate."""
    started = time.monotonic()
    run_id = store.start_run("inventory", spec.policy_version, policy_at=now)
    result = InventoryResult(run_id)
    loaders: dict[str, MgdcScopeLoader] = {}
    status = "failed"
    try:
        groups = site_groups_of(Delivery(delivery), result, now=now, max_age=max_age)
        for scope in spec.scopes:
            located = await locate_library(gateway, scope)
            if isinstance(located, Gap):
                result.gaps.append(located)
                continue
            graph_site_id, library, address = located
            units, gaps = await list_units(gateway, scope, library)
            result.gaps.extend(gaps)
            loaders[scope.scope] = MgdcScopeLoader(
                scope.scope, scope.site_url, library, graph_site_id, address, scope.folder, scope.unit_depth, delivery,
                units, groups.get(address.site_guid, {}), now, max_age, tenant_id)
        try:
            granted = list(granted_groups(Delivery(delivery)))
        except MgdcDeliveryError as exc:
            result.gaps.append(Gap("directory", "mgdc permissions", DATASET_OPERATION, str(exc), None, exc.hint))
            granted = []
        status = await read_directory_and_register(gateway, store, spec, result, grantees=granted)
    finally:
        result.seconds = time.monotonic() - started
        store.finish_run(run_id, status, result.summary())
    return result, loaders


def granted_groups(delivery: Delivery) -> Iterator[Principal]:
    """The Entra groups granted anywhere (``SharedWith`` entries of type SecurityGroup with an object id), read
    from that one column where the files are Parquet: their members are what the directory must expand."""
    files = delivery.dataset_files("permissions")
    if files and all(p.lower().endswith(".parquet") for p in files):
        rows: Iterator[dict] = (row for path in files for batch in iter_batches(delivery, path, columns=("SharedWith",))
                                for row in batch.to_pylist())
    else:
        rows = iter(read_dataset(delivery, "permissions", lambda r: True).rows)
    seen: set[str] = set()
    for row in rows:
        shared = row.get("SharedWith")
        for entry in (e for e in (shared if isinstance(shared, list) else ()) if isinstance(e, dict)):
            named = recipient(canonical(entry), {}, "")  # as the picture names it: one reading of a recipient
            if named.kind is PrincipalKind.GROUP and named.id not in seen:
                seen.add(named.id)
                yield named
