"""``m365-compliance inventory``: bring the state store's picture of the scopes up to date."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import click

from m365_compliance.cli.main import cli
from m365_compliance.cli.options import config_option, load_policy, now_option, verbose_option
from m365_compliance.cli.output import Progress, conclude, configure_logging, fail, say
from m365_compliance.errors import ComplianceError
from m365_compliance.exit_codes import INCOMPLETE, OK, Verdict
from m365_compliance.inventory.service import InventoryOutcome, inventory_from_config


@cli.command("inventory", exit_notes={
    OK.code: "complete: every scope was read.",
    INCOMPLETE.code: "complete with gaps (listed): what could not be read is not evaluated.",
})
@config_option
@click.option("--full", is_flag=True, help="Ignore stored delta links and enumerate every library again.")
@click.option("--source", type=click.Choice(["graph", "mgdc"]), default="graph", show_default=True,
              help="Crawl the libraries through Graph, or picture them from a Microsoft Graph Data Connect delivery.")
@click.option("--path", "mgdc_path", metavar="DIR_OR_URL",
              help="With --source mgdc: the delivery (a folder, or abfss://…); default: [mgdc] path.")
@now_option
@verbose_option
def inventory_command(config_path: Path, full: bool, source: str, mgdc_path: str | None, now: datetime,
                      verbose: bool) -> None:
    """Inventory the recruitment and customer scopes, the directory and the register.

    The first run enumerates each library; later runs read only the changes since the delta link
    stored in the state store. What could not be read is recorded as a gap.

    \b
    Example:
      m365-compliance inventory --config policy.toml
      m365-compliance inventory --config policy.toml --full
      m365-compliance inventory --config policy.toml --source mgdc --path ./mgdc-2026-12-03

    With --now, the run is recorded as of that instant (a rehearsal); the tenant is read as it is.

    With --source mgdc the items and grants come from the SharePoint datasets of a Microsoft Graph Data
    Connect delivery (docs/mgdc.md); Graph still names the sites, the folder units' columns, the groups,
    the users and the register. A delivery older than [mgdc] max_age is a gap, not a picture.
    """
    configure_logging(verbose)
    config = load_policy(config_path)
    if source == "graph" and mgdc_path is not None:
        raise click.UsageError("--path names an MGDC delivery: give it with --source mgdc.")
    delivery = (mgdc_path or config.mgdc.path) if source == "mgdc" else None
    if source == "mgdc" and delivery is None:
        raise click.UsageError("--source mgdc needs the delivery: give --path DIR_OR_URL or set [mgdc] path.")
    if source == "mgdc" and full:
        raise click.UsageError("--full re-crawls through Graph; an MGDC delivery is always read whole.")
    progress = Progress("inventory")
    try:
        outcome = asyncio.run(inventory_from_config(config, full=full, progress=progress, now=now, mgdc=delivery))
    except ComplianceError as error:
        progress.close()
        fail(error)
    progress.close()
    render(outcome)
    gaps = outcome.result.gaps
    if gaps:
        scopes = ", ".join(sorted({g.scope for g in gaps}))
        conclude(Verdict(INCOMPLETE, f"{len(gaps)} gap{'s' if len(gaps) != 1 else ''} in {scopes} (listed above): "
                                     "what could not be read is not evaluated; the next inventory reads it "
                                     "again."))


def render(outcome: InventoryOutcome) -> None:
    result = outcome.result
    say(f"Inventory {result.run_id}: {outcome.items_total:,} items in {len(result.crawls)} libraries")
    for crawl in result.crawls:
        say(f"  {crawl.scope} / {crawl.library}: {crawl.kind} ({crawl.mode}), {crawl.pages} pages, {crawl.changes:,} "
            f"changes, {crawl.permission_reads:,} permission lists" + (", resumed" if crawl.resumed else "")
            + (", resync after 410" if crawl.resynced else ""))
        for note in crawl.notes:
            say(f"    note: {note}")
    stats = outcome.graph_stats
    say(f"  Graph: {stats['requests']} requests, ~{stats['ru']} RU, {stats['retries']} retries, "
        f"{stats['throttled']} throttled, {result.seconds:.1f} s")
    if result.gaps:
        say(f"  Not evaluated ({len(result.gaps)} gaps):")
        for gap in result.gaps:
            say(f"    - [{gap.scope}] {gap.operation} {gap.target}: {gap.message}")
            if gap.hint:
                say(f"      hint: {gap.hint}")
