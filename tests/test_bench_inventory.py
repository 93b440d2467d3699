"""The inventory benchmark at a tiny size: its figures must hang together (not how fast anything is)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench_inventory.py"
DELTA = "GET /drives/{id}/root/delta"
PERMISSIONS = "GET /drives/{id}/items/{id}/permissions"


def test_benchmark_figures_are_consistent(tmp_path):
    out = tmp_path / "figures.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--sizes", "2k", "--throttled", "off", "--json", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    figures = json.loads(out.read_text())
    (size,) = figures["sizes"]
    full, incremental, naive = size["full"], size["incremental"], size["naive"]
    assert (full["kinds"], incremental["kinds"]) == (["full"], ["incremental"])
    assert full["items"] == size["items"] and not naive.get("extrapolated") and naive["items"] == size["items"]
    # The store holds the tenant after each run: every item, and a permission list for every root.
    assert full["store"]["matches"] and incremental["store"]["matches"]
    assert full["store"]["expected_lists"] == size["roots"]
    # The lower bound is what an optimal crawl pays: the full run reads max-size delta pages and every
    # root once, so its delta and permission RU add up to exactly the bound.
    assert full["ru_by_endpoint"][DELTA] + full["ru_by_endpoint"][PERMISSIONS] == size["lower_bound"]
    assert size["lower_bound"] <= full["ru"]
    # Changes cost less than everything; reading permissions per item costs far more.
    assert 0 < incremental["ru"] < full["ru"] / 5
    assert naive["ru"] > 10 * full["ru"] and naive["requests"] > full["requests"]
    assert naive["ru_by_endpoint"][PERMISSIONS] == 5 * size["items"]  # one read per item, 5 RU each
    assert sum(v for k, v in size["changes"].items() if k != "failed") >= 0.009 * size["items"]
    # The printed table says the same as the file.
    text = done.stdout
    assert f"full / lower bound: {full['ru'] / size['lower_bound']:.3f}" in text
    assert f"naive / full: RU {naive['ru'] / full['ru']:.1f} x" in text
    verdicts = {name: met for name, met, _ in figures["targets"]}
    assert len(verdicts) == 6 and all(f"{'PASS' if met else 'MISS'}  {name}" in text for name, met in verdicts.items())
