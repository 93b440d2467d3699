#!/usr/bin/env python3
"""The crash loop of tests/reliability at many more points: SIGKILL, rerun, check; a table of the figures.

Inventory: the demo tenant's first inventory, and an incremental one after a change, killed at every
``--inventory-step``-th Graph request.
Apply: the demo plan's ``apply --execute`` killed right after every ``--apply-step``-th write landed.
Each kill point starts from a fresh tenant and store; docs/reliability-crashes.md records a run.

Usage: scripts/crash_matrix.py [--inventory-step 1] [--apply-step 1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "reliability"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from crash_world import (  # the loop the tests run
    CrashCheck,
    apply_crash,
    inventory_crash,
    inventory_requests,
    prepare_apply,
)

HEADER = ("phase", "kill points", "reruns completed", "store consistent", "lost or doubled journal entries",
          "deletions outside the plan", "planned deletions missed")


def _row(phase: str, checks: list[CrashCheck]) -> tuple[str, ...]:
    return (phase, str(len(checks)), str(sum(c.killed and c.rerun_ok for c in checks)),
            str(sum(c.consistent for c in checks)), str(sum(c.lost + c.doubled for c in checks)),
            str(sum(c.outside_plan for c in checks)), str(sum(c.missed for c in checks)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inventory-step", type=int, default=1)
    parser.add_argument("--apply-step", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="crash-matrix-") as scratch:
        root = Path(scratch)
        (root / "measure").mkdir()
        inventory, incremental, counts = [], [], {}
        for night, checks in (("first", inventory), ("incremental", incremental)):
            (root / f"measure-{night}").mkdir()
            requests = len(inventory_requests(root / f"measure-{night}", incremental=night == "incremental"))
            counts[night] = requests
            for n in range(1, requests + 1, args.inventory_step):
                (root / f"{night}-{n}").mkdir()
                checks.append(inventory_crash(root / f"{night}-{n}", n, incremental=night == "incremental"))
        prepared = prepare_apply(root / "apply")
        applied = [apply_crash(prepared, root / f"apply-{k}", k) for k in range(1, prepared.writes + 1, args.apply_step)]
    for night, checks in (("first", inventory), ("incremental", incremental)):
        print(f"Inventory, {night} night: {counts[night]} Graph requests, killed at requests "
              f"{', '.join(str(c.kill_at) for c in checks)}; snapshot equal to the tenant's ground truth after "
              f"{sum(bool(c.snapshot_matches) for c in checks)} of {len(checks)} reruns.")
    print(f"Apply: {len(prepared.plan.actions)} actions, {prepared.writes} writes, killed after writes "
          f"{applied[0].kill_at}–{applied[-1].kill_at} (every {args.apply_step}).\n")
    rows = [HEADER, _row("inventory (first night)", inventory), _row("inventory (incremental night)", incremental),
            _row("apply --execute", applied)]
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "|".join("---" for _ in HEADER) + "|")
    for row in rows[1:]:
        print("| " + " | ".join(row) + " |")
    failed = [c for c in inventory + incremental + applied if not c.clean]
    for check in failed:
        print(f"NOT CLEAN: {check}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
