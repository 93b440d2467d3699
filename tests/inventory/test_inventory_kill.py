"""An inventory process killed with SIGKILL mid-crawl, then run again: consistent store, complete snapshot."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

from inventory_world import build_world, inventoried, truth

from m365_compliance.config.demo import write_demo_config
from m365_compliance.config.load import load_config
from m365_compliance.inventory.snapshot_load import load_snapshot
from m365_compliance.inventory.spec import inventory_spec
from m365_compliance.sandbox.http.app import SandboxOptions
from m365_compliance.sandbox.http.faults import FaultPlan
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.state.store import StateStore

CLI = "from m365_compliance.cli import main; main()"


def _staged_pages(path) -> int:
    try:
        with sqlite3.connect(path, timeout=1) as db:
            row = db.execute("SELECT MAX(pages) FROM checkpoints").fetchone()
            return row[0] or 0
    except sqlite3.Error:
        return 0


def test_sigkill_during_inventory_then_rerun_completes(tmp_path):
    world = build_world(extra_files=6000)  # seven delta pages of 1000 in the recruitment library
    slow = SandboxOptions(faults=FaultPlan(rate=1.0, kinds=("slow",), slow_seconds=0.4))
    with SandboxServer(world.tenant, slow) as server:
        policy = tmp_path / "policy.toml"
        write_demo_config(policy, graph_url=server.base_url, state_path="state.sqlite")
        state = tmp_path / "state.sqlite"
        process = subprocess.Popen([sys.executable, "-c", CLI, "inventory", "--config", str(policy)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while _staged_pages(state) < 2:
            assert process.poll() is None, "the inventory finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        with StateStore(state) as store:
            assert store.db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0
            assert [r["status"] for r in store.runs()] == ["running"]

        server.app.faults.configure(FaultPlan())
        rerun = subprocess.run([sys.executable, "-c", CLI, "inventory", "--config", str(policy)],
                               capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        assert "resumed" in rerun.stdout
        config = load_config(policy)
        with StateStore(state) as store:
            snapshot = load_snapshot(store, inventory_spec(config))
            assert inventoried(snapshot, "recruitment") == truth(world.tenant, world.ids["drive"])
            assert store.db.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0] == 0
            assert store.db.execute("SELECT COUNT(*) FROM staged_items").fetchone()[0] == 0
            assert [r["status"] for r in store.runs()] == ["interrupted", "complete"]
