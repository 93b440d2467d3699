"""Paths no disk can hold, and paths the system refuses on the way: one ``error:`` line and a ``hint:`` line,
never a traceback, never more than a short prefix of the bad value, and nothing written.

The attacks: a name over the filesystem's 255 bytes, a NUL (a TOML ``\\u0000`` escape), a store name that
leaves its ``-journal`` and ``.lock`` no room, a store path over SQLite's 512 bytes, in the policy file
(``[state] path``, ``register.path``, ``auth.certificate_path``) and on the command line (every ``--out``);
a symbolic link that loops in an output, in the state folder, and as the store's lock file (a raw ``OSError``
that only the CLI's catch-all sees); and errors the catch-all must explain without failing on the path
itself (ENAMETOOLONG, ELOOP, a NUL's ``ValueError``).
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from one_error import one_error

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config.demo import demo_config_text
from m365_compliance.private_files import path_problem, path_value_error
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.server import SandboxServer

_register_commands()

STATE = "state/state.sqlite"
LONG = "a" * 300  # one name over the 255 bytes a name may have on ext4, xfs, btrfs, tmpfs …
SHOWN = 80  # at most this much of a refused value is quoted (private_files.SHOWN_MAX, config.reader.show)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(build_demo_tenant().tenant) as server:
        yield server


def _policy(folder: Path, sandbox: SandboxServer, state_path: str = STATE, *,
            edit: tuple[str, str] | None = None) -> Path:
    """The demo policy file with ``state_path`` as written (escaped for TOML, so a NUL is ``\\u0000``), not
    validated first: the point is what the tool makes of it."""
    text = demo_config_text(sandbox.base_url, state_path)
    if edit is not None:
        assert edit[0] in text
        text = text.replace(*edit)
    path = folder / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _cli(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _no_long_echo(output: str, bad: str) -> None:
    """Never more than a short prefix of the bad value: no run of it longer than the quoting limit."""
    run = max(bad, key=bad.count)  # the repeated character the attack is made of
    assert run * (SHOWN + 1) not in output, output


# ---------------------------------------------------------------------------------------- the policy file

STATE_ATTACKS = {
    "component-over-255": f"{LONG}/x.sqlite",
    "nul": "st\x00ate.sqlite",
    "store-name-without-room-for-its-journal": "j" * 250 + ".sqli",  # 255 bytes: its -journal and .lock are not
    "path-over-sqlite-limit": "/".join(["d" * 100] * 5) + "/state.sqlite",  # each name fine, 500+ bytes in all
}


@pytest.mark.parametrize("command", ["inventory", "check", "config-check"])
@pytest.mark.parametrize("state_path", list(STATE_ATTACKS.values()), ids=list(STATE_ATTACKS))
def test_a_state_path_no_disk_can_hold_is_a_config_error_naming_the_setting(
        tmp_path: Path, sandbox: SandboxServer, state_path: str, command: str) -> None:
    policy = _policy(tmp_path, sandbox, state_path)
    before = _files(tmp_path)
    args = ("config", "check", policy) if command == "config-check" else (command, "--config", policy)
    result = _cli(*args)
    assert result.exit_code == 2, result.output  # bad config: exit 2, before anything runs
    line = one_error(result.output, "`state.path`")
    _no_long_echo(result.output, state_path)
    assert "\x00" not in result.output  # the NUL is shown escaped, never written to the terminal
    if "\x00" in state_path:
        assert "NUL" in line
    elif state_path.startswith(LONG):
        assert "300 bytes long" in line and "at most 255 bytes" in line
    elif state_path.startswith("j"):
        assert "255 bytes long" in line and "at most 243 bytes" in line and "files named after it" in line
    else:
        assert "as a full path" in line and "at most 500 bytes" in line
    assert _files(tmp_path) == before  # no folder, no store, no lock


@pytest.mark.parametrize("key, edit", [
    ("register.path", ('source = "list"\nsite_url = "https://tretoen.sharepoint.com/sites/kunder"\n'
                       'list = "Avtaleregister"', f'source = "file"\npath = "{LONG}.csv"')),
    ("register.path", ('source = "list"\nsite_url = "https://tretoen.sharepoint.com/sites/kunder"\n'
                       'list = "Avtaleregister"', 'source = "file"\npath = "reg\\u0000ister.csv"')),
    ("auth.certificate_path", ('method = "none"', f'method = "certificate"\ncertificate_path = "{LONG}/app.pem"')),
], ids=["register-long", "register-nul", "certificate-long"])
def test_config_check_reports_every_path_setting_no_disk_can_hold(tmp_path: Path, sandbox: SandboxServer, key: str,
                                                                  edit: tuple[str, str]) -> None:
    policy = _policy(tmp_path, sandbox, edit=edit)
    result = _cli("config", "check", policy)
    assert result.exit_code == 2, result.output
    one_error(result.output, f"`{key}`")
    _no_long_echo(result.output, LONG)


def test_a_policy_file_path_over_the_name_limit_is_one_line(tmp_path: Path) -> None:
    result = _cli("inventory", "--config", tmp_path / f"{LONG}.toml")
    assert result.exit_code == 2, result.output
    one_error(result.output, "305 bytes long", "at most 255 bytes")
    _no_long_echo(result.output, LONG)


def test_a_nul_in_the_state_path_is_one_line_in_a_real_process(tmp_path: Path, sandbox: SandboxServer) -> None:
    policy = _policy(tmp_path, sandbox, "st\x00ate.sqlite")
    done = subprocess.run([sys.executable, "-m", "m365_compliance", "inventory", "--config", str(policy)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, env={**os.environ, "CI": "1"})
    assert done.returncode == 2, done.stderr
    one_error(done.stderr, "`state.path`", "NUL")
    assert _files(tmp_path) == {"policy.toml"}


# ----------------------------------------------------------------------------------------- the command line

OUTPUTS = [
    ("plan", "--out", f"{LONG}.json"),
    ("report", "--out", LONG),
    ("journal", "export", "--format", "csv", f"{LONG}.csv"),
    ("check", "--json-out", f"{LONG}.json"),
    ("check", "--snapshot-out", f"deeper/{LONG}.json"),
    ("run", "--out", LONG),
    ("dsar", "export", "dsar-20260101-abcdef", "--out", f"{LONG}/{LONG}"),
]


@pytest.mark.parametrize("args", OUTPUTS, ids=lambda a: " ".join(x for x in a[:2] if len(x) < 40))
def test_an_output_name_over_the_limit_fails_before_any_work(tmp_path: Path, sandbox: SandboxServer,
                                                             args: tuple[str, ...],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    policy = _policy(tmp_path, sandbox)
    before = _files(tmp_path)
    verb = [a for a in args if not a.startswith("-") and a != "csv" and not a.startswith(("a", "deeper", "dsar-"))]
    result = _cli(*verb, "--config", policy, *args[len(verb):])
    assert result.exit_code == 2, result.output
    option = next((a for a in args if a.startswith("--") and a != "--format"), "OUT")
    one_error(result.output, option, "bytes long", "at most 255 bytes")
    _no_long_echo(result.output, LONG)
    assert _files(tmp_path) == before  # refused before the store (or Graph) was touched


def test_an_output_through_a_symlink_loop_fails_before_any_work(tmp_path: Path, sandbox: SandboxServer,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    policy = _policy(tmp_path, sandbox)
    os.symlink("loop", tmp_path / "loop")
    before = _files(tmp_path)
    for args in (("plan", "--out", "loop/plan.json"), ("report", "--out", "loop/report")):
        result = _cli(args[0], "--config", policy, *args[1:])
        assert result.exit_code == 2, result.output
        one_error(result.output, args[1], "symbolic links")
    assert _files(tmp_path) == before


def test_an_output_name_at_the_limit_is_written(tmp_path: Path, sandbox: SandboxServer,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """255 bytes is a name the filesystem takes: the temporary file it is written through must fit too, not end
    the command after all its work with "File name too long"."""
    monkeypatch.chdir(tmp_path)
    policy = _policy(tmp_path, sandbox)
    assert _cli("inventory", "--config", policy).exit_code in (0, 3)
    name = "h" * 250 + ".json"
    result = _cli("check", "--config", policy, "--json-out", name)
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# ------------------------------------------------------------------ what reaches the store and the catch-all


def test_a_state_folder_through_a_symlink_loop_is_one_line(tmp_path: Path, sandbox: SandboxServer) -> None:
    policy = _policy(tmp_path, sandbox, "loop/state.sqlite")
    os.symlink("loop", tmp_path / "loop")
    before = _files(tmp_path)
    for command in ("inventory", "check"):
        result = _cli(command, "--config", policy)
        assert result.exit_code == 1, result.output
        one_error(result.output, "loop", "symbolic links")
    assert _files(tmp_path) == before


def test_a_state_folder_that_is_a_file_is_one_line(tmp_path: Path, sandbox: SandboxServer) -> None:
    policy = _policy(tmp_path, sandbox, "afile/state.sqlite")
    (tmp_path / "afile").write_text("not a folder\n", encoding="utf-8")
    before = _files(tmp_path)
    result = _cli("inventory", "--config", policy)
    assert result.exit_code == 1, result.output
    one_error(result.output, "afile", "is a file, not a folder")
    assert _files(tmp_path) == before


def test_a_store_that_is_a_symlink_loop_is_one_line(tmp_path: Path, sandbox: SandboxServer) -> None:
    policy = _policy(tmp_path, sandbox)
    (tmp_path / "state").mkdir(mode=0o700)
    os.symlink("state.sqlite", tmp_path / STATE)
    result = _cli("check", "--config", policy)
    assert result.exit_code == 1, result.output
    one_error(result.output, "state.sqlite", "symbolic links")
    assert _files(tmp_path / "state") == {"state.sqlite"}


def test_a_lock_file_that_is_a_symlink_loop_reaches_the_catch_all_as_one_line(tmp_path: Path,
                                                                               sandbox: SandboxServer) -> None:
    """The writer lock is opened with a plain ``os.open``: ELOOP arrives at the CLI's catch-all as a raw OSError,
    whose explanation must not stat the looping path unguarded (a second traceback). A real process."""
    policy = _policy(tmp_path, sandbox)
    (tmp_path / "state").mkdir(mode=0o700)
    os.symlink("state.sqlite.lock", tmp_path / "state" / "state.sqlite.lock")
    done = subprocess.run([sys.executable, "-m", "m365_compliance", "inventory", "--config", str(policy)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, env={**os.environ, "CI": "1"})
    assert done.returncode == 1, done.stderr
    one_error(done.stderr, "state.sqlite.lock", "symbolic links")
    assert _files(tmp_path / "state") == {"state.sqlite.lock"}


@pytest.mark.parametrize("raised", [
    OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), "/tmp/" + "n" * 300 + "/x"),
    OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), "/tmp/" + "/".join(["m" * 200] * 30)),
    OSError(errno.ELOOP, os.strerror(errno.ELOOP), "LOOP/x.json"),
    OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), "AFILE/x.json"),
    OSError(errno.EACCES, os.strerror(errno.EACCES), "/proc/1/root/x"),
    OSError(errno.EIO, os.strerror(errno.EIO)),
    ValueError("embedded null byte"),
    ValueError("lstat: embedded null character in path"),
], ids=["enametoolong", "path-over-path-max", "eloop", "enotdir", "eacces", "eio-no-file", "nul", "nul-character"])
def test_the_catch_all_turns_any_path_error_into_one_line(tmp_path: Path, sandbox: SandboxServer,
                                                           monkeypatch: pytest.MonkeyPatch, raised: Exception) -> None:
    """Whatever a command lets through from the system's file functions, the root group explains in one line
    with a hint, without failing itself on the path it explains (too long, looping, holding a NUL)."""
    monkeypatch.chdir(tmp_path)
    os.symlink("LOOP", tmp_path / "LOOP")
    (tmp_path / "AFILE").write_text("x", encoding="utf-8")
    if isinstance(raised, OSError) and raised.filename and raised.filename.startswith("/tmp/"):
        raised.filename = raised.filename.replace("/tmp/", f"{tmp_path}/")  # below a folder that exists
    policy = _policy(tmp_path, sandbox)

    def fail(*args: object, **kwargs: object) -> None:
        raise raised

    monkeypatch.setattr("m365_compliance.config.load.load_config", fail)
    result = _cli("inventory", "--config", policy)
    assert result.exit_code == 1, result.output
    line = one_error(result.output)
    for run in ("n" * (SHOWN + 1), "m" * (SHOWN + 1)):
        assert run not in result.output
    if isinstance(raised, ValueError):
        assert "NUL" in line


def test_an_unrelated_value_error_is_not_disguised_as_a_path_problem() -> None:
    assert path_value_error(ValueError("invalid literal for int() with base 10: 'x'")) is None
    assert path_value_error(ValueError("embedded null byte")) is not None


def test_path_problem_names_each_limit(tmp_path: Path) -> None:
    assert path_problem(tmp_path / "ok.json") is None
    assert "NUL" in (path_problem(tmp_path / "a\x00b") or "")
    assert "300 bytes long" in (path_problem(tmp_path / LONG / "x") or "")
    assert path_problem(tmp_path / ("k" * 255)) is None
    assert "at most 243" in (path_problem(tmp_path / ("k" * 255), room=12) or "")
    assert "as a full path" in (path_problem(tmp_path.joinpath(*["p" * 200] * 25)) or "")
    assert "as a full path" in (path_problem(tmp_path / ("q" * 200) / ("q" * 200) / "x", path_max=400) or "")
