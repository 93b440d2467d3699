#!/usr/bin/env python3
"""Evaluating the rules from MGDC datasets of 1M and 10M items, in one process and on 1 and 2 Dask workers.

Per size: the demo tenant grown to N items (``build_demo_tenant(items=N)``: ~2 % permission roots, links,
group grants) is written as an MGDC delivery in Parquet (``sandbox export --mgdc``'s writer); the driver
(``prepare_mgdc_run``) asks the sandbox, over HTTP, what MGDC does not carry (sites, folder units with their
columns, directory, register); then each mode runs in a fresh process: ``single`` loads both libraries and runs
``evaluate`` once; ``local[1]`` and ``local[2]`` evaluate one partition per library on a Dask LocalCluster.
Printed per size and mode: wall seconds, peak RSS of the process doing the work (the workers' for Dask),
findings, and whether they equal the single-process findings.

Usage: scripts/bench_scale.py [--sizes 1M,10M] [--modes single,local[1],local[2]] [--single-max 2M] [--work DIR]
The first mode run at a size is the reference of "equal" (single where it runs, else local[1]).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _size(text: str) -> int:
    text = text.strip().upper()
    factor = {"K": 1_000, "M": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("KM")) * factor)


def prepare(size: int, work: Path) -> dict[str, Any]:
    """Tenant, delivery and driver run for one size; what the measured processes need, pickled."""
    from m365_compliance.config.demo import write_demo_config
    from m365_compliance.config.load import load_config
    from m365_compliance.graph.configured import gateway_settings
    from m365_compliance.graph.gateway import GraphGateway
    from m365_compliance.inventory.spec import inventory_spec
    from m365_compliance.mgdc.partitions import prepare_mgdc_run
    from m365_compliance.sandbox.demo import build_demo_tenant
    from m365_compliance.sandbox.mgdc_export import write_mgdc
    from m365_compliance.sandbox.server import SandboxServer
    from m365_compliance.state.tenancy import open_store

    started = time.perf_counter()
    demo = build_demo_tenant(items=size)
    tenant = demo.tenant
    items = sum(len(d.items) for d in tenant.drives.values())
    roots = sum(1 for d in tenant.drives.values() for i in d.items.values() if i.grants is not None)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    write_mgdc(tenant, work / "delivery", snapshot_date=tenant.clock.date(), fmt="parquet")
    written = time.perf_counter() - started
    with SandboxServer(tenant) as server:
        write_demo_config(work / "policy.toml", graph_url=server.base_url, state_path="state.sqlite")
        config = load_config(work / "policy.toml")

        async def driver() -> Any:
            async with GraphGateway(gateway_settings(config)) as gateway:
                with open_store(config) as store:
                    return await prepare_mgdc_run(gateway, store, inventory_spec(config), str(work / "delivery"),
                                                  now=tenant.clock, max_age=config.mgdc.max_age,
                                                  tenant_id=config.tenant.tenant_id)

        started = time.perf_counter()
        result, loaders = asyncio.run(driver())
        driven = time.perf_counter() - started
    (work / "loaders.pickle").write_bytes(pickle.dumps({"loaders": loaders, "now": tenant.clock}))
    return {"items": items, "roots": roots, "generate_s": generated, "write_s": written, "driver_s": driven,
            "run_id": result.run_id, "gaps": len(result.gaps)}


def measure(mode: str, work: Path) -> dict[str, Any]:
    """One mode in a fresh process (its own peak RSS): ``single`` or a Dask master such as ``local[2]``."""
    from m365_compliance.config.load import load_config
    from m365_compliance.engine.evaluation import evaluate_partitions
    from m365_compliance.engine.partitions import Partition
    from m365_compliance.inventory.snapshot_load import inventory_run, load_context
    from m365_compliance.rules.registry import evaluate
    from m365_compliance.state.tenancy import open_store

    config = load_config(work / "policy.toml")
    saved = pickle.loads((work / "loaders.pickle").read_bytes())
    with open_store(config) as store:
        context = load_context(store, inventory_run(store))
    started = time.perf_counter()
    worker_rss: list[float] = []
    if mode == "single":
        scopes = {name: loader.load() for name, loader in saved["loaders"].items()}
        findings = evaluate(context.with_scopes(scopes), config, saved["now"])
    else:
        from m365_compliance.engine.dask_engine import dask_engine
        from m365_compliance.engine.master import parse_master

        with dask_engine(parse_master(mode)) as engine:  # type: ignore[arg-type]
            partitions = [Partition(name, loader) for name, loader in saved["loaders"].items()]
            findings = list(evaluate_partitions(context, partitions, config, saved["now"], engine).findings)
            peaks = engine.client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
            worker_rss = list(peaks.values())
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    digest = json.dumps([f.as_dict() for f in findings], sort_keys=True, default=str)
    return {"mode": mode, "seconds": seconds, "peak_rss_mb": max(worker_rss) if worker_rss else own,
            "findings": len(findings), "digest": hashlib.sha256(digest.encode()).hexdigest()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1M,10M")
    parser.add_argument("--modes", default="single,local[1],local[2]")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--single-max", default="2M", help="largest size the single-process mode is run at")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one mode in this process
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)  # internal: one size's tenant and delivery
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.work)))
        return
    if args.prepare:
        print(json.dumps(prepare(args.prepare, args.work)))
        return
    print("| items | permission roots | generate s | write Parquet s | driver s | mode | evaluate s | "
          "peak RSS per worker MB | findings | equal to reference |")
    print("|--:|--:|--:|--:|--:|---|--:|--:|--:|---|")
    for size in (_size(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(dir=args.work) as folder:
            work = Path(folder)
            facts = _child("--prepare", str(size), work)  # its own process: the tenant's memory goes with it
            reference = None
            for mode in args.modes.split(","):
                if mode == "single" and size > _size(args.single_max):
                    continue  # one process holding every library: past what this machine holds
                row = _child("--measure", mode, work)
                reference = row["digest"] if reference is None else reference
                print(f"| {facts['items']:,} | {facts['roots']:,} | {facts['generate_s']:.1f} | {facts['write_s']:.1f} "
                      f"| {facts['driver_s']:.1f} | {mode} | {row['seconds']:.1f} | {row['peak_rss_mb']:,.0f} "
                      f"| {row['findings']:,} | {'yes' if row['digest'] == reference else 'NO'} |", flush=True)


def _child(option: str, value: str, work: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, option, value, "--work", str(work)], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
