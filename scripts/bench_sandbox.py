#!/usr/bin/env python3
"""How fast the sandbox generates and serves the demo tenant at 10k, 100k and 1M items.

Prints, per size: generation seconds, items/s and peak RSS; then a full delta crawl over loopback
with raw httpx (what the server costs, without any client-side parsing): requests, RU from
/_sandbox/stats, seconds and items/s. Usage: scripts/bench_sandbox.py [--sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import resource
import time

import httpx

from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.server import SandboxServer


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def crawl(server: SandboxServer, drive_ids: list[str]) -> tuple[int, int]:
    requests = items = 0
    with httpx.Client(timeout=120) as http:
        for drive_id in drive_ids:
            url: str | None = f"{server.base_url}/drives/{drive_id}/root/delta?$top=1000"
            while url:
                page = http.get(url, headers={"Prefer": "hierarchicalsharing"}).json()
                requests += 1
                items += len(page["value"])
                url = page.get("@odata.nextLink")
    return requests, items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    print(f"{'items':>9} {'gen s':>7} {'gen items/s':>12} {'peak RSS MB':>12} {'requests':>9} {'RU':>7} "
          f"{'serve s':>8} {'serve items/s':>14}")
    for size in (int(s) for s in args.sizes.split(",")):
        started = time.perf_counter()
        demo = build_demo_tenant(items=size)
        generated = time.perf_counter() - started
        total = sum(len(d.items) for d in demo.tenant.drives.values())
        with SandboxServer(demo.tenant) as server:
            started = time.perf_counter()
            requests, items = crawl(server, [demo.manifest.recruitment_drive, demo.manifest.customers_drive])
            served = time.perf_counter() - started
            ru = httpx.get(f"{server.origin}/_sandbox/stats", timeout=30).json()["ruTotal"]
        assert items == total, (items, total)
        print(f"{total:>9,} {generated:>7.2f} {total / generated:>12,.0f} {peak_rss_mb():>12,.0f} {requests:>9,} "
              f"{ru:>7,} {served:>8.2f} {items / served:>14,.0f}", flush=True)


if __name__ == "__main__":
    main()
