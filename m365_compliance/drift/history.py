"""Drift of a stored evaluation: the findings of it and of the one before, with exceptions applied.

``first_seen`` is the first evaluation of the finding's current unbroken run of being open: a
finding fixed and back again counts from its return. It is a policy time (``--now``), so a rehearsal's
72-hour clock starts on the rehearsed day, not on the day the rehearsal ran.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from m365_compliance.config.schema import DeclaredException
from m365_compliance.drift.applied import exceptions_for
from m365_compliance.drift.compare import Drift, classify
from m365_compliance.drift.exceptions import ExceptionRepository
from m365_compliance.errors import StateError
from m365_compliance.state.findings_repo import Evaluation, FindingsRepository
from m365_compliance.state.store import StateStore
from m365_compliance.suggest import did_you_mean


class UnknownEvaluation(StateError):
    """``--evaluation`` names none the store holds: the input's fault (exit 2), not the store's."""


def load_drift(store: StateStore, *, today: date, tz: ZoneInfo, evaluation_id: str | None = None,
               declared: Sequence[DeclaredException] = ()) -> Drift:
    """The drift of ``evaluation_id`` (default: the latest evaluation) against the evaluation before it, with the
    exceptions recorded in the store and ``declared`` in exceptions.toml (``Config.exceptions``) applied;
    ``today`` and ``tz``: the policy's calendar day and time zone."""
    findings = FindingsRepository(store)
    evaluations = findings.evaluations()
    if not evaluations:
        raise StateError("No evaluation is stored yet, so there is no drift to show.",
                         hint="Run `m365-compliance inventory` and `m365-compliance check` first.")
    ids = [e.id for e in evaluations]
    if evaluation_id is None:
        evaluation_id = ids[-1]
    elif evaluation_id not in ids:
        raise UnknownEvaluation(f"No evaluation {evaluation_id} in the state store{did_you_mean(evaluation_id, ids)}.",
                         hint=f"The latest is {ids[-1]}; leave out --evaluation to see it.")
    index = ids.index(evaluation_id)
    previous = evaluations[index - 1] if index > 0 else None
    current = findings.findings_of(evaluation_id)
    before = findings.findings_of(previous.id) if previous is not None else None
    return classify(current, before, today=today, tz=tz, first_seen=_first_seen(store, evaluations[: index + 1]),
                    exceptions=exceptions_for([*current, *(before or ())], ExceptionRepository(store).current(),
                                              declared, today),
                    evaluation_id=evaluation_id, previous_evaluation_id=previous.id if previous else None)


def _first_seen(store: StateStore, evaluations: list[Evaluation]) -> dict[str, datetime]:
    """For each finding open in the last of ``evaluations``: the start of its unbroken open streak (the order
    they were made), at the earliest policy time in it — a rehearsal of a later date stored in between never
    moves a finding's first sighting, and its 72-hour clock, later."""
    open_in: dict[str, set[str]] = defaultdict(set)
    for row in store.db.execute("SELECT evaluation_id, finding_id FROM findings WHERE status IN ('fail', "
                                "'not_evaluated')"):
        open_in[row["finding_id"]].add(row["evaluation_id"])
    latest = evaluations[-1].id
    seen: dict[str, datetime] = {}
    for finding_id, where in open_in.items():
        if latest not in where:
            continue
        start = evaluations[-1].evaluated_at
        for evaluation in reversed(evaluations):
            if evaluation.id not in where:
                break
            start = min(start, evaluation.evaluated_at)
        seen[finding_id] = start
    return seen
