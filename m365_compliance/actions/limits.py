"""Blast-radius limits: how much one run may delete or un-share, checked before the first write.

A deletion counts every item it removes (a folder with its contents), both against
``max_deletions`` and as a share of the items in the snapshot's scopes (``max_deletion_share``);
permission removals count against ``max_permission_removals``. The planner evaluates all deletions
in the plan (what approving everything would do); the executor evaluates the ones it would execute
now (approved or not needing approval), so approving a smaller part of a large plan stays possible.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from m365_compliance.actions.plan_model import (
    DELETE,
    REMOVE_PERMISSION,
    Action,
    LimitCheck,
)
from m365_compliance.config.schema import Limits
from m365_compliance.errors import LimitExceeded


def evaluate_limits(actions: Iterable[Action], populations: Mapping[str, int], limits: Limits) -> tuple[LimitCheck, ...]:
    """The limits over ``actions``; ``populations``: the items below each scope's configured folder."""
    chosen = list(actions)
    deleted = sum(a.items for a in chosen if a.kind == DELETE)
    removals = sum(1 for a in chosen if a.kind == REMOVE_PERMISSION)
    total = sum(populations.values())
    return (
        LimitCheck("max_deletions", float(limits.max_deletions), deleted, total),
        _worst_share(chosen, populations, limits.max_deletion_share),
        LimitCheck("max_permission_removals", float(limits.max_permission_removals), removals, total),
    )


def _worst_share(actions: list[Action], populations: Mapping[str, int], allowed: float) -> LimitCheck:
    """The share check of the scope whose share is largest (a deletion outside every scope has none to dilute)."""
    by_scope: dict[str, int] = {}
    for action in actions:
        if action.kind == DELETE:
            by_scope[action.scope or ""] = by_scope.get(action.scope or "", 0) + action.items
    checks = [LimitCheck("max_deletion_share", float(allowed), n, populations.get(scope, 0), scope or None)
              for scope, n in sorted(by_scope.items())]
    if not checks:
        return LimitCheck("max_deletion_share", float(allowed), 0, sum(populations.values()))
    return max(checks, key=lambda c: (c.exceeded, c.selected / c.population if c.population else float("inf")))


def enforce_limits(checks: Iterable[LimitCheck]) -> None:
    """Raise :class:`LimitExceeded` for the first limit crossed; nothing has been written yet."""
    for check in checks:
        if check.exceeded:
            raise LimitExceeded(describe(check), limit=check.limit, allowed=check.allowed, selected=check.selected,
                                population=check.population, hint=_REMOVALS_HINT if check.limit ==
                                "max_permission_removals" else None)


#: Removals need no approval (docs/plan-and-apply.md), so approving cannot bring their count under the limit.
_REMOVALS_HINT = ("Review the plan. Grant and link removals need no approval, so only the policy file changes "
                  "their count: raise [limits] max_permission_removals, or take a control out of "
                  "remediation.remove_grants (a reviewed change), then apply again.")


def describe(check: LimitCheck) -> str:
    if check.limit == "max_deletion_share":
        share = check.selected / check.population if check.population else 1.0
        where = f"the {check.scope} scope" if check.scope else "scope"
        return (f"The run would delete {check.selected} of {check.population} items in {where} ({share:.1%}), more "
                f"than max_deletion_share = {check.allowed:g} allows; it stopped before any change.")
    what = "delete" if check.limit == "max_deletions" else "remove"
    unit = "items" if check.limit == "max_deletions" else "permissions"
    return (f"The run would {what} {check.selected} {unit}, more than {check.limit} = {check.allowed:g} allows; "
            "it stopped before any change.")
