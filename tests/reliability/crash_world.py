"""Crash loops: a real CLI process SIGKILLed at a chosen Graph request, rerun, then the state checked.

The kill comes from the sandbox itself: :class:`KillSwitch` wraps the server's meter so that when the
n-th request (inventory) or the n-th write (apply) has been made, the client process is SIGKILLed
before the answer leaves the server. A write therefore lands in the tenant while its outcome never
reaches the client: the hardest moment for resume. The rerun runs to completion in a fresh process,
then :class:`CrashCheck` records what an auditor would ask: does the store open and pass
``PRAGMA integrity_check``, is anything left staged, is the killed run marked interrupted, does the
snapshot equal the tenant's ground truth, does every planned action have exactly one outcome, and was
anything deleted that the plan does not name. ``scripts/crash_matrix.py`` runs the same loop at more
points and prints the figures.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moved_store import move_to
from night import new_applicant_with_anonymous_link

from m365_compliance.actions.plan_json import read_plan
from m365_compliance.actions.plan_model import Plan
from m365_compliance.config.demo import write_demo_config
from m365_compliance.demo import run_demo
from m365_compliance.inventory.snapshot_load import load_snapshot
from m365_compliance.inventory.spec import inventory_spec
from m365_compliance.sandbox.demo import DemoTenant, build_demo_tenant
from m365_compliance.sandbox.demo_access import grant_sharing_delta
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.truth import effective_principals
from m365_compliance.state.store import StateStore

CLI = (sys.executable, "-m", "m365_compliance")
#: The demo policy made to act (as tests/actions/test_demo_cycle.py does): grants removed, limits widened.
ACTING = (("remove_grants = []", 'remove_grants = ["C1", "C3"]'), ("max_deletion_share = 0.10", "max_deletion_share = 0.5"),
          ("max_deletions = 50", "max_deletions = 200"))
APPROVED_CLASSES = ("customer_disposal", "applicant_deletion", "retention_event")
TIMEOUT = 120


class KillSwitch:
    """SIGKILLs ``pid`` once the sandbox has made its ``at``-th counted request (writes only with ``writes``;
    only requests to endpoints ``only`` accepts, when given)."""

    def __init__(self, server: SandboxServer, *, writes: bool, only: Callable[[str], bool] | None = None) -> None:
        self.writes, self.count, self.at, self.pid, self.fired = writes, 0, 0, None, False
        self.endpoints: list[str] = []  # what each counted request was, in order (a measuring run's map)
        self._lock = threading.Lock()
        meter = server.app.meter
        record = meter.record

        def counting(endpoint: str, method: str, cost: int, status: int, *, is_write: bool,
                     retry_attempt: str | None) -> None:
            record(endpoint, method, cost, status, is_write=is_write, retry_attempt=retry_attempt)
            if (only is None or only(endpoint)) and (not self.writes or (is_write and status < 400)):
                self.endpoints.append(endpoint)
                self._counted()

        meter.record = counting  # type: ignore[method-assign]

    def _counted(self) -> None:
        with self._lock:
            self.count += 1
            if self.pid is not None and self.count == self.at:
                os.kill(self.pid, signal.SIGKILL)  # before this request's answer is sent
                self.pid, self.fired = None, True

    def run(self, command: list[str], *, at: int, cwd: Path) -> bool:
        """Run ``command``, killed at the ``at``-th counted request; True when it was killed there."""
        with self._lock:
            self.count, self.at, self.fired = 0, at, False
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   env={**os.environ, "CI": "1"})
        with self._lock:
            self.pid = process.pid
        try:
            process.wait(timeout=TIMEOUT)
        finally:
            with self._lock:
                self.pid = None
            if process.poll() is None:
                process.kill()
                process.wait()
        return self.fired and process.returncode == -signal.SIGKILL


@dataclass
class CrashCheck:
    """What one kill and its rerun left behind (every count here should be 0, every flag True)."""

    phase: str
    kill_at: int
    killed: bool = False
    rerun_ok: bool = False
    integrity: str = ""
    staged_left: int = -1
    killed_runs: int = 0  # runs left "running" by the kill
    killed_runs_marked: int = 0  # of those, marked "interrupted" after the rerun
    snapshot_matches: bool | None = None  # inventory: the snapshot equals the tenant's ground truth
    lost: int = 0  # planned actions without a final outcome
    doubled: int = 0  # planned actions with more than one outcome, or events fired twice
    outside_plan: int = 0  # items deleted that no executed delete action names
    missed: int = 0  # executed delete actions whose item is still there
    notes: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return self.integrity == "ok" and self.staged_left == 0 and self.killed_runs_marked == self.killed_runs \
            and self.snapshot_matches is not False

    @property
    def clean(self) -> bool:
        return self.killed and self.rerun_ok and self.consistent and not (self.lost or self.doubled
                                                                         or self.outside_plan or self.missed)


def _rerun(command: list[str], cwd: Path) -> tuple[bool, str]:
    done = subprocess.run(command, check=False, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
                          env={**os.environ, "CI": "1"})
    return done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-500:]


def _running(state: Path, kind: str) -> list[str]:
    if not state.exists():
        return []
    with StateStore(state) as store:
        return [r["id"] for r in store.runs(kind) if r["status"] == "running"]


def _store_checks(check: CrashCheck, store: StateStore, kind: str, killed_runs: list[str]) -> None:
    check.integrity = store.db.execute("PRAGMA integrity_check").fetchone()[0]
    check.staged_left = sum(store.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                            for t in ("staged_items", "checkpoints"))
    status = {r["id"]: r["status"] for r in store.runs(kind)}
    check.killed_runs = len(killed_runs)
    check.killed_runs_marked = sum(status.get(r) == "interrupted" for r in killed_runs)


# ---------------------------------------------------------------------- inventory
DELTA = "GET /drives/{id}/root/delta"


def inventory_requests(workdir: Path, *, incremental: bool = False) -> list[str]:
    """The endpoint of each Graph request a clean inventory of the demo tenant makes (a first one, or the
    incremental night after it): kill points are chosen from it."""
    return _inventory(workdir, kill_at=None, incremental=incremental).notes


def first_delta_requests(endpoints: list[str]) -> tuple[int, ...]:
    """The 1-based positions of the first delta request of each library in a run's request map."""
    starts, previous = [], ""
    for n, endpoint in enumerate(endpoints, start=1):
        if endpoint.startswith(DELTA) and not previous.startswith(DELTA):
            starts.append(n)
        previous = endpoint
    return tuple(starts)


