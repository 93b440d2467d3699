"""Hostile or broken Graph answers are gaps, never tracebacks (issue: an inventory that never wedges and never
lies): each answer path and each kind of break at least once, through a tampering proxy in front of the
sandbox. ``scripts/hostile_answers.py`` runs every path with every break (docs/reliability.md)."""

from __future__ import annotations

import pytest
from hostile_answers import run_case

CASES = [("site", "missing ids"), ("libraries", "list, not an object"), ("delta page", "html"),
         ("delta page", "nested too deep"), ("delta page", "too large"), ("$batch envelope", "html"),
         ("$batch item", "value not a list"), ("children", "missing ids"), ("list items", "value not a list"),
         ("directory page", "missing ids")]


@pytest.mark.parametrize(("path", "shape"), CASES, ids=[f"{p}-{s}".replace(" ", "-") for p, s in CASES])
def test_a_broken_answer_is_a_named_gap_and_the_store_stays_usable(tmp_path, path, shape):
    outcome = run_case(tmp_path, path, shape)
    assert outcome.broken, "the proxy never saw that path"
    assert outcome.escaped is None, outcome.escaped
    assert outcome.named, outcome.gap
    assert outcome.store_ok and outcome.recovered, outcome
