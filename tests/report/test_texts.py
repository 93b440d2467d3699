"""Every label exists in bokmål and English with the same placeholders; dates are written per language."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from m365_compliance.report.texts import TEXTS, Texts
from m365_compliance.rules.registry import RULES


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_both_languages_with_the_same_placeholders(key):
    nb, en = TEXTS[key]
    assert nb.strip() and en.strip()
    assert _fields(nb) == _fields(en)


def test_every_rule_has_a_name_in_both_languages():
    assert [r for r in RULES if f"rule.{r}" not in TEXTS] == []


def test_dates_in_the_policy_time_zone():
    oslo = ZoneInfo("Europe/Oslo")
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 1 January in Oslo
    assert Texts("nb", oslo).moment(late) == "1. januar 2027 kl. 00:30"
    assert Texts("en", oslo).moment(late) == "1 January 2027, 00:30"
    assert Texts("nb", oslo).local_day(late) == "2027-01-01"
    assert Texts("en", oslo).day(date(2026, 11, 25)) == "2026-11-25" and Texts("en", oslo).day(None) == "–"
    assert Texts("nb", oslo).label("severity", "high") == "høy"
    assert Texts("en", oslo).label("rule", "c9.some-future-rule") == "c9.some-future-rule"
    with pytest.raises(ValueError):
        Texts("de", oslo)  # type: ignore[arg-type]