def inventory_crash(workdir: Path, kill_at: int, *, incremental: bool = False) -> CrashCheck:
    """An inventory of the demo tenant killed at its ``kill_at``-th Graph request, then run again. With
    ``incremental``, a clean first night runs before, and a new applicant folder with an anonymous link
    appears between the nights: the killed night's rerun must see it."""
    return _inventory(workdir, kill_at=kill_at, incremental=incremental)


def _inventory(workdir: Path, *, kill_at: int | None, incremental: bool = False) -> CrashCheck:
    demo = build_demo_tenant()
    policy = workdir / "policy.toml"
    command = [*CLI, "inventory", "--config", str(policy)]
    with SandboxServer(demo.tenant) as server:
        config = write_demo_config(policy, graph_url=server.base_url, state_path="state.sqlite")
        if incremental:
            ok, error = _rerun(command, workdir)
            assert ok, error
            new_applicant_with_anonymous_link(demo)
        switch = KillSwitch(server, writes=False)
        if kill_at is None:  # measuring only
            ok, _ = _rerun(command, workdir)
            return CrashCheck("inventory", switch.count, rerun_ok=ok, notes=list(switch.endpoints))
        check = CrashCheck("inventory", kill_at)
        check.killed = switch.run(command, at=kill_at, cwd=workdir)
        killed_runs = _running(config.state.path, "inventory")
        check.rerun_ok, error = _rerun(command, workdir)
        if not check.rerun_ok:
            check.notes.append(error)
    with StateStore(config.state.path) as store:
        _store_checks(check, store, "inventory", killed_runs)
        snapshot = load_snapshot(store, inventory_spec(config))
    manifest = demo.manifest
    check.snapshot_matches = all(
        _inventoried(snapshot, scope) == effective_principals(demo.tenant, drive)
        for scope, drive in (("recruitment", manifest.recruitment_drive), ("customers", manifest.customers_drive)))
    return check


def _inventoried(snapshot: Any, scope: str) -> dict[str, set[str]]:
    s = snapshot.scopes[scope]
    return {i.id: {a.principal.key for a in snapshot.effective_access(s, i)} for i in s.items.values()}


# ---------------------------------------------------------------------- apply
@dataclass(frozen=True)
class PreparedApply:
    """The demo after its first night, a plan made and approved: copied afresh for every kill point."""

    directory: Path
    policy_text: str  # graph_url replaced per run
    graph_url: str
    now: str
    plan: Plan
    writes: int  # what a clean apply of the plan writes


