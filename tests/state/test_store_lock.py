"""The store's writer lock, with real processes: refused at once, taken over after a kill, re-entrant, private,
heartbeating, and still guarding where the filesystem lets every ``flock`` through (another host, no flock)."""

from __future__ import annotations

import errno
import json
import logging
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from m365_compliance.errors import StateError, StoreLocked
from m365_compliance.state import lock as lock_module
from m365_compliance.state.lock import StoreLock

ROOT = Path(__file__).resolve().parents[2]
HOLD = """
import sys
from m365_compliance.state.lock import StoreLock
with StoreLock(sys.argv[1], sys.argv[2]):
    print("held", flush=True)
    sys.stdin.read()  # hold until the test closes stdin (or kills us)
"""
PROBE = """
import sys
from m365_compliance.errors import StoreLocked
from m365_compliance.state.lock import StoreLock
try:
    with StoreLock(sys.argv[1], "probe"):
        print("acquired")
except StoreLocked as refused:
    print("refused:", refused)
"""


def python(code: str, *args: object, **kwargs) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], env=env, text=True, cwd=ROOT, **kwargs)


@contextmanager
def holder(store: Path, command: str) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock; it never lets go by itself, so a waiting contender would hang."""
    child = python(HOLD, store, command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline() == "held\n"
        yield child
    finally:
        child.kill()
        child.wait()


def probe(store: Path) -> str:
    """One attempt from another process ("acquired" or "refused: ..."); a probe that waits fails by timeout."""
    child = python(PROBE, store, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    return out.strip()


def attempt(store: Path, **kwargs) -> BaseException | None:
    """One attempt in this process, on a thread so a lock that waits instead of refusing fails instead of hanging."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            with StoreLock(store, "probe", **kwargs):
                outcome.append(None)
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(60)
    assert outcome, "StoreLock waited for the holder instead of refusing at once"
    return outcome[0]


def record(store: Path) -> dict:
    return json.loads(Path(f"{store}.lock").read_text())


def write_record(store: Path, **fields) -> None:
    Path(f"{store}.lock").write_text(json.dumps({"command": "inventory", "since": "2026-01-02T03:04:05.000Z",
                                                 **fields}))


