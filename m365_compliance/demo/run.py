"""``run_demo``: start the 321 sandbox tenant in-process and run the nightly pipeline against it.

This is the README's first command and the rehearsal path for a policy change: the same library
code as a nightly ``run`` — inventory, check, plan, a dry run of the apply, report, drift and alerts —
only with the sandbox as the tenant and the packaged demo policy file. Nothing is written to the
tenant (the apply is a dry run); the stdout sink's alerts go to ``alerts.jsonl`` instead of the terminal.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from m365_compliance.config.demo import write_demo_config
from m365_compliance.config.schema import Config
from m365_compliance.errors import ComplianceError
from m365_compliance.inventory.run import ProgressFn
from m365_compliance.inventory.service import InventoryOutcome
from m365_compliance.pipeline.nightly import NightlyOutcome, run_nightly
from m365_compliance.private_files import open_private_text, private_dir, write_private
from m365_compliance.rules.findings import Finding
from m365_compliance.sandbox.demo import DemoTenant, build_demo_tenant
from m365_compliance.sandbox.http.app import SandboxOptions
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.terminal_text import safe_json

STATE_FILE = "state.sqlite"
POLICY_FILE = "policy.toml"
SUMMARY_FILE = "summary.json"
FINDINGS_FILE = "findings.json"
ALERTS_FILE = "alerts.jsonl"


@dataclass(frozen=True)
class DemoOutcome:
    out_dir: Path
    config: Config
    nightly: NightlyOutcome
    inventory: InventoryOutcome
    sandbox_stats: dict[str, Any]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.nightly.findings

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
            "run": self.nightly.summary(),
        }


def _findings_document(outcome: DemoOutcome, now: datetime) -> dict[str, Any]:
    """findings.json: every finding of the night's evaluation with its run metadata."""
    from m365_compliance.machine.envelope import RunMetadata
    from m365_compliance.machine.findings_document import findings_document
    from m365_compliance.rules.selection import FindingSelection
    from m365_compliance.rules.titles import finding_title

    config = outcome.config
    metadata = RunMetadata.of(config, now, evaluation_id=outcome.nightly.evaluation_id,
                              snapshot_run_id=outcome.nightly.snapshot_run_id)
    return findings_document(outcome.findings, metadata, FindingSelection(),
                             lambda f: finding_title(f, config.policy.language))


def run_demo(out_dir: Path, *, items: int | None = None, progress: ProgressFn | None = None,
             demo: DemoTenant | None = None) -> DemoOutcome:
    """Build the demo tenant (or take ``demo``), serve it on 127.0.0.1, write the policy file, run the pipeline."""
    private_dir(out_dir)  # the state store, findings and alerts of the run hold names
    for stale in out_dir.glob(f"{STATE_FILE}*"):
        stale.unlink()  # each demo starts from an empty state store (a first night)
    demo = demo or build_demo_tenant(items=items)
    with SandboxServer(demo.tenant, SandboxOptions()) as server:
        config = write_demo_config(out_dir / POLICY_FILE, graph_url=server.base_url, state_path=STATE_FILE)
        with open_private_text(out_dir / ALERTS_FILE) as alerts, redirect_stdout(alerts):
            nightly = asyncio.run(run_nightly(config, out_dir=out_dir, mode="dry-run", now=demo.tenant.clock,
                                              progress=progress))  # as of the tenant's clock
        stats = server.app.meter.snapshot()
    failed = next((s for s in nightly.stages if s.status == "failed"), None)
    if nightly.inventory is None or failed is not None:
        stage = failed or nightly.stage("inventory")
        raise ComplianceError(f"The demo's {stage.name if stage else 'inventory'} stage failed: "
                              f"{stage.detail if stage else 'no result'}", hint=stage.hint if stage else None)
    outcome = DemoOutcome(out_dir, config, nightly, nightly.inventory, stats)
    write_private(out_dir / FINDINGS_FILE, safe_json(_findings_document(outcome, demo.tenant.clock), indent=1) + "\n")
    write_private(out_dir / SUMMARY_FILE, safe_json(outcome.summary(), indent=2, default=str) + "\n")
    return outcome
