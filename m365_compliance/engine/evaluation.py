"""The rules evaluated partition by partition on an engine, gathered into ``evaluate``'s answer.

:func:`evaluate_partitions` is the whole of it for any source of partitions; :func:`evaluate_stored` makes
them from the state store (one per library, each loaded by its worker) and :func:`stored_snapshot` loads the
picture the workers judged, for callers that need it whole (the planner), checking that it is still that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from m365_compliance.config.schema import Config
from m365_compliance.engine.engines import Engine
from m365_compliance.engine.gather import gather
from m365_compliance.engine.partitions import Partition, scope_names, store_partitions
from m365_compliance.engine.task import PartitionResult, PartitionTask, PictureStamp
from m365_compliance.errors import StateError
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.inventory.snapshot_load import inventory_run, load_context, load_snapshot
from m365_compliance.inventory.spec import inventory_spec
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.registry import evaluate
from m365_compliance.state.store import StateStore


@dataclass(frozen=True)
class Gathered:
    """The findings (equal to ``evaluate`` on the whole snapshot) and each partition's result."""

    run_id: str
    findings: tuple[Finding, ...]
    partitions: tuple[PartitionResult, ...]

    def pictures(self) -> dict[str, PictureStamp]:
        return {r.scope: r.picture for r in self.partitions}


def evaluate_partitions(context: Snapshot, partitions: Sequence[Partition], config: Config, now: datetime,
                        engine: Engine) -> Gathered:
    """Every rule over ``context`` with each partition's scope, on ``engine``; without partitions (no library
    was ever read) the context alone is the snapshot, evaluated here."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware: deadlines are computed in the policy's time zone")
    if not partitions:
        return Gathered(context.run_id, tuple(evaluate(context, config, now)), ())
    results = engine.map(PartitionTask(context, config, now, scope_names(partitions)), partitions)
    return Gathered(context.run_id, tuple(gather(results, context)), tuple(results))


def evaluate_stored(store: StateStore, config: Config, now: datetime, engine: Engine) -> Gathered:
    """The newest finished inventory in ``store``, evaluated on ``engine``: the driver reads the shared context,
    each worker its own library."""
    run = inventory_run(store)
    partitions = store_partitions(store, inventory_spec(config), run)
    return evaluate_partitions(load_context(store, run), partitions, config, now, engine)


def stored_snapshot(config: Config, run_id: str, pictures: Mapping[str, PictureStamp]) -> Snapshot:
    """The whole snapshot of ``run_id``, as the workers judged it; StateError when an inventory has committed a
    library since (the findings would not describe the picture)."""
    from m365_compliance.state.tenancy import open_store

    with open_store(config) as store:
        snapshot = load_snapshot(store, inventory_spec(config), run_id)
    if {name: PictureStamp.of(scope) for name, scope in snapshot.scopes.items()} != dict(pictures):
        raise StateError("An inventory committed a library after the rules were evaluated: the findings no longer "
                         "describe the state store's picture.", hint="Run the command again.")
    return snapshot
