"""The "did you mean" of every error about an id or a name that is not one of the valid choices.

An id typed by hand (a finding, a case, a plan, an approval class) that matches nothing is refused
with the closest valid ones, so a typo is fixed at once and a placeholder copied from the docs
(``FINDING``) is never taken for a real id.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: How alike (difflib's ratio) a choice must be to be suggested: one wrong or missing character in an
#: id of a dozen passes, two unrelated ids of the same shape do not.
CUTOFF = 0.6
#: Valid choices listed in a message at most; more are counted, not listed.
LISTED = 8


def close_matches(value: str, choices: Iterable[str], *, n: int = 3, cutoff: float = CUTOFF) -> list[str]:
    """The choices most like ``value`` (case aside), best first."""
    by_folded: dict[str, str] = {}
    for choice in choices:
        by_folded.setdefault(choice.casefold(), choice)
    found = difflib.get_close_matches(value.casefold(), list(by_folded), n=n, cutoff=cutoff)
    return [by_folded[f] for f in found]


def did_you_mean(value: str, choices: Iterable[str], *, n: int = 3, cutoff: float = CUTOFF) -> str:
    """`` (did you mean `x`?)`` — with up to ``n`` candidates `` `x` or `y` `` — or "" when none is close."""
    close = close_matches(value, choices, n=n, cutoff=cutoff)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"`{c}`" for c in close) + "?)"


def listing(choices: Iterable[str], *, limit: int = LISTED) -> str:
    """The choices for a message: all of them when few, else the first ``limit`` and how many more."""
    shown = list(choices)
    if not shown:
        return "none"
    if len(shown) <= limit:
        return ", ".join(shown)
    return ", ".join(shown[:limit]) + f", … ({len(shown) - limit} more)"
