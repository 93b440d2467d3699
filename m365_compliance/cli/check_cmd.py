"""``m365-compliance check``: evaluate the policy's rules (C1–C6) over the latest snapshot, offline.

The terminal shows, per control, counts and the titles of the findings to act on; never a path (paths
name applicants) unless ``--show-paths``. findings.json (``--json-out``), ``--format json`` and the
state store keep everything; ``--format ocsf`` writes OCSF Detection Findings with ids only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import click

from m365_compliance.cli.machine_format import JSON, OCSF, TEXT, emit, format_option, stdout_held
from m365_compliance.cli.main import cli
from m365_compliance.cli.options import OutputPath, config_option, load_policy, now_option
from m365_compliance.cli.output import conclude, fail, say
from m365_compliance.engine.master import Master, master_forms, parse_master
from m365_compliance.errors import ComplianceError
from m365_compliance.exit_codes import ERROR, FINDINGS, OK
from m365_compliance.private_files import write_private
from m365_compliance.rules.fail_on import fail_on_verdict
from m365_compliance.rules.findings import SEVERITIES, Finding, Severity
from m365_compliance.rules.selection import FindingSelection, SelectionError, parse_controls
from m365_compliance.rules.tally import ControlTally, tally
from m365_compliance.terminal_text import safe_json

STATUS_WORDS = {"fail": "failing", "warn": "warning", "not_evaluated": "not evaluated"}


def _engine(ctx: click.Context, param: click.Parameter, value: str | None) -> Master | None:
    if value is None:
        return None
    try:
        return parse_master(value)
    except ValueError as error:
        raise click.BadParameter(f"expected {master_forms()}; {error}") from None


def _controls(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    try:
        return parse_controls(value)
    except SelectionError as error:
        raise click.BadParameter(str(error)) from None


@cli.command("check", exit_notes={
    OK.code: "evaluated and stored, findings or not (unless --fail-on).",
    ERROR.code: "no inventory yet, an unreadable --snapshot file, the state store, the engine (Dask not installed, "
                "the scheduler unreachable).",
    FINDINGS.code: "an open finding (failing or not evaluated) at or above --fail-on; the line counts them by "
                   "control.",
})
@config_option
@click.option("--snapshot", "snapshot_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Evaluate this snapshot file instead of the state store's latest inventory.")
@click.option("--snapshot-out", type=OutputPath(folder=False),
              help="Also write the evaluated snapshot to a file (0600: it names people), to re-check it later.")
@click.option("--json-out", type=OutputPath(folder=False),
              help="Write the findings document (findings.json; paths included: treat it like the report).")
@click.option("--controls", callback=_controls, metavar="C1,C3",
              help="Only these controls (comma-separated) in the output and for --fail-on; the evaluation stored "
                   "is always whole.")
@click.option("--min-severity", type=click.Choice(SEVERITIES),
              help="Only findings at least this severe in the output and for --fail-on.")
@click.option("--fail-on", type=click.Choice(SEVERITIES),
              help="Exit 4 (findings) when a failing or not-evaluated finding is at least this severe (default: "
                   "never).")
@format_option(OCSF)
@now_option
@click.option("--show-paths", is_flag=True, help="Show the path of each finding to act on (paths may name "
                                                 "applicants).")
@click.option("--engine", "engine", callback=_engine, metavar="MASTER",
              help="Evaluate on this engine for this run instead of [engine] master: embedded, local[N] (N Dask "
                   "worker processes here) or a Dask scheduler address tcp://host:port (docs/scale.md).")
def check_command(config_path: Path, snapshot_file: Path | None, snapshot_out: Path | None, json_out: Path | None,
                  controls: tuple[str, ...] | None, min_severity: Severity | None, fail_on: Severity | None,
                  fmt: str, now: datetime, show_paths: bool, engine: Master | None) -> None:
    """Evaluate controls C1–C6 over the latest inventory, offline: per control, counts and the titles of
    the findings to act on; every finding is stored in the state store (and written with --json-out).

    --controls and --min-severity narrow what is printed, written and counted for --fail-on; the
    evaluation stored is always whole, so drift never reads a left-out finding as fixed. --format json
    prints the findings document (docs/schemas/findings.schema.json) on stdout; --format ocsf prints a
    JSON array of OCSF Detection Findings (ids only) for a SIEM (docs/machine-output.md). --engine
    spreads the evaluation over Dask workers, one library each; the findings are the same.

    \b
    Example:
      m365-compliance check --config policy.toml --json-out findings.json --fail-on high
      m365-compliance check --config policy.toml --controls C1,C3 --min-severity medium
      m365-compliance check --config policy.toml --format ocsf > findings.ocsf.json
      m365-compliance check --config policy.toml --snapshot snapshot.json --now 2027-01-01T00:00:00Z
      m365-compliance check --config policy.toml --engine 'local[4]'
    """
    from m365_compliance.inventory.snapshot_json import read_snapshot, write_snapshot
    from m365_compliance.machine.envelope import RunMetadata
    from m365_compliance.machine.findings_document import findings_document
    from m365_compliance.machine.ocsf import detection_findings
    from m365_compliance.rules.service import check_from_config
    from m365_compliance.rules.titles import finding_title

    config = load_policy(config_path)
    if engine is not None:
        config = dataclasses.replace(config, engine=dataclasses.replace(config.engine, master=engine))
    selection = FindingSelection(controls, min_severity)
    with stdout_held(fmt):
        try:
            snapshot = read_snapshot(snapshot_file) if snapshot_file else None
            outcome = check_from_config(config, now, snapshot=snapshot)
            if snapshot_out:
                write_snapshot(outcome.snapshot, snapshot_out)
        except ComplianceError as error:
            fail(error)
    findings = selection.apply(outcome.findings)
    metadata = RunMetadata.of(config, now, evaluation_id=outcome.evaluation_id,
                              snapshot_run_id=outcome.snapshot_run_id)

    def title(finding: Finding) -> str:
        return finding_title(finding, config.policy.language)

    if json_out or fmt == JSON:
        body = findings_document(findings, metadata, selection, title)
        if json_out:
            write_private(json_out, safe_json(body, indent=1) + "\n")
        if fmt == JSON:
            emit(body)
    if fmt == OCSF:
        emit(detection_findings(findings, metadata, title))
    if fmt == TEXT:
        _render(findings, tally(findings, title), selection, title if show_paths else None)
        say(f"Evaluation {outcome.evaluation_id} of inventory run {outcome.snapshot_run_id} stored.")
    over = fail_on_verdict(findings, fail_on, f"--fail-on {fail_on}")  # the selected findings only
    if over is not None:
        conclude(over)


def _render(findings: Sequence[Finding], tallies: Sequence[ControlTally], selection: FindingSelection,
            path_title: Callable[[Finding], str] | None) -> None:
    """Per control: one line of counts, then each title to act on with how many findings carry it."""
    chosen = ", ".join(selection.controls) if selection.controls else "all controls"
    floor = f", severity {selection.min_severity} and above" if selection.min_severity else ""
    say(f"Findings ({chosen}{floor}):")
    if not tallies:
        say("  none.")
    for t in tallies:
        failing = ", ".join(f"{n} {severity}" for severity, n in t.failing if n)
        say(f"{t.control}: {t.failing_total} failing" + (f" ({failing})" if failing else "")
            + f", {t.warn} warning{'' if t.warn == 1 else 's'}, {t.not_evaluated} not evaluated, "
              f"{t.info} kept or informational")
        for entry in t.to_act_on:
            say(f"  {entry.count:>5} × {entry.title} [{STATUS_WORDS[entry.status]}, {entry.severity}]")
    to_act = sum(sum(e.count for e in t.to_act_on) for t in tallies)
    kept = sum(t.info for t in tallies)
    say(f"{to_act} finding{'' if to_act == 1 else 's'} to act on, {kept} item{'' if kept == 1 else 's'} kept by "
        "law or informational.")
    if path_title is not None:
        for f in sorted((f for f in findings if f.status in STATUS_WORDS),
                        key=lambda f: (-SEVERITIES.index(f.severity), f.control, f.id)):
            say(f"  {f.id}  {path_title(f)}: {f.path or f.scope or ''}")
