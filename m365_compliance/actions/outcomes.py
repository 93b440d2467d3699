"""What happened to one action in one apply run: the result the journal records and resume reads.

``done`` the write was made; ``already`` the tenant already was as the action wants (item gone,
label present, permission removed, event fired earlier); ``skipped`` a precondition did not hold
(changed since the plan, record label, retention label, another label); these three are final for
the plan and an apply run never repeats them. ``failed`` (Graph refused or failed) and
``awaiting_approval`` are tried again by the next apply; ``dry_run`` is what a dry run found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Result = Literal["done", "already", "skipped", "failed", "awaiting_approval", "dry_run"]
FINAL: tuple[Result, ...] = ("done", "already", "skipped")


@dataclass(frozen=True, slots=True)
class Outcome:
    action_id: str
    result: Result
    code: str  # deleted, labelled, removed, fired, gone, changed_since_plan, record_label, ...
    reason: str  # one sentence, ids and dates only

    @property
    def final(self) -> bool:
        return self.result in FINAL


def done(action_id: str, code: str, reason: str) -> Outcome:
    return Outcome(action_id, "done", code, reason)


def already(action_id: str, code: str, reason: str) -> Outcome:
    return Outcome(action_id, "already", code, reason)


def skipped(action_id: str, code: str, reason: str) -> Outcome:
    return Outcome(action_id, "skipped", code, reason)
