"""Which findings a person asked to see: ``--controls C1,C3`` and ``--min-severity``.

The evaluation itself is always whole (drift compares whole evaluations, and a finding left out of one
would read as fixed); a selection narrows what is shown, written and counted for ``--fail-on``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from m365_compliance.rules.findings import SEVERITIES, Finding, Severity

_RANGE = re.compile(r"C(\d+)-C(\d+)")


def known_controls() -> tuple[str, ...]:
    """The controls the rules evaluate, in order ("C1-C6" of the coverage rule counts as C1 … C6)."""
    from m365_compliance.rules.registry import load_rules

    numbers: set[int] = set()
    for rule in load_rules().values():
        span = _RANGE.fullmatch(rule.control)
        numbers.update(range(int(span[1]), int(span[2]) + 1) if span else (int(rule.control[1:]),))
    return tuple(f"C{n}" for n in sorted(numbers))


class SelectionError(ValueError):
    """A control or severity that does not exist; the message lists the valid ones."""


def parse_controls(text: str, known: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """``"c1, C3"`` → ``("C1", "C3")``, in the order of ``known`` (default: the controls the rules evaluate;
    the report also has C7–C9); an unknown or empty list raises :class:`SelectionError`."""
    known = known or known_controls()
    chosen = set(part.strip().upper() for part in text.split(",") if part.strip())
    wrong = sorted(chosen - set(known))
    if wrong or not chosen:
        what = f"unknown control {', '.join(wrong)}" if wrong else "no control given"
        raise SelectionError(f"{what}; choose from {', '.join(known)} (comma-separated, e.g. C1,C3)")
    return tuple(c for c in known if c in chosen)


@dataclass(frozen=True)
class FindingSelection:
    """``controls`` None: every control; ``min_severity`` None: every severity."""

    controls: tuple[str, ...] | None = None
    min_severity: Severity | None = None

    def __post_init__(self) -> None:
        if self.min_severity is not None and self.min_severity not in SEVERITIES:
            raise SelectionError(f"unknown severity {self.min_severity!r}; choose from {', '.join(SEVERITIES)}")

    def keeps(self, finding: Finding) -> bool:
        return (self.controls is None or finding.control in self.controls) and \
            (self.min_severity is None or finding.at_least(self.min_severity))

    def apply(self, findings: Iterable[Finding]) -> tuple[Finding, ...]:
        return tuple(f for f in findings if self.keeps(f))

    def as_dict(self) -> dict[str, object]:
        return {"controls": list(self.controls) if self.controls is not None else None,
                "minSeverity": self.min_severity}
