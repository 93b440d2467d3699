"""A full disk, a read-only state folder, an output path through a file: one ``error:`` line naming what is
wrong and a ``hint:`` line, a documented exit code, never a traceback — and never advice to throw the
state store away when it is intact.

Disks are made full for real where that needs no privileges (a file size limit on the process, ``/dev/full``)
and by SQLite's own page limit where the point is the exact SQLite answer (SQLITE_FULL).
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from one_error import one_error

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config.demo import write_demo_config
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.state.store import StateStore

_register_commands()

STATE = "state/state.sqlite"
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(build_demo_tenant().tenant) as server:
        yield server


@pytest.fixture
def policy(tmp_path: Path, sandbox: SandboxServer) -> Path:
    path = tmp_path / "policy.toml"
    write_demo_config(path, graph_url=sandbox.base_url, state_path=STATE)
    return path


def _cli(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


# ---------------------------------------------------------------------------------------------- a full disk


def _disk_full_after(monkeypatch: pytest.MonkeyPatch, *, opening: bool) -> None:
    """Every store opened from now on may not grow by one page (SQLite answers SQLITE_FULL): from its first
    page on (``opening``), or from the size it has when opened."""
    migrate = StateStore._migrate

    def full(self: StateStore) -> None:
        if not opening:
            migrate(self)
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        self.db.execute(f"PRAGMA max_page_count = {max(pages, 1)}")
        if opening:
            migrate(self)

    monkeypatch.setattr(StateStore, "_migrate", full)


def test_a_full_disk_when_the_store_is_made_says_full_not_damaged(policy: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _disk_full_after(monkeypatch, opening=True)
    result = _cli("inventory", "--config", str(policy))
    assert result.exit_code == 1, result.output
    line = one_error(result.output, "disk holding the state store", "is full")
    assert "not a readable SQLite database" not in line and "move it away" not in result.output


def test_a_disk_that_fills_during_an_inventory_keeps_the_store_and_its_history(
        policy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = policy.parent / STATE
    assert _cli("inventory", "--config", str(policy)).exit_code in (0, 3)
    with sqlite3.connect(store) as db:
        db.execute("VACUUM")  # no free pages left to reuse: the next crawl must grow the file
        runs = db.execute("SELECT count(*) FROM runs").fetchone()[0]
    _disk_full_after(monkeypatch, opening=False)
    result = _cli("inventory", "--config", str(policy), "--full")
    assert result.exit_code == 1, result.output
    one_error(result.output, "disk holding the state store", "is full", "intact")
    assert "move it away" not in result.output
    monkeypatch.undo()
    assert _integrity(store) == "ok"
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone()[0] >= runs  # the history is all there
    again = _cli("inventory", "--config", str(policy))
    assert again.exit_code in (0, 3), again.output


def _file_size_limit(limit: int):  # type: ignore[no-untyped-def]
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_process_that_may_not_grow_the_store_fails_in_one_line_and_the_rerun_completes(policy: Path) -> None:
    """A real process under a 100 kB file size limit: SQLite's write fails at the disk (SQLITE_IOERR)."""
    command = [sys.executable, "-m", "m365_compliance", "inventory", "--config", str(policy)]
    done = subprocess.run(command, cwd=policy.parent, capture_output=True, text=True, timeout=120,
                          preexec_fn=_file_size_limit(100_000), env={**os.environ, "CI": "1"})
    assert done.returncode == 1, done.stderr
    one_error(done.stderr, "state store", "failed a read or write")
    assert _integrity(policy.parent / STATE) == "ok"
    again = subprocess.run(command, cwd=policy.parent, capture_output=True, text=True, timeout=120,
                           env={**os.environ, "CI": "1"})
    assert again.returncode in (0, 3), again.stderr


def test_an_output_that_meets_a_full_disk_says_so(tmp_path: Path) -> None:
    """A real process that may not grow a file past 20 kB: writing the export fails at the disk (EFBIG), and the
    one-line error comes from the shared output handler."""
    command = [sys.executable, "-m", "m365_compliance", "sandbox", "export", "--demo", str(tmp_path / "tenant.json")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, preexec_fn=_file_size_limit(20_000),
                          env={**os.environ, "CI": "1"})
    assert done.returncode == 1, done.stderr
    one_error(done.stdout + done.stderr, "disk holding it is full")


