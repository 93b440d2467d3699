"""Applying a plan: dry run by default, limits before the first write, every attempt journaled.

``apply_plan`` walks the plan's actions in order. For each: an outcome already final in the
journal for this plan → nothing (re-running an applied plan changes nothing); needs approval and
has none → ``awaiting_approval``; otherwise the attempt is journaled, the step re-fetches and
checks its preconditions and writes (:mod:`.steps`), and the outcome is journaled before the next
action starts. A killed apply therefore resumes where it stopped: finished actions are skipped by
the journal, the one in flight is decided from the tenant's state.

A dry run is the same code over :class:`.ReadOnlyGateway`: its reads happen, its writes raise
:class:`.WriteRefused`, which becomes a ``dry_run`` outcome saying what apply would do.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from m365_compliance.actions.approvals import approved_action_ids
from m365_compliance.actions.dry_run import ActionGateway, ReadOnlyGateway, WriteRefused
from m365_compliance.actions.journal import Entry, Journal, Mode
from m365_compliance.actions.limits import enforce_limits, evaluate_limits, limits_of
from m365_compliance.actions.outcomes import Outcome, already
from m365_compliance.actions.plan_model import FIRE_EVENT, Action, Plan
from m365_compliance.actions.steps import PermissionReader, event_description, intent, run_step
from m365_compliance.config.schema import Limits
from m365_compliance.errors import LimitExceeded, PlanError
from m365_compliance.graph.errors import AuthenticationError, GraphError
from m365_compliance.state.store import StateStore, to_text

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
                     limits: Limits | None = None, policy_version: str | None = None, actor: str = DEFAULT_ACTOR,
                     on_outcome: OutcomeHook | None = None) -> ApplyResult:
    """Apply ``plan`` (``execute=True``) or rehearse it (dry run) and journal every attempt.

    Args:
        limits: the policy file's limits now in force; None uses the values the plan was made with.
        policy_version: the policy file's version; a plan made under another version is refused.
        actor: who runs the apply, for the journal.
        on_outcome: called after each outcome is journaled (progress; tests interrupt here).

    Raises:
        LimitExceeded: the actions this run would execute cross a limit; nothing was written.
        PlanError: the plan was made under another policy version.
    """
    if policy_version is not None and policy_version != plan.policy_version:
        raise PlanError(f"The plan was made under policy version {plan.policy_version}, the policy file now says "
                        f"{policy_version}.", hint="Make a new plan under the policy in force and have it approved.")
    mode: Mode = "execute" if execute else "dry_run"
    journal = Journal(store)
    journal.record_plan(plan, actor=actor)
    approved = approved_action_ids(store, plan)
    runnable = [a for a in plan.actions if not a.requires_approval or a.action_id in approved]
    checks = evaluate_limits(runnable, plan.scope_items, limits or limits_of(plan.limits))
    run_id = store.start_run("apply", plan.policy_version)
    journal.append(Entry("apply_started", plan.id, run_id=run_id, mode=mode, actor=actor,
                         policy_version=plan.policy_version, result="started",
                         reason=f"as of {to_text(now)}: {len(plan.actions)} actions, {len(approved)} approved"))
    try:
        enforce_limits(checks)
    except LimitExceeded as stop:
        journal.append(Entry("apply_stopped", plan.id, run_id=run_id, mode=mode, actor=actor, result="stopped",
                             code=stop.limit, reason=stop.message, policy_version=plan.policy_version))
        store.finish_run(run_id, "stopped", {"plan": plan.id, "mode": mode, "limit": stop.limit})
        raise
    run = _Run(plan, gateway if execute else ReadOnlyGateway(gateway), journal, run_id, mode, actor, approved,
               on_outcome)
    try:
        outcomes, settled = await run.all()
    except Exception as error:  # journaled, then raised unchanged
        journal.append(Entry("apply_stopped", plan.id, run_id=run_id, mode=mode, actor=actor, result="failed",
                             code=type(error).__name__, reason=str(error)[:300], policy_version=plan.policy_version))
        store.finish_run(run_id, "failed", {"plan": plan.id, "mode": mode, "error": type(error).__name__})
        raise
    result = ApplyResult(run_id, plan.id, mode, tuple(outcomes), settled)
    journal.append(Entry("apply_finished", plan.id, run_id=run_id, mode=mode, actor=actor, result="finished",
                         policy_version=plan.policy_version,
                         reason=", ".join(f"{k} {v}" for k, v in result.counts().items()) or "nothing to do"))
    store.finish_run(run_id, "completed", {"plan": plan.id, "mode": mode, **result.counts(),
                                           "settledBefore": settled})
    return result


class _Run:
    """One apply run's state: the gateway to use, what is approved, and where outcomes go."""

    def __init__(self, plan: Plan, graph: ActionGateway, journal: Journal, run_id: str, mode: Mode, actor: str,
                 approved: frozenset[str], on_outcome: OutcomeHook | None) -> None:
        self.plan, self.graph, self.journal, self.run_id = plan, graph, journal, run_id
        self.mode, self.actor, self.approved, self.on_outcome = mode, actor, approved, on_outcome

    async def all(self) -> tuple[list[Outcome], int]:
        pending = [a for a in self.plan.actions if self.journal.final_outcome(self.plan.id, a.action_id) is None]
        reader = PermissionReader(self.graph, [a for a in pending if self._approved(a)])
        outcomes = []
        for action in pending:
            outcome = await self._one(action, reader)
            self.journal.outcome(self.run_id, self.plan, action, outcome, mode=self.mode, actor=self.actor)
            log.debug("action outcome", extra={"fields": {"plan": self.plan.id, "action": action.action_id,
                                                         "kind": action.kind, "result": outcome.result,
                                                         "code": outcome.code}})
            outcomes.append(outcome)
            if self.on_outcome is not None:
                self.on_outcome(action, outcome)
        return outcomes, len(self.plan.actions) - len(pending)

    def _approved(self, action: Action) -> bool:
        return not action.requires_approval or action.action_id in self.approved

    async def _one(self, action: Action, reader: PermissionReader) -> Outcome:
        aid = action.action_id
        if not self._approved(action):
            return Outcome(aid, "awaiting_approval", action.approval_class or "approval",
                           f"Needs approval ({action.approval_class}) before it can be executed.")
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
        if self.mode == "execute":
            self.journal.attempt(self.run_id, self.plan, action, actor=self.actor)
        try:
            outcome = await run_step(self.graph, action, reader)
        except WriteRefused:
            return Outcome(aid, "dry_run", "would_" + action.kind, intent(action).capitalize() + ".")
        except AuthenticationError:
            raise  # every later action would fail the same way: stop, the journal says where
        except GraphError as error:
            return Outcome(aid, "failed", type(error).__name__, f"{error.message} {error.hint}")
        if interrupted is not None:
            outcome = Outcome(aid, outcome.result, outcome.code,
                              f"{outcome.reason} (resumed after run {interrupted} was interrupted mid-action)")
        return outcome
