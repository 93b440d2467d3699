"""What ``apply`` will still do with a plan that crosses a blast-radius limit, said when the plan is made.

The plan measures its limits over *all* its deletions; apply measures them over the actions it would
execute (those needing no approval, and the approved ones — done ones included, since approvals only add)
and, when those cross a limit, stops before its first request (:mod:`.executor`). So a plan over a
limit is not a plan apply refuses: as long as what may run crosses nothing, apply runs it and leaves the
rest awaiting approval. This module works that out from the same :func:`.limits.evaluate_limits`, so
the sentence ``plan`` prints is what ``apply`` does.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from m365_compliance.actions.limits import evaluate_limits
from m365_compliance.actions.plan_model import DELETE, KINDS, Action, LimitCheck, Plan
from m365_compliance.config.schema import Limits

#: How a sentence names each kind of action (singular, plural); both label kinds are "label actions".
_WORDS: dict[str, tuple[str, str]] = {
    "remove_permission": ("grant removal", "grant removals"),
    "fire_retention_event": ("retention event", "retention events"),
    "apply_statutory_label": ("label action", "label actions"),
    "apply_label": ("label action", "label actions"),
    "delete_item": ("deletion", "deletions"),
}


@dataclass(frozen=True)
class ApplyForecast:
    """A plan over a limit as apply will meet it, given the approvals recorded when the plan was made.

    ``over``: the plan's limits crossed (over all its deletions). ``runnable``: the actions apply would take
    now. ``held``: those awaiting approval. ``stops``: limits the runnable actions cross by themselves (apply
    then stops before any change). ``room``: for each limit the plan crosses, how many more deletion items
    may be approved for this plan before apply stops (``None`` for a limit approvals do not move).
    """

    over: tuple[LimitCheck, ...]
    runnable: tuple[Action, ...]
    held: tuple[Action, ...]
    stops: tuple[LimitCheck, ...]
    room: tuple[tuple[LimitCheck, int | None], ...]

    @property
    def stopped(self) -> bool:
        return bool(self.stops)


def forecast_apply(plan: Plan, populations: Mapping[str, int], limits: Limits,
                   approved: Iterable[str] = ()) -> ApplyForecast:
    """What apply will do with ``plan`` (``populations``: items below each scope's folder, as the plan counted)."""
    allowed = frozenset(approved)
    may_run = {a.action_id for a in plan.actions if not a.requires_approval or a.action_id in allowed}
    runnable = tuple(a for a in plan.actions if a.action_id in may_run)
    held = tuple(a for a in plan.actions if a.action_id not in may_run)
    checks = evaluate_limits(runnable, populations, limits)
    stops = tuple(c for c in checks if c.exceeded)
    room = tuple((c, _room(c, runnable, populations)) for c in plan.over_limits)
    return ApplyForecast(plan.over_limits, runnable, held, stops, room)


def _room(check: LimitCheck, runnable: tuple[Action, ...], populations: Mapping[str, int]) -> int | None:
    """Deletion items that may still be approved before ``check``'s limit is crossed by what apply runs."""
    deletions = [a for a in runnable if a.kind == DELETE]
    if check.limit == "max_deletions":
        return max(0, int(check.allowed) - sum(a.items for a in deletions))
    if check.limit == "max_deletion_share":
        scope = check.scope or ""
        budget = math.floor(check.allowed * populations.get(scope, check.population) + 1e-9)
        return max(0, budget - sum(a.items for a in deletions if (a.scope or "") == scope))
    return None  # grant removals need no approval: approving nothing changes them


def describe_forecast(forecast: ApplyForecast) -> str:
    """One line: the limits crossed and what apply will still do, e.g. "over max_deletions (50): apply will run
    the 3 grant removals and the 12 label actions and leave the 80 deletions (95 items) awaiting approval; …"."""
    head = "over " + " and ".join(_limit(c) for c in forecast.over)
    if forecast.stopped:
        crossed = " and ".join(_limit(c) for c in forecast.stops)
        return (f"{head}: apply will stop before any change, because what it may run without another approval — "
                f"{_listing(forecast.runnable)} — already crosses {crossed}; nothing runs until the limit is raised "
                "under [limits] (a reviewed change of the policy file).")
    run = f"run {_listing(forecast.runnable, the=True)}" if forecast.runnable else "run nothing yet"
    held = f" and leave {_listing(forecast.held, the=True)} awaiting approval" if forecast.held else ""
    budgets = [f"{n} item{'s' if n != 1 else ''} " + (f"in the {c.scope} scope" if c.scope else "in all")
               + f" ({c.limit})" for c, n in forecast.room if n is not None]
    approve = (f"; approve deletions of at most {' and '.join(budgets)} from this plan, or apply stops before any "
               "change (the rest waits for the next plan)") if budgets else ""
    return f"{head}: apply will {run}{held}{approve}."


def _limit(check: LimitCheck) -> str:
    where = f" in the {check.scope} scope" if check.scope else ""
    return f"{check.limit} ({check.allowed:g}{where})"


def _listing(actions: Iterable[Action], *, the: bool = False) -> str:
    """``the 3 grant removals, the 12 label actions and the 80 deletions (95 items)``, in execution order."""
    chosen = list(actions)
    by_word: Counter[str] = Counter()
    order: list[str] = []
    for kind in KINDS:
        n = sum(1 for a in chosen if a.kind == kind)
        if n:
            word = _WORDS[kind][1]
            order += [word] if word not in order else []
            by_word[word] += n
    items = sum(a.items for a in chosen if a.kind == DELETE)
    parts = []
    for word in order:
        n = by_word[word]
        singular = next(s for s, p in _WORDS.values() if p == word)
        text = f"{'the ' if the else ''}{n} {singular if n == 1 else word}"
        if word == _WORDS[DELETE][1]:
            text += f" ({items} item{'s' if items != 1 else ''})"
        parts.append(text)
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] if parts else ""