def test_a_device_is_never_an_output(tmp_path: Path) -> None:
    """/dev/full (or any device, pipe or socket) given as an output is refused before anything is written, and
    left as it was: never replaced by a file, never given another mode."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    for target in (fifo, Path("/dev/full")):
        if not target.exists():
            continue
        before = os.stat(target)
        result = _cli("sandbox", "export", "--demo", str(target))
        assert result.exit_code in (1, 2), result.output
        assert "not a regular file" in result.output and "Traceback" not in result.output
        after = os.stat(target)
        assert (after.st_mode, after.st_rdev) == (before.st_mode, before.st_rdev)


# ------------------------------------------------------------------------------------- a read-only state folder


def _without_root_powers() -> None:
    """As root, drop the capabilities that write into any folder whatever its mode (for the process started)."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _as_user(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120,
                          preexec_fn=_without_root_powers, env={**os.environ, "CI": "1"})


def _read_only(folder: Path) -> None:
    folder.chmod(0o500)
    probe = _as_user(["sh", "-c", f"touch '{folder}/probe'"], folder.parent)
    if probe.returncode == 0:
        folder.chmod(0o700)
        pytest.skip("this user writes into a 0500 folder anyway")


@pytest.mark.parametrize("fresh", [False, True], ids=["existing-store", "no-store-yet"])
@pytest.mark.parametrize("command", ["inventory", "check"])
def test_a_read_only_state_folder_is_named_in_one_line(policy: Path, command: str, fresh: bool) -> None:
    folder = (policy.parent / STATE).parent
    if fresh:
        folder.mkdir(mode=0o700)
    else:
        assert _cli("inventory", "--config", str(policy)).exit_code in (0, 3)
    _read_only(folder)
    try:
        done = _as_user([sys.executable, "-m", "m365_compliance", command, "--config", str(policy)], policy.parent)
    finally:
        folder.chmod(0o700)
    assert done.returncode == 1, done.stderr
    one_error(done.stderr, str(folder), "not writable")
    assert "move it away" not in done.stderr
    if not fresh:
        assert _integrity(policy.parent / STATE) == "ok"


# --------------------------------------------------------------------------------------- output paths


@pytest.mark.parametrize("args", [
    ("report", "--out", "afile/sub"),
    ("plan", "--out", "afile/plan.json"),
    ("journal", "export", "--format", "csv", "afile/j.csv"),
    ("run", "--out", "afile/sub"),
    ("check", "--json-out", "afile/deeper/findings.json"),
], ids=lambda a: " ".join(a[:2]))
def test_an_output_path_through_a_file_fails_before_any_work(policy: Path, args: tuple[str, ...],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(policy.parent)
    (policy.parent / "afile").write_text("not a folder\n", encoding="utf-8")
    verb = [a for a in args if not a.startswith("-") and "/" not in a and a != "csv"]
    result = _cli(*verb, "--config", str(policy), *args[len(verb):])
    assert result.exit_code == 2, result.output
    one_error(result.output, "afile is a file, not a folder")
    assert not (policy.parent / STATE).exists()  # refused before the store (or Graph) was touched


@pytest.mark.parametrize("name", ["report.html", "board.xlsx", "summary.md"])
def test_report_out_that_names_a_file_is_refused_with_the_folder_hint(policy: Path, name: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(policy.parent)
    result = _cli("report", "--config", str(policy), "--out", name)
    assert result.exit_code == 2, result.output
    one_error(result.output, f"--out {name}", "looks like a file name")
    assert "--out is the folder the files are written into" in result.output
    assert not (policy.parent / name).exists()


def test_an_existing_folder_with_a_file_like_name_is_still_a_folder(policy: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a name that would be created is refused: a folder someone already made is what they meant."""
    monkeypatch.chdir(policy.parent)
    assert _cli("inventory", "--config", str(policy)).exit_code in (0, 3)
    assert _cli("check", "--config", str(policy)).exit_code == 0
    (policy.parent / "reports.md").mkdir()
    result = _cli("report", "--config", str(policy), "--out", "reports.md", "--format", "md")
    assert result.exit_code == 0, result.output
    assert (policy.parent / "reports.md" / "report.md").is_file()
