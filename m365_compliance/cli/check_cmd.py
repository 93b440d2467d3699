"""``m365-compliance check``: evaluate the policy's rules (C1–C6) over the latest snapshot, offline.

The terminal shows counts and finding/item ids only; paths (which name applicants) only with
``--show-paths``. The JSON file and the state store keep everything, paths included, for the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import click

from m365_compliance.cli.main import cli
from m365_compliance.cli.options import OutputPath, config_option, load_policy, now_option
from m365_compliance.cli.output import conclude, fail, say
from m365_compliance.errors import ComplianceError
from m365_compliance.exit_codes import ERROR, FINDINGS, OK
from m365_compliance.private_files import write_private
from m365_compliance.rules.fail_on import fail_on_verdict
from m365_compliance.rules.findings import SEVERITIES, Finding, Severity
from m365_compliance.terminal_text import safe_json

_COLUMNS = (("high", "fail", "high"), ("medium", "fail", "medium"), ("low", "fail", "low"), ("warn", "warn", None),
            ("info", "info", None), ("not eval.", "not_evaluated", None))


@cli.command("check", exit_notes={
    OK.code: "evaluated and stored, findings or not (unless --fail-on).",
    ERROR.code: "no inventory yet, an unreadable --snapshot file, the state store.",
    FINDINGS.code: "an open finding (failing or not evaluated) at or above --fail-on; the line counts them by "
                   "control.",
})
@config_option
@click.option("--snapshot", "snapshot_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Evaluate this snapshot file instead of the state store's latest inventory.")
@click.option("--snapshot-out", type=OutputPath(folder=False),
              help="Also write the evaluated snapshot to a file (0600: it names people), to re-check it later.")
@click.option("--json-out", type=OutputPath(folder=False),
              help="Write every finding as JSON (paths included: treat it like the report).")
@click.option("--fail-on", type=click.Choice(SEVERITIES),
              help="Exit 4 (findings) when a failing or not-evaluated finding is at least this severe (default: "
                   "never).")
@now_option
@click.option("--show-paths", is_flag=True, help="Show the path of each listed finding (paths may name applicants).")
def check_command(config_path: Path, snapshot_file: Path | None, snapshot_out: Path | None, json_out: Path | None,
                  fail_on: Severity | None, now: datetime, show_paths: bool) -> None:
    """Evaluate controls C1–C6 over the latest inventory, offline: counts per control, the open findings
    by id, all findings stored in the state store (and as JSON with --json-out).

    \b
    Example:
      m365-compliance check --config policy.toml --json-out findings.json --fail-on high
      m365-compliance check --config policy.toml --snapshot snapshot.json --now 2027-01-01T00:00:00Z
    """
    from m365_compliance.inventory.snapshot_json import read_snapshot, write_snapshot
    from m365_compliance.rules.service import check_from_config

    config = load_policy(config_path)
    try:
        snapshot = read_snapshot(snapshot_file) if snapshot_file else None
        outcome = check_from_config(config, now, snapshot=snapshot)
        if snapshot_out:
            write_snapshot(outcome.snapshot, snapshot_out)
    except ComplianceError as error:
        fail(error)
    findings = outcome.findings
    if json_out:
        write_private(json_out, safe_json([f.as_dict() for f in findings], indent=1) + "\n")
    _render(findings, show_paths)
    say(f"Evaluation {outcome.evaluation_id} of inventory run {outcome.snapshot.run_id} stored.")
    over = fail_on_verdict(findings, fail_on, f"--fail-on {fail_on}")
    if over is not None:
        conclude(over)


def _render(findings: Sequence[Finding], show_paths: bool) -> None:
    counts = Counter((f.control, f.status, f.severity) for f in findings)
    say(f"{'control':<8}" + "".join(f"{title:>11}" for title, _, _ in _COLUMNS))
    for control in sorted({f.control for f in findings}):
        cells = (sum(n for (c, s, sev), n in counts.items() if c == control and s == status
                     and (severity is None or sev == severity)) for _, status, severity in _COLUMNS)
        say(f"{control:<8}" + "".join(f"{n:>11}" for n in cells))
    listed = sorted((f for f in findings if f.status in ("fail", "warn", "not_evaluated")),
                    key=lambda f: (-SEVERITIES.index(f.severity), f.control, f.id))
    kept = sum(f.status == "info" for f in findings)
    say(f"{len(listed)} findings to act on, {kept} items kept by law or informational.")
    for f in listed:
        where = f.path if show_paths and f.path else f.item_id or dict(f.evidence).get("row") or f.scope or ""
        say(f"  {f.severity:<6} {f.status:<13} {f.id}  {f.rule_id:<26} {where}")
