"""``m365-compliance demo``: the whole pipeline against the bundled sandbox tenant."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from m365_compliance.cli.main import cli
from m365_compliance.cli.options import OutputPath
from m365_compliance.cli.output import Progress, configure_logging, fail
from m365_compliance.errors import ComplianceError
from m365_compliance.exit_codes import OK, USAGE


@cli.command("demo", exit_notes={
    OK.code: "the demo ran (its open findings are the demo's point, not a failure).",
    USAGE.code: "also an --out that is a file.",
})
@click.option("--out", "out_dir", type=OutputPath(folder=True), default=Path("demo-out"),
              show_default=True, help="Folder for the outputs (its state store is started afresh).")
@click.option("--scale", type=click.IntRange(min=1000), default=None,
              help="Grow the demo tenant to about this many items (e.g. 100000).")
@click.option("--verbose", "-v", is_flag=True, help="Log debug details (ids and counts only).")
def demo_command(out_dir: Path, scale: int | None, verbose: bool) -> None:
    """Run the pipeline against the bundled 321 sandbox tenant: no tenant, no credentials needed.

    Starts the sandbox (a local Graph-compatible server) with the 321 demo tenant, writes the demo
    policy file and runs the nightly pipeline against it: inventory, policy check (C1–C6), plan, a
    dry run of the apply (nothing is written), the management report, drift and alerts. Outputs land
    in --out: policy.toml, state.sqlite, findings.json, plan.json, report.html/.xlsx/.md, alerts.jsonl
    and summary.json.

    \b
    Example:
      m365-compliance demo --out demo-out
      m365-compliance demo --out demo-big --scale 100000
    """
    from m365_compliance.demo import run_demo

    configure_logging(verbose)
    progress = Progress("demo")
    try:
        outcome = run_demo(out_dir, items=scale, progress=progress)
    except ComplianceError as error:
        progress.close()
        fail(error)
    progress.close()
    summary = outcome.summary()
    inv = summary["inventory"]
    click.echo(f"Demo tenant inventoried: {inv['items']:,} items in {inv['libraries']} libraries "
               f"({', '.join(inv['modes'])}), {inv['permissionReads']} permission lists, {len(inv['gaps'])} gaps.")
    click.echo(f"Graph traffic: {summary['graph']['requests']} requests, {summary['sandbox']['ruTotal']} RU "
               f"(sandbox count), {summary['sandbox']['writes']} writes.")
    acting = [f for f in outcome.findings if f.status in ("fail", "warn", "not_evaluated")]
    by_control = ", ".join(f"{c} {n}" for c, n in sorted(Counter(f.control for f in acting).items()))
    click.echo(f"Policy check: {len(acting)} findings to act on ({by_control}); "
               f"{sum(f.status == 'info' for f in outcome.findings)} items kept by law.")
    run = summary["run"]
    plan, apply = outcome.nightly.stage("plan"), outcome.nightly.stage("apply")
    click.echo(f"Plan: {plan.detail if plan else 'none'}; apply rehearsed ({apply.detail if apply else 'not run'}).")
    drift = run.get("drift", {})
    click.echo(f"Drift: {drift.get('new', 0)} new findings alerted (first night); alerts in {out_dir}/alerts.jsonl.")
    click.echo(f"Report: {out_dir}/report.html (open it in a browser), report.xlsx, report.md.")
    shown = sorted(p.name for p in out_dir.iterdir() if p.suffix != ".lock")  # the store's lock is no output
    click.echo(f"Outputs in {out_dir}/: {', '.join(shown)}")
