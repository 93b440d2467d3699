"""The erasure plan of a data-subject request: a :class:`~m365_compliance.actions.plan_model.Plan`. Pure.

Everything a confirmed or exact match covers is deleted (to the recycle bin unless
``limits.recycle_bin = false``), except what must be kept, which is listed with the reason and the
date it can go:

* bookkeeping material under a statutory hold (C6; GDPR Art. 17(3)(b): a legal obligation to keep it);
* anything a record label or a retaining label keeps, or whose label could not be read (labels are read
  from Graph before planning; the executor checks them again before deleting);
* everything in a scope the newest inventory could not read, or whose picture is too old;
* a hired applicant's folder (it belongs in the personnel file, as in the nightly plan);
* items Microsoft Search found outside the configured scopes: no hold was checked there, so they
  are listed for handling by hand.

A folder whose subtree holds nothing to keep is one deletion, guarded by the eTags of everything in
it; a folder that holds kept items stays, and what else is in it is deleted item by item
(:class:`~m365_compliance.actions.protection.Protections`, as in the nightly plan). Every
deletion needs approval (class ``dsar_erasure``) and counts against the blast-radius limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from m365_compliance.actions.labels import LabelReading
from m365_compliance.actions.plan_model import Action, Plan, SkipCode, Skipped
from m365_compliance.actions.planner import (
    HIRED_REASON,
    assemble_plan,
    delete_action,
    picture_problem,
)
from m365_compliance.actions.protection import Protected, Protections
from m365_compliance.config.schema import Config
from m365_compliance.dsar.model import Case, Match
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot
from m365_compliance.model import DriveItem
from m365_compliance.rules.dates import local_date
from m365_compliance.rules.retention_applicants import applicants
from m365_compliance.rules.statutory import hold

OUTSIDE_REASON = ("Found by Microsoft Search outside the configured scopes, where no statutory hold or label was "
                  "checked: review it and delete it by hand.")


@dataclass(frozen=True, slots=True)
class Kept:
    """An item (and what is below it) the erasure leaves in place, why, and until when."""

    drive_id: str
    item_id: str
    code: SkipCode
    reason: str
    keep_until: date | None = None
    items: int = 1


@dataclass(frozen=True)
class ErasurePlan:
    plan: Plan
    kept: tuple[Kept, ...]
    gone: tuple[str, ...]  # matched item ids no longer in the snapshot: nothing left to delete
    #: Items below each scope's folder, and the plan's actions approved already: what apply's limits count.
    populations: Mapping[str, int] = field(default_factory=dict)
    approved: frozenset[str] = frozenset()


def erasure_targets(matches: list[Match], snapshot: Snapshot) -> list[DriveItem]:
    """Every item the erasure could delete (matched items and all below them): their labels are read first."""
    found: list[DriveItem] = []
    for match in (m for m in matches if m.actionable):
        scope = snapshot.scopes.get(match.scope)
        item = scope.items.get(match.item_id) if scope is not None else None
        if scope is not None and item is not None:
            found.extend((item, *scope.descendants(item.id)))
    return found


def build_erasure_plan(case: Case, matches: list[Match], snapshot: Snapshot, config: Config,
                       now: datetime, *, labels: LabelReading, checked_at: datetime) -> ErasurePlan:
    """The plan for the case's actionable matches; the same inputs give the same plan, id included.
    ``labels`` are those read for :func:`erasure_targets`; ``checked_at`` the wall time pictures are aged by."""
    eraser = _Eraser(case, snapshot, config, local_date(now, config.retention.timezone), labels, checked_at)
    for match in sorted((m for m in matches if m.actionable), key=lambda m: (m.scope, m.match_id)):
        eraser.match(match)
    skipped = tuple(Skipped(f"{k.drive_id}/{k.item_id}", k.code, k.reason, (case.case_id,)) for k in eraser.kept)
    plan = assemble_plan(eraser.actions.values(), skipped, snapshot, config, now)
    return ErasurePlan(plan, tuple(eraser.kept), tuple(eraser.gone))


class _Eraser:
    def __init__(self, case: Case, snapshot: Snapshot, config: Config, today: date, labels: LabelReading,
                 checked_at: datetime) -> None:
        self.case, self.snapshot, self.config, self.today = case, snapshot, config, today
        self.protections = Protections(self.hold_of, labels)
        self.checked_at = checked_at
        found = applicants(snapshot, config)
        self.hired = {a.folder.id for a in found[1] if a.hired} if found is not None else set()
        self.actions: dict[str, Action] = {}
        self.kept: list[Kept] = []
        self.gone: list[str] = []
        self.rule = ""

    def match(self, match: Match) -> None:
        if match.scope == "tenant":
            self.kept.append(Kept(match.drive_id, match.item_id, "outside_scopes", OUTSIDE_REASON))
            return
        scope = self.snapshot.scopes.get(match.scope)
        item = scope.items.get(match.item_id) if scope is not None else None
        if scope is None or item is None:
            self.gone.append(match.item_id)
            return
        unusable = picture_problem(scope, self.config, self.checked_at)
        if unusable is not None:
            self.kept.append(Kept(scope.library.id, item.id, "stale_picture", unusable))
            return
        unit = scope.unit_of(item)
        if match.scope == "recruitment" and unit is not None and unit.id in self.hired:
            self.kept.append(Kept(scope.library.id, item.id, "hired_applicant", HIRED_REASON,
                                  items=1 + sum(1 for _ in scope.descendants(item.id))))
            return
        self.rule = f"{match.rule} match {match.match_id}"
        self.erase(scope, item)

    def erase(self, scope: ScopeSnapshot, node: DriveItem) -> None:
        split = self.protections.split(scope, node)
        for kept, why in split.kept:
            below = sum(1 for _ in scope.descendants(kept.id))
            self.kept.append(Kept(scope.library.id, kept.id, why.code, why.reason, why.keep_until, 1 + below))
        for part in split.parts:
            self.delete(scope, part)

    def hold_of(self, node: DriveItem) -> Protected | None:
        """Computed here, not taken from a stored evaluation: the erasure may cover any item of a scope."""
        held = hold(self.scope_of(node), node, self.config)
        if held is None or held.keep_until < self.today:
            return None
        return Protected("statutory_hold", f"Kept until {held.keep_until.isoformat()}, because {held.reason} (GDPR "
                         "Art. 17(3)(b): a legal obligation to keep it).", held.keep_until)

    def scope_of(self, node: DriveItem) -> ScopeSnapshot:
        return next(s for s in self.snapshot.scopes.values() if s.library.id == node.drive_id)

    def delete(self, scope: ScopeSnapshot, node: DriveItem) -> None:
        reason = (f"C7: erasure request {self.case.case_id} received {self.case.received.isoformat()} (GDPR "
                  f"Art. 17); {self.rule}.")
        action = delete_action(scope, node, reason, (self.case.case_id,), self.config, requires_approval=True,
                               approval_class="dsar_erasure")
        if action is None:
            self.kept.append(Kept(scope.library.id, node.id, "no_etag", "The snapshot has no eTag to check before "
                                  "deleting: take a new inventory and plan the erasure again."))
            return
        self.actions[action.action_id] = action
