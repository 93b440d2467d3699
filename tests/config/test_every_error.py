"""A policy file with several mistakes gets all of them at once, one line per error with its key, exit 2."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config import demo_config_text, parse_config
from m365_compliance.errors import ConfigError, ConfigErrors

_register_commands()
SANDBOX = "http://127.0.0.1:8765/v1.0"
#: One mistake in each of five sections, two of them in tables of an array, and an unknown section.
MISTAKES = (('language = "nb"', 'language = "NB"'),
            ("years = 3.5", "years = 0"),
            ('type = "stdout"', 'type = "slack"'),
            ("max_deletions = 50", 'max_deletions = "ten"'),
            ("full_every_days = 7", "full_every_days = 7\n\n[inventroy]\nmode = \"auto\""),
            ('organization = "TRETOEN AS"', 'organization = "TRETOEN|AS"'))


def _broken() -> str:
    text = demo_config_text(SANDBOX)
    for old, new in MISTAKES:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_config_check_lists_every_error_with_its_key_and_exits_2(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(_broken(), encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check", str(policy)])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    keys = ["`policy.language`", "`tenant.organization`", "`retention.statutory[1].years`", "`limits.max_deletions`",
            "`alerts.sinks[0].type`", "`inventroy` is not a known section"]
    assert len(errors) == len(keys), result.output
    assert all(key in line for key, line in zip(keys, errors, strict=True)), errors
    assert "did you mean 'nb'?" in errors[0] and "(did you mean `inventory`?)" in errors[-1]
    assert [line for line in result.output.splitlines() if line.startswith("hint: ")]  # and what to do, once


def test_the_errors_come_as_one_exception_that_holds_each():
    with pytest.raises(ConfigErrors) as caught:
        parse_config(_broken(), "/policies/policy.toml")
    assert [e.key for e in caught.value.problems] == [
        "policy.language", "tenant.organization", "retention.statutory[1].years", "limits.max_deletions",
        "alerts.sinks[0].type", "inventroy"]
    assert caught.value.key == "policy.language"  # the first error's parts, for callers that read one


def test_one_error_is_still_a_plain_config_error():
    text = demo_config_text(SANDBOX).replace("max_deletions = 50", "max_deletions = -1")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "/policies/policy.toml")
    assert not isinstance(caught.value, ConfigErrors) and caught.value.problems == (caught.value,)


def test_all_unknown_keys_of_a_section_are_named():
    text = demo_config_text(SANDBOX).replace("recycle_bin = true", "recycle_bin = true\nmax_deletion = 5\nbin = 1")
    with pytest.raises(ConfigErrors) as caught:
        parse_config(text, "/policies/policy.toml")
    assert [e.key for e in caught.value.problems] == ["limits.max_deletion", "limits.bin"]


def test_every_wrong_optional_value_of_a_section_is_named():
    text = demo_config_text(SANDBOX).replace("max_deletions = 50", "max_deletions = -1").replace(
        "recycle_bin = true", 'recycle_bin = "yes"')
    with pytest.raises(ConfigErrors) as caught:
        parse_config(text, "/policies/policy.toml")
    assert [e.key for e in caught.value.problems] == ["limits.max_deletions", "limits.recycle_bin"]
