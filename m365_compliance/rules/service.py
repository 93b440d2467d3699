"""``check_from_config``: the rules over the latest inventory (or a given snapshot), findings journaled with
the accepted exceptions in force for them.

The one place where the pure rules meet the state store: load the snapshot, evaluate, store the
findings as an evaluation. Offline: no Graph call is made. Log lines carry counts only.

With ``[engine] master`` other than "embedded", the evaluation runs on that engine, one library per
partition (m365_compliance/engine): this process reads only the shared context, each worker its own
library, and the findings stored are those this process would have made.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from m365_compliance.config.schema import Config
from m365_compliance.engine.master import Embedded
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.registry import evaluate
from m365_compliance.state.store import StateStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckOutcome:
    """The stored evaluation. ``snapshot`` is the picture evaluated: at hand when this process evaluated it,
    loaded on first use when workers did (the planner needs it whole; ``check`` alone never does)."""

    evaluation_id: str
    snapshot_run_id: str
    findings: tuple[Finding, ...]
    picture: Callable[[], Snapshot] = field(repr=False, compare=False)

    @cached_property
    def snapshot(self) -> Snapshot:
        return self.picture()


def check_from_config(config: Config, now: datetime, *, snapshot: Snapshot | None = None) -> CheckOutcome:
    """Evaluate ``snapshot`` (default: the state store's latest finished inventory) as of ``now``."""
    from m365_compliance.drift.applied import record_exceptions_in_force
    from m365_compliance.rules.dates import policy_today
    from m365_compliance.state.findings_repo import FindingsRepository
    from m365_compliance.state.tenancy import open_store

    with open_store(config) as store:
        if isinstance(config.engine.master, Embedded):
            run_id, findings, picture = _in_process(store, config, now, snapshot)
        else:
            run_id, findings, picture = _on_engine(store, config, now, snapshot)
        evaluation_id = FindingsRepository(store).save(run_id, config.policy_version, findings, evaluated_at=now)
        record_exceptions_in_force(store, evaluation_id, findings, config.exceptions, policy_today(config, now))
    fields: dict[str, object] = {"evaluation": evaluation_id, **Counter(f.status for f in findings)}
    log.info("evaluated snapshot %s: %d findings", run_id, len(findings), extra={"fields": fields})
    return CheckOutcome(evaluation_id, run_id, tuple(findings), picture)


Evaluated = tuple[str, list[Finding], Callable[[], Snapshot]]


def _in_process(store: StateStore, config: Config, now: datetime, snapshot: Snapshot | None) -> Evaluated:
    from m365_compliance.inventory.snapshot_load import load_snapshot
    from m365_compliance.inventory.spec import inventory_spec

    whole = snapshot if snapshot is not None else load_snapshot(store, inventory_spec(config))
    return whole.run_id, evaluate(whole, config, now), lambda: whole


def _on_engine(store: StateStore, config: Config, now: datetime, snapshot: Snapshot | None) -> Evaluated:
    """On the configured engine: a snapshot file's scopes travel with their tasks; the store's are loaded by the
    workers, and the whole picture only when someone asks for it (checked to be the one judged)."""
    from m365_compliance.engine.evaluation import evaluate_partitions, evaluate_stored, stored_snapshot
    from m365_compliance.engine.opening import open_engine
    from m365_compliance.engine.partitions import snapshot_partitions

    with open_engine(config.engine.master) as engine:
        if snapshot is not None:
            gathered = evaluate_partitions(snapshot.with_scopes({}), snapshot_partitions(snapshot), config, now,
                                           engine)
        else:
            gathered = evaluate_stored(store, config, now, engine)
    log.info("evaluated %d partitions on %s", len(gathered.partitions), config.engine.master.text,
             extra={"fields": {"partitions": len(gathered.partitions)}})
    if snapshot is not None:
        whole = snapshot
        return whole.run_id, list(gathered.findings), lambda: whole
    pictures = gathered.pictures()
    return gathered.run_id, list(gathered.findings), lambda: stored_snapshot(config, gathered.run_id, pictures)
