"""Which accepted exception applies to each finding: the ones recorded with ``drift accept`` and the ones
of exceptions.toml, through one path, so a finding accepted in the file is "accepted" (and, once the
exception runs out, "expired") exactly as if it had been accepted on the command line.

When several apply to one finding, the one in force wins over an expired one, then the one that holds
longer, then one naming the finding over one naming its rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time

from m365_compliance.config.schema import EXCEPTIONS_FILE, DeclaredException
from m365_compliance.drift.exceptions import AcceptedException, ExceptionRepository
from m365_compliance.rules.findings import Finding
from m365_compliance.state.store import StateStore


def as_accepted(declared: DeclaredException, finding_id: str) -> AcceptedException:
    """A declared exception in the shape of a recorded one, for one finding it matches."""
    return AcceptedException(finding_id, declared.owner, declared.reason, declared.expires,
                             datetime.combine(declared.accepted, time(), UTC),
                             source=f"{EXCEPTIONS_FILE} {declared.key}")


def exceptions_for(findings: Iterable[Finding], recorded: Mapping[str, AcceptedException],
                   declared: Sequence[DeclaredException], today: date) -> dict[str, AcceptedException]:
    """``recorded`` (finding id → the latest unrevoked exception) with the declared ones that match ``findings``."""
    chosen = dict(recorded)
    for finding in findings:
        # (exception, whether it names this finding rather than its rule)
        candidates = [(as_accepted(d, finding.id), d.finding_id is not None) for d in declared if d.matches(finding)]
        if finding.id in recorded:
            candidates.append((recorded[finding.id], True))
        if candidates:
            best, _ = max(candidates, key=lambda c: (c[0].holds_on(today), c[0].expires, c[1]))
            chosen[finding.id] = best
    return chosen


def record_exceptions_in_force(store: StateStore, evaluation_id: str, findings: Iterable[Finding],
                               declared: Sequence[DeclaredException], today: date) -> dict[str, AcceptedException]:
    """Keep, with the evaluation, which exception applied to each of its open findings (and return them)."""
    repo = ExceptionRepository(store)
    open_findings = [f for f in findings if f.is_open]
    open_ids = {f.id for f in open_findings}
    applied = {fid: x for fid, x in exceptions_for(open_findings, repo.current(), declared, today).items()
               if fid in open_ids}
    repo.record_applied(evaluation_id, applied, today)
    return applied
