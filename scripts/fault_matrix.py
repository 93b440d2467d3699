#!/usr/bin/env python3
"""The nightly pipeline under injected faults, compared with a clean run: the table in docs/reliability-faults.md.

For each fault kind (and all five mixed) at 10, 20 and 30 % of Graph requests, with three seeds each,
the demo tenant is served by its own sandbox with that fault plan and ``run_nightly`` runs a dry run
through the real gateway, exactly as ``tests/reliability/test_faults.py`` does (same helper). Each run
is compared with a clean run of an identical demo tenant: findings (id, status, severity) and plan
(actions, skipped, limits). Retry waits run on a clock the gateway advances when it sleeps, so a
Retry-After of 1 s costs no wall time; slow answers and dropped connections are real.

Usage: scripts/fault_matrix.py [--rates 0.1,0.2,0.3] [--seeds 3] [--slow-seconds 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "reliability"))

from fault_world import Night, demo_config, night

from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.http.app import SandboxOptions
from m365_compliance.sandbox.http.faults import FAULT_KINDS, FaultPlan
from m365_compliance.sandbox.server import SandboxServer


def one_night(plan: FaultPlan | None, folder: Path) -> tuple[Night, dict]:
    options = SandboxOptions(faults=plan) if plan is not None else None
    with SandboxServer(build_demo_tenant().tenant, options) as server, redirect_stdout(StringIO()):
        result = asyncio.run(night(server, demo_config(server, folder), folder / "out"))
        return result, server.app.meter.snapshot()


def differences(a: Night, b: Night) -> tuple[int, int]:
    findings = len(set(a.findings) ^ set(b.findings))
    plan = sum(x != y for x, y in zip(a.plan["actions"], b.plan["actions"], strict=False))
    plan += abs(len(a.plan["actions"]) - len(b.plan["actions"])) + (a.plan["skipped"] != b.plan["skipped"])
    return findings, plan


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="0.1,0.2,0.3")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--slow-seconds", type=float, default=0.05)
    args = parser.parse_args()
    logging.disable(logging.ERROR)  # the sandbox logs each dropped connection it injects
    rates = [float(r) for r in args.rates.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        clean, _ = one_night(None, root / "clean")
        print("| faults | rate | runs | faults injected | findings difference | plan difference "
              "| deletions outside a plan | retries | wall seconds |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        totals = [0, 0, 0, 0, 0, 0]
        for kinds in [(k,) for k in FAULT_KINDS] + [FAULT_KINDS]:
            for rate in rates:
                injected = findings = plan = deletions = retries = 0
                started = time.monotonic()
                for seed in range(1, args.seeds + 1):
                    fault_plan = FaultPlan(rate=rate, kinds=kinds, seed=seed, slow_seconds=args.slow_seconds)
                    result, stats = one_night(fault_plan, root / f"{'-'.join(kinds)}-{rate}-{seed}")
                    f, p = differences(result, clean)
                    injected += sum(stats["faults"].values())
                    findings += f
                    plan += p
                    deletions += stats["writes"]  # a dry run: any write is outside a plan
                    retries += int(result.graph["retries"])
                wall = time.monotonic() - started
                name = "all five" if len(kinds) > 1 else kinds[0]
                print(f"| {name} | {rate:.0%} | {args.seeds} | {injected} | {findings} | {plan} | {deletions} "
                      f"| {retries} | {wall:.1f} |")
                for i, v in enumerate((args.seeds, injected, findings, plan, deletions, retries)):
                    totals[i] += v
        print(f"| **total** | | {totals[0]} | {totals[1]} | {totals[2]} | {totals[3]} | {totals[4]} | {totals[5]} | |")
    return 0 if totals[2] == totals[3] == totals[4] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
