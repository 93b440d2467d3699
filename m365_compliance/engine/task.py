"""What a worker runs for one partition: load its scope, evaluate every rule, keep what it answers for.

The task carries the shared context (directory, roles, register rows, gaps, the store's pseudonym key),
the policy and the instant: small, whatever the tenant's size. The worker builds the snapshot of the
context and its one scope and runs ``evaluate`` on it — the same rules, unchanged.

The context crosses the network to remote workers: it names people (directory, register contact persons)
and holds the key that hides addresses in permission refs. Use ``tls://`` where the network is not the
machine's own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime

from m365_compliance.config.schema import Config
from m365_compliance.engine.gather import answers_for
from m365_compliance.engine.partitions import Partition
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot, Staleness
from m365_compliance.rules.coverage import grantee_ids, group_of
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.registry import evaluate


@dataclass(frozen=True)
class PictureStamp:
    """Which committed picture of a library a worker judged: a later load of the snapshot (the planner needs it
    whole) must find the same, or the findings and the picture would not belong together."""

    library_id: str
    picture_at: datetime | None
    items: int
    stale: Staleness | None

    @staticmethod
    def of(scope: ScopeSnapshot) -> PictureStamp:
        return PictureStamp(scope.library.id, scope.picture_at, len(scope.items), scope.stale)


@dataclass(frozen=True)
class PartitionResult:
    scope: str
    worker_pid: int  # the process that evaluated it
    findings: tuple[Finding, ...]  # those this partition answers for (gather.answers_for)
    granted_groups: frozenset[str]  # the groups with a directory gap that this scope grants access to
    picture: PictureStamp


@dataclass(frozen=True)
class PartitionTask:
    """The function an engine maps over the partitions: picklable, with everything but the scope inside."""

    context: Snapshot = field(repr=False)  # the snapshot without scopes (it names people: never in a repr)
    config: Config = field(repr=False)
    now: datetime
    scopes: frozenset[str]  # every scope that has a partition

    def __call__(self, partition: Partition) -> PartitionResult:
        scope = partition.loader.load()
        if scope.scope != partition.scope:
            raise ValueError(f"the loader of partition {partition.scope} loaded scope {scope.scope}")
        findings = evaluate(self.context.with_scopes({scope.scope: scope}), self.config, self.now)
        groups = {group for gap in self.context.gaps if (group := group_of(gap)) is not None}
        return PartitionResult(partition.scope, os.getpid(),
                               tuple(f for f in findings if answers_for(scope.scope, f, self.scopes)),
                               frozenset(groups & grantee_ids(scope)), PictureStamp.of(scope))
