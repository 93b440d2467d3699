"""The "did you mean" of refused ids: close ones suggested (case aside), unrelated ones not, long lists counted."""

from __future__ import annotations

from m365_compliance.suggest import close_matches, did_you_mean, listing

IDS = ["C1-0123456789ab", "C1-9d303af0b00c", "C3-4f2a9c1b7d3e"]


def test_a_typo_and_a_lower_case_id_find_the_real_one():
    assert close_matches("C1-0123456789ac", IDS)[0] == "C1-0123456789ab"
    assert did_you_mean("c3-4f2a9c1b7d3e", IDS) == " (did you mean `C3-4f2a9c1b7d3e`?)"


def test_a_placeholder_suggests_nothing():
    assert did_you_mean("FINDING", IDS) == "" and close_matches("FINDING", IDS) == []


def test_a_long_list_is_cut_and_counted():
    assert listing(IDS) == ", ".join(IDS) and listing([]) == "none"
    assert listing([f"id-{n}" for n in range(12)], limit=3) == "id-0, id-1, id-2, … (9 more)"
