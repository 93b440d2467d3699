"""``check_from_config``: the rules over the latest inventory (or a given snapshot), findings journaled with
the accepted exceptions in force for them.

The one place where the pure rules meet the state store: load the snapshot, evaluate, store the
findings as an evaluation. Offline: no Graph call is made. Log lines carry counts only.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from m365_compliance.config.schema import Config
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.registry import evaluate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckOutcome:
    evaluation_id: str
    snapshot: Snapshot
    findings: tuple[Finding, ...]


def check_from_config(config: Config, now: datetime, *, snapshot: Snapshot | None = None) -> CheckOutcome:
    """Evaluate ``snapshot`` (default: the state store's latest finished inventory) as of ``now``."""
    from m365_compliance.drift.applied import record_exceptions_in_force
    from m365_compliance.inventory.snapshot_load import load_snapshot
    from m365_compliance.rules.dates import policy_today
    from m365_compliance.inventory.spec import inventory_spec
    from m365_compliance.state.findings_repo import FindingsRepository
    from m365_compliance.state.tenancy import open_store

    with open_store(config) as store:
        if snapshot is None:
            snapshot = load_snapshot(store, inventory_spec(config))
        findings = evaluate(snapshot, config, now)
        evaluation_id = FindingsRepository(store).save(snapshot.run_id, config.policy_version, findings,
                                                         evaluated_at=now)
        record_exceptions_in_force(store, evaluation_id, findings, config.exceptions, policy_today(config, now))
    fields: dict[str, object] = {"evaluation": evaluation_id, **Counter(f.status for f in findings)}
    log.info("evaluated snapshot %s: %d findings", snapshot.run_id, len(findings), extra={"fields": fields})
    return CheckOutcome(evaluation_id, snapshot, tuple(findings))
