"""Every command's --help carries an example, and bad input never ends in a traceback."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from m365_compliance.cli.main import _register_commands, cli

_register_commands()


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*prefix, name)))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", _commands(cli), ids=lambda p: " ".join(p) or "m365-compliance")
def test_help_has_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output


def test_expected_commands_exist():
    names = {" ".join(p) for p in _commands(cli)}
    assert {"demo", "inventory", "sandbox serve", "config check"} <= names


def test_inventory_with_a_broken_config_is_a_clear_error(tmp_path):
    bad = tmp_path / "policy.toml"
    bad.write_text("[tenant]\ntenant_id = 42\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["inventory", "--config", str(bad)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "error:" in result.output


def test_inventory_with_a_missing_config_names_the_file(tmp_path):
    result = CliRunner().invoke(cli, ["inventory", "--config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "nope.toml" in result.output
