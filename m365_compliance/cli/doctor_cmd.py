"""``m365-compliance doctor``: can this app, with this policy file, do its job — and what exactly to fix."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from m365_compliance.cli.main import cli
from m365_compliance.cli.options import config_option, load_policy, verbose_option
from m365_compliance.cli.output import conclude, configure_logging, say
from m365_compliance.doctor import RUN_MODES, DoctorReport, run_doctor
from m365_compliance.exit_codes import ERROR, OK, Verdict
from m365_compliance.terminal_text import safe_json


@cli.command("doctor", exit_notes={
    OK.code: "every check OK (notes included).",
    ERROR.code: "something is missing or failed: each such check comes with its fix.",
})
@config_option
@click.option("--mode", type=click.Choice(RUN_MODES), default="dry-run", show_default=True,
              help="Check what runs in this mode need (execute: also write access and retention events).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@verbose_option
def doctor_command(config_path: Path, mode: str, as_json: bool, verbose: bool) -> None:
    """Check the credential, the token's permissions, every configured site, library, list and group,
    and which inventory mode is available; each problem comes with its exact fix.

    Read-only: one small Graph request per check. The token's roles are read from the JWT without
    checking its signature (Graph checks it); the sandbox's fixed token has none, so there the
    probes decide.

    \b
    Example:
      m365-compliance doctor --config policy.toml
      m365-compliance doctor --config policy.toml --mode execute --json > doctor.json
    """
    configure_logging(verbose)
    config = load_policy(config_path)
    report = asyncio.run(run_doctor(config, mode=mode))  # type: ignore[arg-type]
    if as_json:
        click.echo(safe_json(report.as_dict(), indent=2))
    else:
        render(report)
    if not report.ok:  # the one line, in text and JSON alike (on stderr: stdout may be the JSON)
        counts = report.counts
        conclude(Verdict(ERROR, f"{counts['MISSING']} missing, {counts['FAILED']} failed of {len(report.checks)} "
                                "checks: apply each fix shown, then run doctor again."))


def render(report: DoctorReport) -> None:
    say(f"doctor: policy {report.policy_version}, auth.method {report.auth_method}, checked for "
        f"--mode {report.mode}")
    width = max((len(c.area) for c in report.checks), default=0)
    given: set[str] = set()
    for check in report.checks:
        say(f"{check.status:<8} {check.area:<{width}}  {check.subject}: {check.detail}")
        if check.fix:
            say(f"{'':<8} {'':<{width}}  fix: {'the same as above' if check.fix in given else check.fix}")
            given.add(check.fix)
    if report.roles is not None:
        say(f"Token roles: {', '.join(sorted(report.roles)) or 'none'}")
    if report.inventory_mode:
        say(f"Inventory mode: {report.inventory_mode}")
    counts = report.counts
    if report.ok:
        notes = counts["NOTE"]
        say(f"All {counts['OK']} checks OK" + (f", {notes} note{'s' if notes > 1 else ''} to read" if notes
                                               else "") + ".")
