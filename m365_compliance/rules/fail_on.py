"""``--fail-on`` and ``[run] fail_on``: which open findings make a command exit 4, and the line saying so.

``check`` and ``run`` decide the same way, so one function decides for both: an open finding (failing, or
not evaluated, which may hide a failure) at least as severe as the threshold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from m365_compliance.exit_codes import FINDINGS, Verdict
from m365_compliance.rules.findings import SEVERITIES, Finding

NEVER = "never"


def at_or_above(findings: Iterable[Finding], threshold: str | None) -> tuple[Finding, ...]:
    """The open findings at least ``threshold`` severe (none for ``never`` or no threshold)."""
    if threshold is None or threshold == NEVER:
        return ()
    if threshold not in SEVERITIES:
        raise ValueError(f"unknown severity {threshold!r}")
    return tuple(f for f in findings if f.is_open and f.at_least(threshold))  # type: ignore[arg-type]


def fail_on_verdict(findings: Iterable[Finding], threshold: str | None, setting: str) -> Verdict | None:
    """Exit 4 with its reason when an open finding reaches ``threshold``; ``setting`` names where it was set
    (``--fail-on high``, ``[run] fail_on = "high"``) so the reader knows what to change."""
    over = at_or_above(findings, threshold)
    if not over:
        return None
    by_control = ", ".join(f"{control} {n}" for control, n in sorted(Counter(f.control for f in over).items()))
    failing = sum(f.status == "fail" for f in over)
    kinds = f"{failing} failing, {len(over) - failing} not evaluated" if failing < len(over) else "failing"
    noun = "finding" if len(over) == 1 else "findings"
    return Verdict(FINDINGS, f"{len(over)} open {noun} at or above {threshold} ({kinds}; {setting}): {by_control}.")
