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
@now_option
@verbose_option
def inventory_command(config_path: Path, full: bool, now: datetime, verbose: bool) -> None:
    """Inventory the recruitment and customer scopes, the directory and the register.

    The first run enumerates each library; later runs read only the changes since the delta link
    stored in the state store. What could not be read is recorded as a gap.

    \b
    Example:
      m365-compliance inventory --config policy.toml
      m365-compliance inventory --config policy.toml --full

    With --now, the run is recorded as of that instant (a rehearsal); the tenant is read as it is.
    """
    configure_logging(verbose)
    config = load_policy(config_path)
    progress = Progress("inventory")
    try:
        outcome = asyncio.run(inventory_from_config(config, full=full, progress=progress, now=now))
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
