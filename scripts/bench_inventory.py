#!/usr/bin/env python3
"""What an inventory costs at 10k, 100k and 1M items: resource units first, then time, CPU and memory.

Per size: the sandbox demo tenant grown to that size (about 2 % permission roots, trees 2–5 folders
deep) plus a few hundred project groups granted on its roots, served from its own process. Each
measured run is a separate client process running the product's inventory (``inventory_from_config``,
the real gateway over HTTP): a full inventory, then an incremental one after ~1 % of the items changed
through the sandbox's operator window (new, modified, renamed, moved and deleted files, grants and
links added and removed), then a naive crawler written here (children listed recursively, permissions
read per item). Requests and RU come from the sandbox's meter; wall seconds, CPU seconds and peak RSS
from the client process. With ``--throttled`` one more full inventory runs against a sandbox enforcing
1,250 RU/minute. docs/inventory-benchmark.md explains the method and records the figures.

Usage: scripts/bench_inventory.py [--sizes 10k,100k,1M] [--throttled 30k|off] [--naive-up-to 100k] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.http.odata import MAX_PAGE
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.tenant import Tenant

PROJECT_GROUPS = 300
CHANGE_SHARE = 0.01
#: How the ~1 % of changed items split (permission changes: half new grants, a quarter links, a quarter removals).
CHANGE_MIX = {"modify": 0.35, "create": 0.20, "rename": 0.10, "move": 0.10, "delete": 0.20, "permission": 0.05}
BUDGET = 1250  # RU per minute of a tenant under 1,000 licences (facts §7.2)
DIRECTORY = ("GET /groups", "GET /users")  # Entra calls: metered here, but not SharePoint RU (facts §2.5)
SEED = 321

TARGET_NAIVE_SHARE = 1 / 20
TARGET_LOWER_BOUND = 1.25
TARGET_INCREMENTAL_SHARE = 0.05
TARGET_THROTTLED_SHARE = 0.01
TARGET_THROTTLED_WALL = 1.1
TARGET_ITEMS_PER_SECOND = 5000
TARGET_RSS_MB = 1536


# ---------------------------------------------------------------------- the tenant (server process)
def build_bench_tenant(size: int, seed: int = SEED) -> tuple[Tenant, dict[str, Any]]:
    """The demo tenant grown to ``size`` items, with PROJECT_GROUPS groups granted read on its roots."""
    demo = build_demo_tenant(items=size, seed=seed)
    t, manifest = demo.tenant, demo.manifest
    t.access.permissions.add("Sites.FullControl.All")  # measured: the sharing-change-delta inventory
    rng = random.Random(seed)
    staff = sorted(u for u in manifest.users.values() if t.users[u].user_type != "Guest")
    groups = [t.add_group(f"Prosjekt {n:03}", f"prosjekt-{n:03}@tretoen.no",
                          members=rng.sample(staff, k=rng.randint(3, 8))).id for n in range(1, PROJECT_GROUPS + 1)]
    drives = (manifest.recruitment_drive, manifest.customers_drive)
    granted = 0
    for drive_id in drives:
        for item in list(t.drive(drive_id).items.values()):
            if item.grants is not None and item.parent_id is not None and not item.deleted:
                t.grant(item, ("read",), group_id=groups[granted % len(groups)])
                granted += 1
    return t, tenant_facts(t, drives) | {"groups": groups}


def tenant_facts(t: Tenant, drives: tuple[str, ...]) -> dict[str, Any]:
    """Items per drive and permission roots (unique permissions, the drive roots included)."""
    live = {d: [i for i in t.drive(d).items.values() if not i.deleted] for d in drives}
    return {"drives": {d: len(items) for d, items in live.items()},
            "roots": sum(1 for items in live.values() for i in items if i.grants is not None)}


def lower_bound(facts: dict[str, Any]) -> int:
    """The least a complete full crawl can cost: delta pages of the largest size (2 RU each) plus one
    permission read (5 RU) per permission root (facts §7.1)."""
    pages = sum(math.ceil(n / MAX_PAGE) for n in facts["drives"].values())
    return 2 * pages + 5 * facts["roots"]


def _serve(size: int, seed: int, conn: Any) -> None:
    tenant, facts = build_bench_tenant(size, seed)
    drives = tuple(facts["drives"])
    with SandboxServer(tenant) as server:
        conn.send({"base_url": server.base_url, "origin": server.origin, **facts})
        while conn.recv() == "facts":  # anything else: stop
            conn.send(tenant_facts(tenant, drives))


class Sandbox:
    """A sandbox server in its own process, so the client's CPU and memory are the client's own."""

    def __init__(self, size: int, seed: int = SEED) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(size, seed, child), daemon=True)
        self._process.start()
        self.info: dict[str, Any] = self._conn.recv()
        self.origin: str = self.info["origin"]
        self.http = httpx.Client(timeout=120)

    def facts(self) -> dict[str, Any]:
        """Items per drive and permission roots now (after changes), from the tenant itself."""
        self._conn.send("facts")
        return self._conn.recv()

    def stats(self) -> dict[str, Any]:
        return self.http.get(f"{self.origin}/_sandbox/stats").json()

    def reset(self) -> None:
        self.http.post(f"{self.origin}/_sandbox/stats/reset").raise_for_status()

    def budget(self, ru_per_minute: int | None) -> None:
        self.http.post(f"{self.origin}/_sandbox/budget", json={"ruPerMinute": ru_per_minute}).raise_for_status()

    def close(self) -> None:
        self.http.close()
        self._conn.send("stop")
        self._process.join(30)


# ---------------------------------------------------------------------- measured runs (client processes)
def _client(mode: str, config_path: str, ru_per_minute: int | None, drives: list[str]) -> dict[str, Any]:
    """One measured run in this (fresh) process; its figures as JSON-ready values."""
    from m365_compliance.config.load import load_config
    from m365_compliance.graph.configured import gateway_settings
    from m365_compliance.graph.gateway import GraphGateway
    from m365_compliance.inventory.service import inventory_from_config

    config = load_config(Path(config_path))
    result: dict[str, Any] = {"mode": mode}
    cpu, wall = time.process_time(), time.perf_counter()
    if mode == "naive":
        result["items"] = naive_crawl(config.tenant.graph_url, drives)
    else:
        async def run() -> Any:
            settings = replace(gateway_settings(config), ru_per_minute=ru_per_minute)
            async with GraphGateway(settings) as gateway:
                return await inventory_from_config(config, gateway=gateway)

        outcome = asyncio.run(run())
        result.update(items=outcome.items_total, changes=outcome.result.items_changed,
                      kinds=sorted({c.kind for c in outcome.result.crawls}),
                      modes=sorted({c.mode for c in outcome.result.crawls}),
                      gaps=len(outcome.result.gaps), client=outcome.graph_stats)
    result.update(cpu=time.process_time() - cpu, wall=time.perf_counter() - wall,
                  rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


def naive_crawl(graph_url: str, drives: list[str]) -> int:
    """What typical scripts do: list children recursively (following nextLink), read every item's
    permissions one request at a time. Returns the items seen."""
    seen = 0
    with httpx.Client(base_url=graph_url, timeout=120, headers={"Authorization": "Bearer naive"}) as http:
        for drive in drives:
            root = http.get(f"/drives/{quote(drive, safe='!')}/root").raise_for_status().json()
            stack = [root]
            while stack:
                item = stack.pop()
                seen += 1
                path = f"/drives/{quote(drive, safe='!')}/items/{quote(item['id'], safe='!')}"
                http.get(f"{path}/permissions").raise_for_status()
                if "folder" not in item:
                    continue
                url: str | None = f"{graph_url}{path}/children"
                while url:
                    page = http.get(url).raise_for_status().json()
                    stack.extend(page["value"])
                    url = page.get("@odata.nextLink")
    return seen


def measure(sandbox: Sandbox, mode: str, config: Path, *, ru_per_minute: int | None = None) -> dict[str, Any]:
    """Run ``mode`` in a child process against a zeroed meter; the child's figures plus the meter's."""
    sandbox.reset()
    drives = ",".join(sandbox.info["drives"])
    command = [sys.executable, __file__, "--client", mode, "--config", str(config), "--drives", drives]
    if ru_per_minute:
        command += ["--ru-per-minute", str(ru_per_minute)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the {mode} run failed:\n{done.stderr[-3000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    stats = sandbox.stats()
    by_endpoint = stats["ruByEndpoint"]
    directory = {k: v for k, v in stats["requestsByEndpoint"].items() if k.startswith(DIRECTORY)}
    figures.update(requests=stats["requests"], ru_total=stats["ruTotal"], throttled=stats["throttled"],
                   ru=sum(v for k, v in by_endpoint.items() if not k.startswith(DIRECTORY)),
                   directory_requests=sum(directory.values()), ru_by_endpoint=by_endpoint)
    return figures


# ---------------------------------------------------------------------- the ~1 % of changes
def check_store(sandbox: Sandbox, state: Path) -> dict[str, Any]:
    """Does the client's store hold what the tenant holds: every item, a permission list per root?"""
    truth = sandbox.facts()
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    items, lists = (db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in ("items", "permission_reads"))
    db.close()
    expected = sum(truth["drives"].values())
    return {"items": items, "expected_items": expected, "permission_lists": lists, "expected_lists": truth["roots"],
            "matches": items == expected and lists == truth["roots"]}


