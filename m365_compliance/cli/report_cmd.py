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
              help="Also show paths and folder/customer names in the HTML and XLSX (never in the Markdown). "
                   "Such a report holds personal data: share it only with those entitled to it.")
@click.option("--period-days", type=click.IntRange(min=1, max=3660), default=30, show_default=True,
              help="How many days back 'actions taken in the period' and alert failures reach.")
@now_option
def report_command(config_path: Path, out_dir: Path, lang: str | None, formats: tuple[str, ...],
                   include_names: bool, period_days: int, now: datetime) -> None:
    """Write the management report of the latest evaluation: coverage, findings by control and
    severity with the trend, drift, applicant ages, due deletions, agreements, actions taken and
    data-subject requests. By default it shows counts and references only (no names).

    \b
    Example:
      m365-compliance report --config policy.toml --out report
      m365-compliance report --config policy.toml --lang en --format html,md
      m365-compliance report --config policy.toml --include-names --format xlsx
    """
    from m365_compliance.report.service import write_report

    config = load_policy(config_path)
    language = lang or config.policy.language
    try:
        written = write_report(config, out_dir, now=now, lang=language, formats=formats,  # type: ignore[arg-type]
                               include_names=include_names, period_days=period_days)
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
