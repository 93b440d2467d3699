"""Blast-radius limits: how much one run may delete or un-share, checked before the first write.

A deletion counts every item it removes (a folder with its contents), both against
``max_deletions`` and as a share of the items in the snapshot's scopes (``max_deletion_share``);
permission removals count against ``max_permission_removals``. The planner evaluates all deletions
in the plan (what approving everything would do); the executor evaluates the ones it would execute
now (approved or not needing approval), so approving a smaller part of a large plan stays possible.
"""

from __future__ import annotations

from collections.abc import Iterable

from m365_compliance.actions.plan_model import (
    DELETE,
    REMOVE_PERMISSION,
    Action,
    LimitCheck,
)
from m365_compliance.config.schema import Limits
from m365_compliance.errors import LimitExceeded


def evaluate_limits(actions: Iterable[Action], population: int, limits: Limits) -> tuple[LimitCheck, ...]:
    chosen = list(actions)
    deleted = sum(a.items for a in chosen if a.kind == DELETE)
    removals = sum(1 for a in chosen if a.kind == REMOVE_PERMISSION)
    return (
        LimitCheck("max_deletions", float(limits.max_deletions), deleted, population),
        LimitCheck("max_deletion_share", float(limits.max_deletion_share), deleted, population),
        LimitCheck("max_permission_removals", float(limits.max_permission_removals), removals, population),
    )


def limits_of(checks: Iterable[LimitCheck]) -> Limits:
    """The limit values a plan was evaluated with (used when apply is given no policy file's limits)."""
    base = Limits()
    values = {c.limit: c.allowed for c in checks}
    return Limits(max_deletions=int(values.get("max_deletions", base.max_deletions)),
                  max_deletion_share=values.get("max_deletion_share", base.max_deletion_share),
                  max_permission_removals=int(values.get("max_permission_removals", base.max_permission_removals)),
                  auto_approve_applicant_deletions=base.auto_approve_applicant_deletions,
                  recycle_bin=base.recycle_bin)


def enforce_limits(checks: Iterable[LimitCheck]) -> None:
    """Raise :class:`LimitExceeded` for the first limit crossed; nothing has been written yet."""
    for check in checks:
        if check.exceeded:
            raise LimitExceeded(describe(check), limit=check.limit, allowed=check.allowed, selected=check.selected,
                                population=check.population)


def describe(check: LimitCheck) -> str:
    if check.limit == "max_deletion_share":
        share = check.selected / check.population if check.population else 1.0
        return (f"The run would delete {check.selected} of {check.population} items in scope ({share:.1%}), more "
                f"than max_deletion_share = {check.allowed:g} allows; it stopped before any change.")
    what = "delete" if check.limit == "max_deletions" else "remove"
    unit = "items" if check.limit == "max_deletions" else "permissions"
    return (f"The run would {what} {check.selected} {unit}, more than {check.limit} = {check.allowed:g} allows; "
            "it stopped before any change.")
