"""``m365-compliance run``: the nightly pipeline in one command, with an exit code a scheduler can act on."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import click

from m365_compliance.cli.machine_format import JSON, emit, format_option, stdout_held, take
from m365_compliance.cli.main import cli
from m365_compliance.cli.options import (
    OutputPath,
    config_option,
    load_policy,
    now_option,
    verbose_option,
)
from m365_compliance.cli.output import (
    Progress,
    conclude,
    configure_logging,
    exit_for,
    interrupted,
    interruption,
    say,
)
from m365_compliance.errors import ComplianceError
from m365_compliance.exit_codes import ERROR, FINDINGS, INCOMPLETE, OK, USAGE, Verdict
from m365_compliance.pipeline.nightly import NightlyOutcome, run_nightly
from m365_compliance.private_files import private_dir, write_private
from m365_compliance.terminal_text import safe_json

SUMMARY_FILE = "run-summary.json"


@cli.command("run", exit_notes={
    OK.code: "every stage ran and no open finding reaches [run] fail_on.",
    ERROR.code: "a stage failed (the line names it; the other stages still ran where they could).",
    USAGE.code: "also --mode execute with a --now later than the clock (a rehearsal executes nothing).",
    INCOMPLETE.code: "inventory gaps, an apply that a limit stopped or whose actions failed, an alert sink that "
                     "failed.",
    FINDINGS.code: "an open finding at or above [run] fail_on (the line counts them by control).",
})
@config_option
@click.option("--mode", type=click.Choice(["dry-run", "execute"]),
              help="Apply approved actions for real (execute) or rehearse them (dry-run). Default: [run] mode "
                   "in the policy file, which defaults to dry-run.")
@click.option("--full", is_flag=True, help="Enumerate every library again instead of reading changes only.")
@click.option("--out", "out_dir", type=OutputPath(folder=True), default=Path("run-out"),
              show_default=True, help="Folder for plan.json, the report files and run-summary.json.")
@click.option("--report-url", help="A link to the report (e.g. the job's artifacts page) to put in alerts.")
@now_option
@verbose_option
@format_option()
def run_command(config_path: Path, mode: str | None, full: bool, out_dir: Path, report_url: str | None,
                now: datetime, verbose: bool, fmt: str) -> None:
    """The nightly job: inventory, check, plan, apply what is approved and within the limits (a dry
    run unless --mode execute), report, drift and alerts. Every stage is journaled in the state store.
    The stages are listed on stderr; --format json prints the run as one JSON document on stdout
    (docs/schemas/run.schema.json), with the stdout alert sink's records inside it.

    \b
    Example:
      m365-compliance run --config policy.toml                    # dry run of the apply stage
      m365-compliance run --config policy.toml --format json > run.json
      m365-compliance run --config policy.toml --mode execute --out nightly

    The last line on stderr is the verdict (`ok:`, `error:`, `incomplete:`, `findings:`) and why;
    run-summary.json records it too (exitCode, verdict, reason), also when the run stopped early.
    """
    configure_logging(verbose)
    config = load_policy(config_path)
    chosen = mode or config.run.mode
    progress = Progress("run")
    with stdout_held(fmt) as held:
        try:
            outcome = asyncio.run(run_nightly(config, out_dir=out_dir, mode=chosen,  # type: ignore[arg-type]
                                              now=now, full=full, progress=progress, report_url=report_url))
        except ComplianceError as error:  # before any stage: the store is another's, or --now lies ahead of execute
            progress.close()
            early = Verdict(exit_for(error), error.message)
            _write_summary(out_dir, {**early.as_dict(), "mode": chosen, "stages": []})
            conclude(early, hint=error.hint)
        except KeyboardInterrupt:
            progress.close()
            _write_summary(out_dir, {**interruption("run").as_dict(), "mode": chosen, "stages": []})
            interrupted("run")
        written = take(held)
    progress.close()
    render(outcome)
    verdict = outcome.verdict()
    _write_summary(out_dir, outcome.summary())
    if fmt == JSON:
        from m365_compliance.machine.envelope import RunMetadata
        from m365_compliance.machine.run_document import alert_records, run_document

        alerts, other = alert_records(written)
        for line in other:
            say(line, err=True)
        emit(run_document(outcome, RunMetadata.of(config, now, evaluation_id=outcome.evaluation_id,
                                                  snapshot_run_id=outcome.snapshot_run_id), verdict.code, alerts))
    if verdict.exit is OK:
        say(verdict.line, err=True)  # the run's last line says how it ended, whatever the code
    conclude(verdict)


def _write_summary(out_dir: Path, summary: dict[str, object]) -> None:
    """run-summary.json, 0600 like the rest of the run's evidence."""
    private_dir(out_dir)
    write_private(out_dir / SUMMARY_FILE, safe_json(summary, indent=2, default=str) + "\n")


def render(outcome: NightlyOutcome) -> None:
    """One line per stage (counts and ids only), with the hint of a stage that failed."""
    for stage in outcome.stages:
        say(f"{stage.name:<10} {stage.status:<10} {stage.detail}", err=True)
        if stage.hint and stage.status in ("failed", "incomplete"):
            say(f"{'':<21} hint: {stage.hint}", err=True)
