"""``m365-compliance check``: evaluate the policy's rules over the latest snapshot (offline, no Graph)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import click

from m365_compliance.cli.main import cli
from m365_compliance.cli.options import config_option, load_policy
from m365_compliance.cli.output import fail
from m365_compliance.errors import ComplianceError
from m365_compliance.rules.findings import SEVERITIES, Finding

EXIT_FINDINGS = 4


@cli.command("check")
@config_option
@click.option("--snapshot", "snapshot_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Evaluate this snapshot file instead of the state store's latest inventory.")
@click.option("--snapshot-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the evaluated snapshot as a file (for offline re-evaluation later).")
@click.option("--json-out", type=click.Path(dir_okay=False, path_type=Path), help="Write the findings as JSON.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Exit 4 when a failing finding is at least this severe.")
@click.option("--now", "now_text", help="Evaluate as of this instant (ISO 8601), e.g. to rehearse a later date.")
@click.option("--show-paths", is_flag=True, help="List failing findings with their paths (may name applicants).")
def check_command(config_path: Path, snapshot_file: Path | None, snapshot_out: Path | None, json_out: Path | None,
                  fail_on: str | None, now_text: str | None, show_paths: bool) -> None:
    """Evaluate controls C1–C6 over the latest inventory, offline: a summary, findings as JSON.

    \b
    Example:
      m365-compliance check --config policy.toml --json-out findings.json --fail-on high
      m365-compliance check --config policy.toml --snapshot old-snapshot.json --now 2027-01-01T00:00:00Z

    Exit codes: 0 evaluated, 1 error, 2 bad policy file, 4 a failing finding at or above --fail-on.
    """
    config = load_policy(config_path)
    try:
        findings = _evaluate(config, snapshot_file, snapshot_out, json_out, now_text)
    except ComplianceError as error:
        fail(error)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--now") from error
    _render(findings, show_paths)
    if fail_on and any(f.status in ("fail", "not_evaluated") and
                       SEVERITIES.index(f.severity) >= SEVERITIES.index(fail_on) for f in findings):
        raise SystemExit(EXIT_FINDINGS)


def _evaluate(config, snapshot_file, snapshot_out, json_out, now_text) -> list[Finding]:  # type: ignore[no-untyped-def]
    from m365_compliance.inventory.snapshot_json import read_snapshot, write_snapshot
    from m365_compliance.inventory.snapshot_load import load_snapshot
    from m365_compliance.inventory.spec import inventory_spec
    from m365_compliance.rules.registry import evaluate
    from m365_compliance.state.findings_repo import FindingsRepository
    from m365_compliance.state.store import StateStore

    now = datetime.fromisoformat(now_text.replace("Z", "+00:00")) if now_text else datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    with StateStore(config.state.path) as store:
        snapshot = read_snapshot(snapshot_file) if snapshot_file else load_snapshot(store, inventory_spec(config))
        findings = evaluate(snapshot, config, now)
        FindingsRepository(store).save(snapshot.run_id, config.policy_version, findings)
    if snapshot_out:
        write_snapshot(snapshot, snapshot_out)
    if json_out:
        json_out.write_text(json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=1) + "\n",
                            encoding="utf-8")
    return findings


def _render(findings: list[Finding], show_paths: bool) -> None:
    counts = Counter((f.control, f.status, f.severity) for f in findings)
    controls = sorted({f.control for f in findings})
    click.echo(f"{'control':<8} {'high':>5} {'medium':>7} {'low':>5} {'warn':>5} {'kept':>5} {'not eval.':>10}")
    for control in controls:
        def n(status: str, severity: str | None = None) -> int:
            return sum(v for (c, s, sev), v in counts.items() if c == control and s == status
                       and (severity is None or sev == severity))
        click.echo(f"{control:<8} {n('fail', 'high'):>5} {n('fail', 'medium'):>7} {n('fail', 'low'):>5} "
                   f"{n('warn'):>5} {n('info'):>5} {n('not_evaluated'):>10}")
    failing = [f for f in findings if f.status in ("fail", "warn", "not_evaluated")]
    click.echo(f"{len(failing)} findings to act on, {sum(f.status == 'info' for f in findings)} retention decisions.")
    if show_paths:
        for f in failing:
            click.echo(f"  [{f.severity}] {f.id} {f.rule_id}: {f.message}")
