"""``m365-compliance report``: the management report (HTML, XLSX, Markdown) from the state store.

Offline: no Graph call is made. The terminal shows the files written and counts only.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from m365_compliance.cli.main import cli
from m365_compliance.cli.options import OutputPath, config_option, load_policy, now_option
from m365_compliance.cli.output import fail, say
from m365_compliance.errors import ComplianceError
from m365_compliance.exit_codes import ERROR, OK
from m365_compliance.report import FORMATS
from m365_compliance.report.model import CONTROLS, Selection
from m365_compliance.rules.selection import SelectionError, parse_controls


def _controls(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    """``C1,C3`` (any case, spaces allowed) as controls in the report's order; every control when not given."""
    if value is None:
        return CONTROLS
    try:
        return parse_controls(value, CONTROLS)
    except SelectionError as error:
        raise click.BadParameter(str(error)) from None


def _formats(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    chosen = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    wrong = [f for f in chosen if f not in FORMATS]
    if wrong or not chosen:
        raise click.BadParameter(f"choose from {', '.join(FORMATS)} (comma-separated), not {value!r}")
    return chosen


@cli.command("report", exit_notes={
    OK.code: "written.",
    ERROR.code: "also nothing to report yet (no evaluation stored: run inventory and check).",
})
@config_option
@click.option("--out", "out_dir", type=OutputPath(folder=True), default=Path("report"),
              show_default=True, help="The folder to write report.html, report.xlsx and report.md into.")
@click.option("--lang", type=click.Choice(("nb", "en")), default=None,
              help="Language: nb (Norwegian bokmål) or en. Default: the policy file's [policy] language (nb).")
@click.option("--format", "formats", default=",".join(FORMATS), show_default=True, callback=_formats,
              help="Which formats to write, comma-separated.")
@click.option("--include-names", is_flag=True,
              help="Also show applicants' folder names and paths and people's names in the HTML and XLSX (never "
                   "in the Markdown); "
                   "customer names and customer paths are shown without it. "
                   "Such a report holds personal data: share it only with those entitled to it.")
@click.option("--period-days", type=click.IntRange(min=1, max=3660), default=30, show_default=True,
              help="How many days back 'actions taken in the period' and alert failures reach.")
@click.option("--controls", "controls", default=None, callback=_controls, metavar="C1,C3",
              help="Report only these controls (comma-separated). Default: all, C1–C9.")
@click.option("--min-severity", type=click.Choice(("low", "medium", "high")), default="low", show_default=True,
              help="Leave out findings below this severity (page one, counts, trend, drift and details alike).")
@now_option
def report_command(config_path: Path, out_dir: Path, lang: str | None, formats: tuple[str, ...],
                   include_names: bool, period_days: int, controls: tuple[str, ...], min_severity: str,
                   now: datetime) -> None:
    """Write the management report of the latest evaluation. Page one answers: are we keeping the
    policy (a status per control), what needs deciding, what changed since last time; then coverage,
    findings by control and severity with the trend, drift, applicant ages, due deletions, agreements,
    actions taken and data-subject requests. Customer names and paths are shown; applicants and
    people only with --include-names.

    \b
    Example:
      m365-compliance report --config policy.toml --out report
      m365-compliance report --config policy.toml --lang en --format html,md
      m365-compliance report --config policy.toml --include-names --format xlsx
      m365-compliance report --config policy.toml --controls C1,C3 --min-severity high
    """
    from m365_compliance.report.service import write_report

    config = load_policy(config_path)
    language = lang or config.policy.language
    try:
        written = write_report(config, out_dir, now=now, lang=language, formats=formats,  # type: ignore[arg-type]
                               include_names=include_names, period_days=period_days,
                               selection=Selection(controls, min_severity))
    except ComplianceError as error:
        fail(error)
    d = written.data
    say(f"Report of evaluation {d.evaluation.id} (policy {d.policy_version}, {language}): "
        f"{d.counts.n(status='fail')} failing, {d.counts.n(status='warn')} warnings, "
        f"{d.counts.n(status='not_evaluated')} not evaluated, {len(d.drift.breach)} on the 72-hour clock.")
    for path in written.files:
        say(f"  {path}")
    if include_names:
        say("These files name people: keep them private (they are written readable by you only).", err=True)