def ago(seconds: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_second_holder_is_refused_at_once_naming_the_first(tmp_path):
    store = tmp_path / "state.sqlite"
    with holder(store, "inventory") as first:
        refused = attempt(store)
        assert isinstance(refused, StoreLocked) and isinstance(refused, StateError)
        message = str(refused)
        assert '"inventory"' in message and f"pid {first.pid} " in message
        assert f"on host {socket.gethostname()})" in message and "last heartbeat" in message
        assert (refused.pid, refused.host, refused.command) == (first.pid, socket.gethostname(), "inventory")
        assert "Wait for" in refused.hint and "taken over automatically" in refused.hint
        assert probe(store).startswith(f'refused: The state store is in use by "inventory" (pid {first.pid} ')


def test_lock_of_a_killed_holder_is_taken_over_and_logged(tmp_path, caplog):
    store = tmp_path / "state.sqlite"
    with holder(store, "apply") as first:
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert record(store)["pid"] == first.pid  # the dead holder's record is still there
        with caplog.at_level(logging.WARNING, logger="m365_compliance.state.lock"):
            with StoreLock(store, "inventory"):
                assert record(store)["pid"] == os.getpid() and record(store)["command"] == "inventory"
    took_over = [r.getMessage() for r in caplog.records if r.name == "m365_compliance.state.lock"]
    assert len(took_over) == 1
    assert took_over[0].startswith(f"took over the lock left by pid {first.pid} on host {socket.gethostname()} since ")
    assert Path(f"{store}.lock").read_text() == ""  # released: cleared, nothing to take over next time


def test_nested_locks_share_one_hold_released_by_the_outer(tmp_path):
    store = tmp_path / "state.sqlite"
    with StoreLock(store, "run"):
        with StoreLock(store, "inventory"), StoreLock(store, "apply"):
            assert probe(store).startswith('refused: The state store is in use by "run"')
        assert probe(store).startswith('refused: The state store is in use by "run"')  # inner exits kept it
        assert record(store)["command"] == "run" and record(store)["pid"] == os.getpid()
    assert probe(store) == "acquired"
    again = StoreLock(store, "run")
    with again:  # this process can take it again, and one instance can be nested in itself
        with again:
            pass
        assert probe(store).startswith("refused:")
    assert probe(store) == "acquired"


def test_fresh_record_of_another_host_is_refused_a_stale_one_taken_over(tmp_path, caplog):
    store = tmp_path / "state.sqlite"
    write_record(store, pid=4242, host="runner-7", heartbeat=ago(25))  # < 3 x 10 s: alive on its share
    refused = attempt(store, heartbeat_seconds=10)
    assert isinstance(refused, StoreLocked)
    assert str(refused).startswith('The state store is in use by "inventory" (pid 4242 on host runner-7) since '
                                   "2026-01-02T03:04:05Z, last heartbeat 2")
    assert record(store)["host"] == "runner-7"  # a refusal leaves the holder's record alone
    write_record(store, pid=4242, host="runner-7", heartbeat=ago(35))  # > 3 x 10 s: gone
    with caplog.at_level(logging.WARNING, logger="m365_compliance.state.lock"):
        assert attempt(store, heartbeat_seconds=10) is None
    assert "took over the lock left by pid 4242 on host runner-7" in caplog.text


def test_lock_file_and_folder_are_private(tmp_path):
    store = tmp_path / "state" / "state.sqlite"
    with StoreLock(store, "inventory"):
        assert stat.S_IMODE(os.stat(f"{store}.lock").st_mode) == 0o600
        assert stat.S_IMODE(os.stat(store.parent).st_mode) == 0o700
    os.chmod(f"{store}.lock", 0o644)
    with StoreLock(store, "inventory"):
        assert stat.S_IMODE(os.stat(f"{store}.lock").st_mode) == 0o600


def test_heartbeat_is_refreshed_while_held(tmp_path):
    store = tmp_path / "state.sqlite"
    with StoreLock(store, "run", heartbeat_seconds=0.05):
        first = record(store)
        assert first["heartbeat"] == first["since"]
        for _ in range(400):
            time.sleep(0.05)
            now = record(store)  # rewritten in place: never empty or half written
            if now["heartbeat"] != first["heartbeat"]:
                break
        assert now["heartbeat"] > first["heartbeat"] and now["since"] == first["since"]
    assert Path(f"{store}.lock").read_text() == ""


def test_without_flock_a_live_local_pid_is_refused_a_dead_one_taken_over(tmp_path, monkeypatch):
    store = tmp_path / "state.sqlite"

    def no_flock(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(lock_module.fcntl, "flock", no_flock)
    sleeper = python("import sys; sys.stdin.read()", stdin=subprocess.PIPE)
    try:
        write_record(store, pid=sleeper.pid, host=socket.gethostname(), heartbeat=ago(1))
        refused = attempt(store)
        assert isinstance(refused, StoreLocked) and refused.pid == sleeper.pid
    finally:
        sleeper.kill()
        sleeper.wait()
    assert attempt(store) is None  # same record, pid now gone
    assert Path(f"{store}.lock").read_text() == ""


def test_memory_store_needs_no_lock(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with StoreLock(":memory:", "run"), StoreLock(":memory:", "inventory"):
        pass
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content", ["", "{not json", "[1, 2]"])
def test_unreadable_record_of_a_holder_still_refuses(tmp_path, content):
    store = tmp_path / "state.sqlite"
    with holder(store, "dsar erase"):
        lock_file = Path(f"{store}.lock")
        lock_file.write_text(content)  # a holder that has not written its details yet
        refused = attempt(store)
        assert isinstance(refused, StoreLocked) and "in use by another" in str(refused) and refused.pid is None


def test_a_heartbeat_from_the_future_is_no_proof_of_life(tmp_path):
    """A lock record dated far ahead (a clock far off, or a forged file) must not lock everyone out forever."""
    import json as _json
    from datetime import UTC, datetime, timedelta

    from m365_compliance.state.lock import StoreLock

    store = tmp_path / "state.sqlite"
    future = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    Path(f"{store}.lock").write_text(_json.dumps({"pid": 1, "host": "elsewhere", "command": "run", "since": future,
                                                 "heartbeat": future}), encoding="utf-8")
    with StoreLock(store, "inventory", heartbeat_seconds=10):
        record = _json.loads(Path(f"{store}.lock").read_text(encoding="utf-8"))
    assert record["command"] == "inventory"
