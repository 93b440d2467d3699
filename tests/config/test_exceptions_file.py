"""exceptions.toml beside the policy file: the documented example loads; each kind of mistake is an error
naming the file and the key, collected with the policy file's own."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from m365_compliance.config import demo_config_text, load_config
from m365_compliance.config.schema import DeclaredException
from m365_compliance.errors import ConfigError
from m365_compliance.rules.findings import Finding

DOCS = Path(__file__).parents[2] / "docs"
ENTRY = 'owner = "Leder"\nreason = "x"\naccepted = 2026-11-25\nexpires = 2027-01-31\n'


def _load(tmp_path: Path, exceptions: str, policy: str | None = None):
    (tmp_path / "policy.toml").write_text(policy or demo_config_text("http://127.0.0.1:8765/v1.0"), encoding="utf-8")
    (tmp_path / "exceptions.toml").write_text(exceptions, encoding="utf-8")
    return load_config(tmp_path / "policy.toml")


def _documented(name: str) -> str:
    text = (DOCS / name).read_text(encoding="utf-8")
    return next(block for block in re.findall(r"```toml\n(.*?)```", text, re.S) if "[[exception]]" in block)


@pytest.mark.parametrize("doc", ["config.md", "drift.md"])
def test_the_documented_example_loads(tmp_path: Path, doc: str) -> None:
    exceptions = _load(tmp_path, _documented(doc)).exceptions
    assert [(e.key, e.target) for e in exceptions] == [
        ("exception[0]", "C3-4f2a9c1b7d3e"), ("exception[1]", "c1.recruitment-access in recruitment")]
    assert exceptions[0].expires == date(2027, 1, 31) and exceptions[1].owner == "HR-leder"


def test_no_file_no_exceptions(tmp_path: Path) -> None:
    (tmp_path / "policy.toml").write_text(demo_config_text("http://127.0.0.1:8765/v1.0"), encoding="utf-8")
    assert load_config(tmp_path / "policy.toml").exceptions == ()


def test_a_rule_exception_matches_its_rule_in_its_scope_only() -> None:
    by_rule = DeclaredException("exception[0]", "o", "r", date(2026, 1, 1), date(2026, 2, 1),
                                rule_id="c3.customer-access", scope="customers")
    def finding(rule: str, scope: str) -> Finding:
        return Finding("C3-0123456789ab", rule, "C3", "high", "fail", "t", "m", "r", scope=scope)
    assert by_rule.matches(finding("c3.customer-access", "customers"))
    assert not by_rule.matches(finding("c3.customer-access", "recruitment"))
    assert not by_rule.matches(finding("c4.unknown-contact", "customers"))


@pytest.mark.parametrize(("entry", "key", "fragment"), [
    ('rule = "c9.nothing"\nscope = "customers"\n', "exception[0].rule", "no rule 'c9.nothing'"),
    ('rule = "c3.customer-access"\n', "exception[0].scope", "is missing"),
    ('finding = "C3-0123456789ab"\nrule = "c3.customer-access"\nscope = "customers"\n', "exception[0].rule",
     "either `finding` or `rule`"),
    ('finding = "C3-0123456789ab"\nscope = "customers"\n', "exception[0].scope", "no `scope` with `finding`"),
    ('finding = "ZZ-0123456789ab"\n', "exception[0].finding", "no rule makes findings starting ZZ-"),
    ('finding = "C3-0123456789ab"\nfindng = "x"\n', "exception[0].findng", "not a known key"),
])
def test_a_mistake_names_the_file_and_key(tmp_path: Path, entry: str, key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, "[[exception]]\n" + entry + ENTRY)
    [problem] = caught.value.problems
    assert problem.key == key and fragment in problem.message, problem.message
    assert problem.message.startswith(f"{tmp_path / 'exceptions.toml'}: `{key}`")


@pytest.mark.parametrize(("dates", "fragment"), [
    ("accepted = 2026-11-25\nexpires = 2027-12-31\n", "at most 366 days after `accepted`"),
    ("accepted = 2026-11-25\nexpires = 2026-11-24\n", "on or after `accepted`"),
    ("accepted = 2026-11-25\nexpires = 2027-02-30\n", "not valid TOML"),
    ('accepted = 2026-11-25\nexpires = "2027-02-30"\n', "expected a date YYYY-MM-DD"),
])
def test_a_malformed_or_overlong_expiry_is_an_error(tmp_path: Path, dates: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        _load(tmp_path, '[[exception]]\nfinding = "C3-0123456789ab"\nowner = "o"\nreason = "r"\n' + dates)


def test_the_same_finding_twice_is_an_error_and_collected_with_the_policy_files(tmp_path: Path) -> None:
    policy = demo_config_text("http://127.0.0.1:8765/v1.0").replace("max_deletions = 50", "max_deletions = -1")
    twice = '[[exception]]\nfinding = "C3-0123456789ab"\n' + ENTRY
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, twice + "\n" + twice, policy)
    assert [p.key for p in caught.value.problems] == ["limits.max_deletions", "exception[1]"]
    assert "accepts C3-0123456789ab again (`exception[0]` does already)" in caught.value.problems[1].message


def test_a_date_time_is_quoted_as_written_in_the_file() -> None:
    from datetime import UTC, datetime

    from m365_compliance.config.reader import show

    assert show(datetime(2026, 11, 25, 10, 0, tzinfo=UTC)) == "2026-11-25T10:00:00+00:00"
