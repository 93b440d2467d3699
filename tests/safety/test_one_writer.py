"""Invariant 7: one writer at a time (docs/safety.md).

The attack: a second ``apply --execute`` (and an ``inventory``, a ``run``) started while the first
apply is writing, as two nightly jobs overlapping would; and a writer killed with SIGKILL, whose
lock must not wedge the store. Real processes, a slowed sandbox, the journal as evidence.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

from night import Night

from m365_compliance.actions.journal import Journal
from m365_compliance.sandbox.http.faults import FaultPlan
from m365_compliance.state.store import StateStore

SLOW = FaultPlan(rate=1.0, kinds=("slow",), slow_seconds=0.1)


def _spawn(night: Night, *args: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "m365_compliance", *args, "--config", str(night.policy)]
    return subprocess.Popen(command, cwd=night.out, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "CI": "1"})


def _holder(night: Night, process: subprocess.Popen[bytes], timeout: float = 60.0) -> dict[str, object]:
    """The lock file's record, once the child holds the lock and has journaled an execute outcome."""
    lock = night.store_path.with_name(night.store_path.name + ".lock")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        text = lock.read_text(encoding="utf-8").strip() if lock.exists() else ""
        if text:
            with StateStore(night.store_path) as store:
                if any(e["event"] == "outcome" and e["mode"] == "execute" for e in Journal(store).entries()):
                    return json.loads(text)
        time.sleep(0.05)
    raise AssertionError("the first apply never got going")


def test_a_second_writer_is_refused_at_once_and_every_action_has_one_outcome(night: Night):
    plan = night.plan()
    with night.served() as server:
        assert night.cli("approve", night.plan_path, "--by", "Marte", "--class", "customer_disposal",
                         now=False).exit_code == 0
        server.app.faults.configure(SLOW)
        first = _spawn(night, "apply", str(night.plan_path), "--execute", "--now", night.now)
        holder = _holder(night, first)
        started = time.monotonic()
        second = night.cli("apply", night.plan_path, "--execute")
        inventory = night.cli("inventory", now=False)
        run = night.cli("run", "--mode", "execute", "--out", night.out / "overlap")
        refused_in = time.monotonic() - started
        assert first.poll() is None, "the refusals came while the first apply still held the store"
        server.app.faults.configure(FaultPlan())  # the first apply may now finish at full speed
        out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err.decode()
    for result in (second, inventory, run):
        assert result.exit_code == 1, result.output
        assert f'in use by "apply --execute" (pid {holder["pid"]} on host {holder["host"]})' in result.output
        assert "hint:" in result.output
    assert refused_in < 60  # at once, not after the holder finished (a bound, not a timing claim)
    with StateStore(night.store_path) as store:
        entries = Journal(store).entries(plan.id)
        runs = [r["status"] for r in store.runs("apply")]
    finals = Counter(e["action_id"] for e in entries if e["event"] == "outcome" and e["mode"] == "execute"
                     and e["result"] in ("done", "already", "skipped"))
    assert finals and set(finals.values()) == {1}  # no action decided twice
    assert "interrupted" not in runs  # nobody marked the running apply as killed
    assert not (night.out / "overlap").exists() or not (night.out / "overlap" / "plan.json").exists()


def test_a_killed_writer_never_wedges_the_store(night: Night):
    with night.served() as server:
        server.app.faults.configure(SLOW)
        victim = _spawn(night, "inventory", "--full")
        deadline = time.monotonic() + 60
        while not _running(night):  # killed mid-crawl, holding the lock
            assert victim.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        server.app.faults.configure(FaultPlan())
        after = night.cli("inventory", now=False)
    assert after.exit_code in (0, 3), after.output  # the lock of the dead process was taken over
    with StateStore(night.store_path) as store:
        assert [r["status"] for r in store.runs("inventory")][-2:] == ["interrupted", "complete"]


def _running(night: Night) -> bool:
    with StateStore(night.store_path) as store:
        return any(r["status"] == "running" for r in store.runs("inventory"))


def test_a_store_reached_by_another_name_is_the_same_store(night: Night, tmp_path):
    """A symlink to the store takes the store's own lock; a second hard link is refused outright (each name
    would keep its own write-ahead log, and commits could be lost)."""
    from m365_compliance.errors import StateError, StoreLocked
    from m365_compliance.state.lock import StoreLock
    from m365_compliance.state.store import StateStore as Store

    linked = tmp_path / "elsewhere" / "state.sqlite"
    linked.parent.mkdir()
    linked.symlink_to(night.store_path)
    with StoreLock(night.store_path, "apply --execute"):
        child = subprocess.run([sys.executable, "-c", "import sys\nfrom m365_compliance.state.lock import StoreLock\n"
                                f"with StoreLock({str(linked)!r}, 'inventory'):\n    sys.exit(0)"],
                               capture_output=True, text=True, timeout=60)
    assert child.returncode != 0 and StoreLocked.__name__ in child.stderr  # refused through the symlink too
    hard = tmp_path / "hard.sqlite"
    os.link(night.store_path, hard)
    for name in (hard, night.store_path):
        try:
            Store(name).close()
        except StateError as refused:
            assert "hard links" in refused.message
        else:
            raise AssertionError(f"{name}: a store with two names was opened")
