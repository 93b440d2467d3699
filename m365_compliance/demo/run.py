"""``run_demo``: start the 321 sandbox tenant in-process and run every stage that exists against it.

This is the README's first command and the rehearsal path for a policy change: the same library
code as a nightly run, only with the sandbox as the tenant and the packaged demo policy file.
It grows as stages land (inventory and check today; plan, report next).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from m365_compliance.config.demo import write_demo_config
from m365_compliance.config.schema import Config
from m365_compliance.inventory.run import ProgressFn
from m365_compliance.inventory.service import InventoryOutcome, inventory_from_config
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.service import check_from_config
from m365_compliance.sandbox.demo import DemoTenant, build_demo_tenant
from m365_compliance.sandbox.http.app import SandboxOptions
from m365_compliance.sandbox.server import SandboxServer

STATE_FILE = "state.sqlite"
POLICY_FILE = "policy.toml"
SUMMARY_FILE = "summary.json"
FINDINGS_FILE = "findings.json"


@dataclass(frozen=True)
class DemoOutcome:
    out_dir: Path
    config: Config
    inventory: InventoryOutcome
    sandbox_stats: dict[str, Any]
    findings: tuple[Finding, ...]

    @property
    def policy_path(self) -> Path:
        return self.out_dir / POLICY_FILE

    def summary(self) -> dict[str, Any]:
        result = self.inventory.result
        return {
            "policyVersion": self.config.policy_version,
            "inventory": {**result.summary(), "items": self.inventory.items_total,
                          "gaps": [{"scope": g.scope, "operation": g.operation, "message": g.message}
                                   for g in result.gaps]},
            "graph": {k: v for k, v in self.inventory.graph_stats.items() if k != "calls"},
            "sandbox": {"requests": self.sandbox_stats["requests"], "ruTotal": self.sandbox_stats["ruTotal"],
                        "writes": self.sandbox_stats["writes"]},
            "findings": {f"{control} {status}": n for (control, status), n in sorted(
                Counter((f.control, f.status) for f in self.findings).items())},
        }


def run_demo(out_dir: Path, *, items: int | None = None, progress: ProgressFn | None = None,
             demo: DemoTenant | None = None) -> DemoOutcome:
    """Build the demo tenant (or take ``demo``), serve it on 127.0.0.1, write the policy file, run the pipeline."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(f"{STATE_FILE}*"):
        stale.unlink()  # each demo starts from an empty state store (a first night)
    demo = demo or build_demo_tenant(items=items)
    with SandboxServer(demo.tenant, SandboxOptions()) as server:
        config = write_demo_config(out_dir / POLICY_FILE, graph_url=server.base_url, state_path=STATE_FILE)
        inventory = asyncio.run(inventory_from_config(config, progress=progress))
        stats = server.app.meter.snapshot()
    findings = list(check_from_config(config, demo.tenant.clock).findings)  # as of the tenant's clock
    outcome = DemoOutcome(out_dir, config, inventory, stats, tuple(findings))
    (out_dir / FINDINGS_FILE).write_text(json.dumps([f.as_dict() for f in findings], indent=1, ensure_ascii=False)
                                         + "\n", encoding="utf-8")
    (out_dir / SUMMARY_FILE).write_text(json.dumps(outcome.summary(), indent=2, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    return outcome
