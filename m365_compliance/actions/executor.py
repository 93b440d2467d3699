"""Applying a plan: dry run by default, limits before the first write, every attempt journaled.

``apply_plan`` walks the plan's actions in order. For each: an outcome already final in the
journal for this plan → nothing (re-running an applied plan changes nothing); needs approval and
has none → ``awaiting_approval``; otherwise the attempt is journaled, the step re-fetches and
checks its preconditions and writes (:mod:`.steps`), and the outcome is journaled before the next
action starts. A killed apply therefore resumes where it stopped: finished actions are skipped by
the journal, the one in flight is decided from the tenant's state.

A dry run is the same code over :class:`.ReadOnlyGateway`: its reads happen, its writes raise
:class:`.WriteRefused`, which becomes a ``dry_run`` outcome saying what apply would do.

Nothing that decides safety is read from the plan (:mod:`.guard`): the plan must be one a planner
recorded in this store for this tenant; approvals, recycle bin, the share limit's population and
whether each destructive action's reason still holds come from the policy file and the store.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from m365_compliance.actions.approvals import approved_action_ids
from m365_compliance.actions.dry_run import ActionGateway, ReadOnlyGateway, WriteRefused
from m365_compliance.actions.guard import ActionSafety, Current, action_safety, current_evaluation, erasure_cover, \
    reason_gone, trusted_plan
from m365_compliance.actions.journal import Entry, Journal, Mode
from m365_compliance.actions.limits import enforce_limits, evaluate_limits
from m365_compliance.actions.outcomes import Outcome, already, skipped
from m365_compliance.actions.plan_model import DELETE, FIRE_EVENT, Action, Plan
from m365_compliance.actions.steps import PermissionReader, event_description, intent, run_step
from m365_compliance.config.schema import Config
from m365_compliance.clock import refuse_future_execution
from m365_compliance.errors import LimitExceeded
from m365_compliance.graph.errors import AuthenticationError, GraphError, ResourceLocked
from m365_compliance.state.store import StateStore, to_text, utc_now

log = logging.getLogger(__name__)
OutcomeHook = Callable[[Action, Outcome], None]
DEFAULT_ACTOR = "m365-compliance"


@dataclass(frozen=True)
class ApplyResult:
    run_id: str
    plan_id: str
    mode: Mode
    outcomes: tuple[Outcome, ...]  # this run's, in plan order; actions settled by earlier runs are left out
    settled_before: int  # actions whose final outcome an earlier run had journaled

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(o.result for o in self.outcomes).items()))


async def apply_plan(plan: Plan, gateway: ActionGateway, store: StateStore, *, execute: bool, now: datetime,
                     config: Config, actor: str = DEFAULT_ACTOR, on_outcome: OutcomeHook | None = None,
                     wall_now: datetime | None = None, current: Current | None = None) -> ApplyResult:
    """Apply ``plan`` (``execute=True``) or rehearse it (dry run) and journal every attempt.

    Args:
        config: the policy file in force: its tenant, version, limits and auto-approvals decide, not the plan's.
        actor: who runs the apply, for the journal.
        on_outcome: called after each outcome is journaled (progress; tests interrupt here).
        wall_now: the wall-clock time the plan's age is measured at (default: now).
        current: the evaluation reasons are checked against (default: the newest evaluation of the newest
            inventory in ``store``, :func:`.guard.current_evaluation`).

    Raises:
        PlanError: the plan is not one a planner recorded here, was changed, is for another tenant or policy
            version, or is older than ``limits.max_plan_age``.
        LimitExceeded: the actions this run would execute cross a limit; nothing was written.
    """
    wall_now = wall_now or utc_now()
    if execute:
        refuse_future_execution(now, wall_now)
    made_by = trusted_plan(store, plan, config, wall_now=wall_now).made_by or ""
    current = current or current_evaluation(store, config, now, wall_now=wall_now)
    cover = erasure_cover(store, plan.actions[0].finding_ids[0], current.snapshot) \
        if made_by == "dsar_erasure" and plan.actions and plan.actions[0].finding_ids else None
    safety = {a.action_id: action_safety(a, made_by, config) for a in plan.actions}
    mode: Mode = "execute" if execute else "dry_run"
    journal = Journal(store)
    approved = approved_action_ids(store, plan, {k: v.approval_class for k, v in safety.items()})
    runnable = [a for a in plan.actions if not safety[a.action_id].requires_approval or a.action_id in approved]
    checks = evaluate_limits(runnable, current.snapshot.populations(), config.limits)
    run_id = store.start_run("apply", plan.policy_version, policy_at=now)
    journal.append(Entry("apply_started", plan.id, run_id=run_id, mode=mode, actor=actor,
                         policy_version=plan.policy_version, result="started", policy_at=now,
                         reason=f"as of {to_text(now)}: {len(plan.actions)} actions, {len(approved)} approved; "
                                f"reasons checked against evaluation {current.evaluation_id}"))
    try:
        enforce_limits(checks)
    except LimitExceeded as stop:
        journal.append(Entry("apply_stopped", plan.id, run_id=run_id, mode=mode, actor=actor, result="stopped",
                             code=stop.limit, reason=stop.message, policy_version=plan.policy_version, policy_at=now))
        store.finish_run(run_id, "stopped", {"plan": plan.id, "mode": mode, "limit": stop.limit})
        raise
    run = _Run(plan, gateway if execute else ReadOnlyGateway(gateway), journal, run_id, mode, actor, approved,
               on_outcome, _Checks(made_by, safety, current, config, cover), now)
    try:
        outcomes, settled = await run.all()
    except Exception as error:  # journaled, then raised unchanged
        journal.append(Entry("apply_stopped", plan.id, run_id=run_id, mode=mode, actor=actor, result="failed",
                             code=type(error).__name__, reason=str(error)[:300], policy_version=plan.policy_version,
                             policy_at=now))
        store.finish_run(run_id, "failed", {"plan": plan.id, "mode": mode, "error": type(error).__name__})
        raise
    result = ApplyResult(run_id, plan.id, mode, tuple(outcomes), settled)
    journal.append(Entry("apply_finished", plan.id, run_id=run_id, mode=mode, actor=actor, result="finished",
                         policy_version=plan.policy_version, policy_at=now,
                         reason=", ".join(f"{k} {v}" for k, v in result.counts().items()) or "nothing to do"))
    store.finish_run(run_id, "completed", {"plan": plan.id, "mode": mode, **result.counts(),
                                           "settledBefore": settled})
    return result


@dataclass(frozen=True)
class _Checks:
    """What apply decided from the policy file and the store before the first action (see :mod:`.guard`)."""

    made_by: str
    safety: dict[str, ActionSafety]
    current: Current
    config: Config
    cover: frozenset[str] | str | None = None  # a data-subject erasure: what its case still covers

    def refusal(self, action: Action) -> Outcome | None:
        """A final skip when the action may not be taken any more: its reason is gone, or its asset id is bad."""
        if action.kind == FIRE_EVENT and not self.config.retention.valid_asset_id(action.asset_id):
            return skipped(action.action_id, "bad_asset_id", "The event's asset id does not fit "
                           "retention.asset_id_pattern: it never goes into an event's query.")
        gone = reason_gone(action, self.made_by, self.current, self.cover)
        if gone is not None:
            return skipped(action.action_id, "reason_gone", f"The reason no longer holds: {gone}.")
        return None


class _Run:
    """One apply run's state: the gateway to use, what is approved, and where outcomes go."""

    def __init__(self, plan: Plan, graph: ActionGateway, journal: Journal, run_id: str, mode: Mode, actor: str,
                 approved: frozenset[str], on_outcome: OutcomeHook | None, checks: _Checks, now: datetime) -> None:
        self.plan, self.graph, self.journal, self.run_id = plan, graph, journal, run_id
        self.mode, self.actor, self.approved, self.on_outcome = mode, actor, approved, on_outcome
        self.checks, self.now = checks, now  # the policy time the run acts as of, journaled with each row

    async def all(self) -> tuple[list[Outcome], int]:
        pending = [a for a in self.plan.actions if self.journal.final_outcome(self.plan.id, a.action_id) is None]
        reader = PermissionReader(self.graph, [a for a in pending if self._approved(a)],
                                  self.journal.store.pseudonym_key)
        outcomes = []
        for action in pending:
            outcome = await self._one(action, reader)
            self.journal.outcome(self.run_id, self.plan, action, outcome, mode=self.mode, actor=self.actor,
                                 now=self.now)
            log.debug("action outcome", extra={"fields": {"plan": self.plan.id, "action": action.action_id,
                                                         "kind": action.kind, "result": outcome.result,
                                                         "code": outcome.code}})
            outcomes.append(outcome)
            if self.on_outcome is not None:
                self.on_outcome(action, outcome)
        return outcomes, len(self.plan.actions) - len(pending)

    async def _gone_already(self, action: Action, refused: Outcome) -> Outcome:
        """A refused deletion whose item is gone anyway (a killed run deleted it) is journaled as such."""
        if action.kind != DELETE:
            return refused
        try:
            gone = await self.graph.get_item(action.drive_id, action.item_id) is None
        except GraphError:
            return refused
        return already(action.action_id, "gone", "The item no longer exists (deleted already).") if gone else refused

    def _approved(self, action: Action) -> bool:
        return not self.checks.safety[action.action_id].requires_approval or action.action_id in self.approved

    async def _one(self, action: Action, reader: PermissionReader) -> Outcome:
        aid = action.action_id
        safety = self.checks.safety[aid]
        if not self._approved(action):
            what = safety.approval_class or "an approval naming this action"
            return Outcome(aid, "awaiting_approval", safety.approval_class or "approval",
                           f"Needs approval ({what}) before it can be executed.")
        if action.kind == FIRE_EVENT:
            # An event cannot be read back from Graph: the journal is the only memory that it was fired.
            earlier = self.journal.done_in_any_plan(aid)
            if earlier is not None:
                return already(aid, "fired", f"The same event was fired when plan {earlier} was applied.")
        interrupted = self.journal.interrupted(self.plan.id, aid) if self.mode == "execute" else None
        if action.kind == FIRE_EVENT and interrupted is not None:
            # The killed run may have fired it before it could journal so: Graph keeps the event, find it.
            try:
                landed = await self.graph.retention_events_described(event_description(action))
            except GraphError as error:
                return Outcome(aid, "failed", type(error).__name__, f"{error.message} {error.hint}")
            if landed:
                return already(aid, "fired", f"Retention event {landed[0]} was fired by run {interrupted}, "
                                             "which was interrupted before it journaled the outcome.")
        refused = self.checks.refusal(action)
        if refused is not None:
            return _resumed(await self._gone_already(action, refused), interrupted)
        if self.mode == "execute":
            self.journal.attempt(self.run_id, self.plan, action, actor=self.actor, now=self.now)
        try:
            outcome = await run_step(self.graph, action, reader, permanent=safety.permanent)
        except WriteRefused:
            return Outcome(aid, "dry_run", "would_" + action.kind,
                           intent(action, permanent=safety.permanent).capitalize() + ".")
        except AuthenticationError:
            raise  # every later action would fail the same way: stop, the journal says where
        except ResourceLocked as error:  # checked out, open in an editor, or held: another night
            return _resumed(skipped(aid, "resource_locked", f"{error.message} {error.hint}"), interrupted)
        except GraphError as error:
            return Outcome(aid, "failed", type(error).__name__, f"{error.message} {error.hint}")
        return _resumed(outcome, interrupted)


def _resumed(outcome: Outcome, interrupted: str | None) -> Outcome:
    """The outcome of an action a killed run had started: it says so."""
    if interrupted is None:
        return outcome
    return Outcome(outcome.action_id, outcome.result, outcome.code,
                   f"{outcome.reason} (resumed after run {interrupted} was interrupted mid-action)")