def prepare_apply(directory: Path) -> PreparedApply:
    demo = build_demo_tenant()
    grant_sharing_delta(demo.tenant)  # pins the sharing-delta picture (docs/permissions.md)
    outcome = run_demo(directory, demo=demo)
    text = outcome.policy_path.read_text(encoding="utf-8")
    for old, new in ACTING:
        text = text.replace(old, new)
    outcome.policy_path.write_text(text, encoding="utf-8")
    graph_url, now, policy = outcome.config.tenant.graph_url, demo.tenant.clock.isoformat(), str(outcome.policy_path)
    port = int(graph_url.rsplit(":", 1)[1].split("/")[0])
    with SandboxServer(demo.tenant, port=port):
        for args in (["plan", "--config", policy, "--out", "plan.json", "--now", now],
                     ["approve", "plan.json", "--config", policy, "--by", "crash-test",
                      *(a for c in APPROVED_CLASSES for a in ("--class", c))]):
            done = subprocess.run([*CLI, *args], check=False, cwd=directory, capture_output=True, text=True, timeout=TIMEOUT)
            assert done.returncode == 0, (args[0], done.stdout[-500:], done.stderr[-500:])
    prepared = PreparedApply(directory, text, graph_url, now, read_plan(directory / "plan.json"), 0)
    clean = _apply(prepared, directory / "clean-apply", kill_at=None)
    assert clean.clean, clean  # the reference run: without a kill, every check holds
    return PreparedApply(directory, text, graph_url, now, prepared.plan, clean.kill_at)


def apply_crash(prepared: PreparedApply, workdir: Path, kill_at: int) -> CrashCheck:
    """``apply --execute`` of the prepared plan killed right after its ``kill_at``-th write landed, then rerun."""
    return _apply(prepared, workdir, kill_at=kill_at)


def _apply(prepared: PreparedApply, workdir: Path, *, kill_at: int | None) -> CrashCheck:
    workdir.mkdir(parents=True, exist_ok=True)
    _copy_store(prepared.directory / "state.sqlite", workdir / "state.sqlite")
    shutil.copy(prepared.directory / "plan.json", workdir / "plan.json")
    demo = build_demo_tenant()  # the same tenant the plan was made from (the build is deterministic)
    grant_sharing_delta(demo.tenant)
    before = _all_items(demo)
    command = [*CLI, "apply", "plan.json", "--config", "policy.toml", "--execute", "--now", prepared.now]
    check = CrashCheck("apply", kill_at or 0)
    with SandboxServer(demo.tenant) as server:
        (workdir / "policy.toml").write_text(prepared.policy_text.replace(prepared.graph_url, server.base_url),
                                             encoding="utf-8")
        move_to(workdir / "state.sqlite", server.base_url)
        switch = KillSwitch(server, writes=True)
        if kill_at is None:
            check.killed = True
        else:
            check.killed = switch.run(command, at=kill_at, cwd=workdir)
        killed_runs = _running(workdir / "state.sqlite", "apply")
        check.rerun_ok, error = _rerun(command, workdir)
        if not check.rerun_ok:
            check.notes.append(error)
        if kill_at is None:
            check.kill_at = switch.count
    with StateStore(workdir / "state.sqlite") as store:
        _store_checks(check, store, "apply", killed_runs)
        _journal_checks(check, store, prepared.plan)
    _deletion_checks(check, demo, before, store_path=workdir / "state.sqlite", plan=prepared.plan)
    events = Counter(q for e in demo.tenant.retention_events for _, q in e.queries)
    check.doubled += sum(n - 1 for n in events.values() if n > 1)
    return check


def _copy_store(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    target.chmod(0o600)


def _journal_checks(check: CrashCheck, store: StateStore, plan: Plan) -> None:
    rows = store.db.execute("SELECT action_id, result FROM journal WHERE event='outcome' AND mode='execute' "
                            "AND plan_id=?", (plan.id,)).fetchall()
    outcomes = Counter(r["action_id"] for r in rows)
    final = {r["action_id"] for r in rows if r["result"] in ("done", "already", "skipped")}
    planned = {a.action_id for a in plan.actions}
    check.lost = len(planned - final)
    check.doubled = sum(n - 1 for n in outcomes.values() if n > 1) + len(set(outcomes) - planned)


def _all_items(demo: DemoTenant) -> dict[str, set[str]]:
    return {d.id: set(d.items) for d in demo.tenant.drives.values()}


def _deletion_checks(check: CrashCheck, demo: DemoTenant, before: dict[str, set[str]], *, store_path: Path,
                     plan: Plan) -> None:
    """Every item gone is under a delete action executed as done/already, and every such item is gone."""
    with StateStore(store_path) as store:
        settled = {r["action_id"] for r in store.db.execute(
            "SELECT action_id FROM journal WHERE event='outcome' AND mode='execute' AND plan_id=? "
            "AND result IN ('done', 'already')", (plan.id,))}
    targets = {a.item_id for a in plan.actions if a.kind == "delete_item" and a.action_id in settled}
    binned = {e.item_id: set(e.item_ids) for e in demo.tenant.recycle_bin.values()}
    covered = set(binned).union(*binned.values())
    gone = {i for d, ids in before.items() for i in ids - set(demo.tenant.drive(d).items)}
    check.outside_plan = len(set(binned) - targets) + len(gone - covered)
    check.missed = len(targets - set(binned))