def apply_changes(sandbox: Sandbox, state: Path, share: float, seed: int = SEED) -> dict[str, int]:
    """Change ``share`` of the items through the operator window; targets drawn from the client's store."""
    rng = random.Random(seed)
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    total = db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    wanted = {kind: max(1, round(total * share * part)) for kind, part in CHANGE_MIX.items()}
    files = _sample(db, rng, "is_folder=0", sum(wanted.values()))
    folders = _sample(db, rng, "is_folder=1 AND parent_id IS NOT NULL", wanted["create"] + wanted["move"] + 64)
    group_grants = db.execute("SELECT drive_id, item_id, perm_id FROM permissions WHERE grantees LIKE ? "
                              "ORDER BY drive_id, item_id, perm_id", ('%"kind": "group"%',)).fetchall()
    db.close()
    removals = rng.sample(group_grants, min(len(group_grants), wanted["permission"] // 4))
    by_drive: dict[str, list[str]] = {}
    for drive, item_id, _ in folders:
        by_drive.setdefault(drive, []).append(item_id)
    groups = sandbox.info["groups"]
    done = dict.fromkeys((*CHANGE_MIX, "failed"), 0)

    def call(method: str, drive: str, item_id: str, tail: str = "", body: Any = None) -> bool:
        url = f"{sandbox.origin}/_sandbox/items/{quote(drive, safe='!')}/{quote(item_id, safe='!')}{tail}"
        answer = sandbox.http.request(method, url, json=body)
        if answer.status_code >= 400:  # e.g. a retention label blocking a deletion
            done["failed"] += 1
        return answer.status_code < 400

    for kind, count in wanted.items():
        for n in range(count):
            drive, item_id, parent = files.pop()
            siblings = by_drive.get(drive) or [parent]
            if kind == "modify":
                ok = call("POST", drive, item_id, "/touch", {"size": rng.randint(10_000, 900_000)})
            elif kind == "create":
                ok = call("POST", drive, rng.choice(siblings), "/children", {"name": f"Ny fil {n}.docx", "folder": False})
            elif kind == "rename":
                ok = call("POST", drive, item_id, "/rename", {"name": f"Omdøpt {n}.docx"})
            elif kind == "move":
                target = rng.choice(siblings)
                ok = target != parent and call("POST", drive, item_id, "/move", {"parentId": target})
            elif kind == "delete":
                ok = call("DELETE", drive, item_id)
            elif n < len(removals):
                ok = call("DELETE", removals[n][0], removals[n][1], f"/grants/{removals[n][2]}")
            elif n % 3 == 0:
                ok = call("POST", drive, item_id, "/links", {"scope": "organization", "type": "view"})
            else:
                ok = call("POST", drive, item_id if n % 2 else rng.choice(siblings), "/grants",
                          {"roles": ["read"], "groupId": rng.choice(groups)})
            done[kind] += int(ok)
    return done


def _sample(db: sqlite3.Connection, rng: random.Random, where: str, count: int) -> list[tuple[str, str, str]]:
    """``count`` random items matching ``where`` (by rowid, so a million rows are never loaded)."""
    top = db.execute("SELECT MAX(rowid) FROM items").fetchone()[0] or 0
    found: dict[str, tuple[str, str, str]] = {}
    while len(found) < count:
        rowids = rng.sample(range(1, top + 1), min(top, 4 * (count - len(found)) + 16))
        for start in range(0, len(rowids), 500):
            chunk = rowids[start:start + 500]
            for row in db.execute(f"SELECT drive_id, item_id, parent_id FROM items WHERE {where} AND rowid IN "
                                  f"({','.join('?' * len(chunk))})", chunk):
                found.setdefault(row[1], row)
    return list(found.values())[:count]


# ---------------------------------------------------------------------- one size
def bench_size(size: int, naive: bool, work: Path) -> dict[str, Any]:
    from m365_compliance.config.demo import write_demo_config

    print(f"[{size:,}] building and serving the tenant", file=sys.stderr, flush=True)
    sandbox = Sandbox(size)
    try:
        folder = work / f"size-{size}"
        folder.mkdir()
        config = folder / "policy.toml"
        write_demo_config(config, graph_url=sandbox.info["base_url"], state_path="state.sqlite")
        report: dict[str, Any] = {"size": size, "items": sum(sandbox.info["drives"].values()),
                                  "roots": sandbox.info["roots"], "groups": len(sandbox.info["groups"]),
                                  "lower_bound": lower_bound(sandbox.info)}
        print(f"[{size:,}] full inventory", file=sys.stderr, flush=True)
        report["full"] = measure(sandbox, "full", config)
        report["full"]["store"] = check_store(sandbox, folder / "state.sqlite")
        report["changes"] = apply_changes(sandbox, folder / "state.sqlite", CHANGE_SHARE)
        print(f"[{size:,}] incremental inventory after {report['changes']}", file=sys.stderr, flush=True)
        report["incremental"] = measure(sandbox, "incremental", config)
        report["incremental"]["store"] = check_store(sandbox, folder / "state.sqlite")
        if naive:
            print(f"[{size:,}] naive crawler", file=sys.stderr, flush=True)
            report["naive"] = measure(sandbox, "naive", config)
        return report
    finally:
        sandbox.close()


def bench_throttled(size: int, work: Path) -> dict[str, Any]:
    from m365_compliance.config.demo import write_demo_config

    print(f"[{size:,}] full inventory at {BUDGET} RU/minute", file=sys.stderr, flush=True)
    sandbox = Sandbox(size)
    try:
        config = work / "throttled" / "policy.toml"
        write_demo_config(config, graph_url=sandbox.info["base_url"], state_path="state.sqlite")
        sandbox.budget(BUDGET)
        run = measure(sandbox, "full", config, ru_per_minute=BUDGET)
        return {"size": size, "items": sum(sandbox.info["drives"].values()), "budget": BUDGET, "full": run}
    finally:
        sandbox.close()


# ---------------------------------------------------------------------- the report
def extrapolate(naive: dict[str, Any], items: int) -> dict[str, Any]:
    """A naive run's figures scaled per item (it is linear: a request per item and per page)."""
    factor = items / naive["items"]
    scaled = {k: naive[k] * factor for k in ("requests", "ru", "wall", "cpu")}
    return {**scaled, "items": items, "directory_requests": 0, "rss_mb": None, "extrapolated": True}


def targets(reports: list[dict[str, Any]], throttled: dict[str, Any] | None) -> list[tuple[str, bool, str]]:
    found: list[tuple[str, bool, str]] = []
    for r in reports:
        size, full, inc = f"{r['items']:,}", r["full"], r["incremental"]
        found.append((f"{size}: store matches the tenant after both runs",
                      full["store"]["matches"] and inc["store"]["matches"], "items and permission lists"))
        if "naive" in r:
            share = full["ru"] / r["naive"]["ru"]
            label = "" if not r["naive"].get("extrapolated") else " (naive extrapolated)"
            found.append((f"{size}: full RU <= 1/20 of naive{label}", share <= TARGET_NAIVE_SHARE, f"1/{1 / share:.0f}"))
        found.append((f"{size}: full RU <= 1.25 x lower bound ({r['lower_bound']:,})",
                      full["ru"] <= TARGET_LOWER_BOUND * r["lower_bound"], f"{full['ru'] / r['lower_bound']:.3f} x"))
        found.append((f"{size}: incremental RU <= 5 % of full", inc["ru"] <= TARGET_INCREMENTAL_SHARE * full["ru"],
                      f"{100 * inc['ru'] / full['ru']:.1f} %"))
        rate = full["items"] / full["cpu"]
        found.append((f"{size}: client >= 5,000 items per CPU-second", rate >= TARGET_ITEMS_PER_SECOND, f"{rate:,.0f}"))
        found.append((f"{size}: peak RSS <= 1.5 GB", full["rss_mb"] <= TARGET_RSS_MB and inc["rss_mb"] <= TARGET_RSS_MB,
                      f"{max(full['rss_mb'], inc['rss_mb']):,.0f} MB"))
    if throttled is not None:
        run = throttled["full"]
        share = run["throttled"] / (run["requests"] + run["throttled"])
        ideal = run["ru_total"] / throttled["budget"] * 60
        size = f"{throttled['items']:,}"
        found.append((f"{size} at {BUDGET} RU/min: < 1 % of requests answered 429", share < TARGET_THROTTLED_SHARE,
                      f"{run['throttled']} of {run['requests'] + run['throttled']:,}"))
        found.append((f"{size} at {BUDGET} RU/min: wall <= 1.1 x RU/budget ({ideal:.0f} s)",
                      run["wall"] <= TARGET_THROTTLED_WALL * ideal, f"{run['wall'] / ideal:.3f} x"))
    return found


def render(reports: list[dict[str, Any]], throttled: dict[str, Any] | None) -> str:
    lines = []
    header = (f"{'run':<12} {'items':>10} {'requests':>9} {'RU':>9} {'RU/item':>8} {'dir req':>7} {'wall s':>8} "
              f"{'CPU s':>7} {'RSS MB':>7} {'items/s':>8} {'items/CPU-s':>11}")
    for r in reports:
        title = (f"== {r['items']:,} items: {r['roots']:,} permission roots, {r['groups']} project groups; "
                 f"lower bound {r['lower_bound']:,} RU ==")
        lines += ["", title, header]
        for name in ("full", "incremental", "naive"):
            if name in r:
                lines.append(_row(name, r[name], r["items"]))
        full = r["full"]
        if "naive" in r:
            naive = r["naive"]
            lines.append(f"naive / full: RU {naive['ru'] / full['ru']:.1f} x, requests "
                         f"{naive['requests'] / full['requests']:.1f} x, wall {naive['wall'] / full['wall']:.1f} x"
                         + (" (naive extrapolated per item)" if naive.get("extrapolated") else ""))
        lines.append(f"full / lower bound: {full['ru'] / r['lower_bound']:.3f}; incremental / full RU: "
                     f"{100 * r['incremental']['ru'] / full['ru']:.1f} %; changes made: {r['changes']}")
        for name in ("full", "incremental"):
            store = r[name]["store"]
            lines.append(f"store after {name}: {store['items']:,} items of {store['expected_items']:,}, "
                         f"{store['permission_lists']:,} permission lists for {store['expected_lists']:,} roots"
                         f" -> {'matches the tenant' if store['matches'] else 'DOES NOT MATCH the tenant'}")
    if throttled is not None:
        run = throttled["full"]
        lines += ["", f"== {throttled['items']:,} items at {throttled['budget']:,} RU/minute (client paced to it) ==",
                  header, _row("full", run, throttled["items"]),
                  (f"RU metered {run['ru_total']:,} -> {run['ru_total'] / throttled['budget']:.2f} min of budget; "
                   f"wall {run['wall'] / 60:.2f} min; 429 answers {run['throttled']}")]
    lines += ["", "targets:"]
    for name, met, value in targets(reports, throttled):
        lines.append(f"  {'PASS' if met else 'MISS'}  {name}: {value}")
    return "\n".join(lines)


def _row(name: str, run: dict[str, Any], items: int) -> str:
    label = name + ("*" if run.get("extrapolated") else "")
    count = run.get("changes", items) if name == "incremental" else items
    rss = f"{run['rss_mb']:>7,.0f}" if run.get("rss_mb") is not None else f"{'-':>7}"
    return (f"{label:<12} {count:>10,} {run['requests']:>9,.0f} {run['ru']:>9,.0f} {run['ru'] / count:>8.3f} "
            f"{run['directory_requests']:>7,} {run['wall']:>8.1f} {run['cpu']:>7.1f} {rss} "
            f"{count / run['wall']:>8,.0f} {count / run['cpu']:>11,.0f}")


def parse_size(text: str) -> int:
    """``10k``, ``1M``, ``2500``."""
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="tenant sizes, e.g. 10k,100k,1M (quick: 10k)")
    parser.add_argument("--throttled", default="auto",
                        help=f"size of the run at {BUDGET} RU/minute, or off (auto: 30k when a size >= 100k)")
    parser.add_argument("--naive-up-to", default="100k", help="run the naive crawler up to this size, extrapolate above")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--client", choices=("full", "incremental", "naive"), help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--drives", default="", help=argparse.SUPPRESS)
    parser.add_argument("--ru-per-minute", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        print(json.dumps(_client(args.client, args.config, args.ru_per_minute, args.drives.split(","))))
        return
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    naive_limit = parse_size(args.naive_up_to)
    throttled_size = (30_000 if max(sizes) >= 100_000 else None) if args.throttled == "auto" else \
        (None if args.throttled == "off" else parse_size(args.throttled))
    reports: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-inventory-") as work:
        for size in sizes:
            reports.append(bench_size(size, size <= naive_limit, Path(work)))
        measured = [r["naive"] for r in reports if "naive" in r]
        for r in reports:
            if "naive" not in r and measured:
                r["naive"] = extrapolate(measured[-1], r["items"])
        throttled = bench_throttled(throttled_size, Path(work)) if throttled_size else None
    print(render(reports, throttled), flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps({"sizes": reports, "throttled": throttled,
                                         "targets": targets(reports, throttled)}, indent=1))


if __name__ == "__main__":
    main()
