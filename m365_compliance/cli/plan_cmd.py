"""``plan``, ``approve``, ``apply`` and ``journal export``: findings to reviewed, safe, journaled changes."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from m365_compliance.actions.executor import ApplyResult
from m365_compliance.actions.plan_model import APPROVAL_CLASSES
from m365_compliance.cli.machine_format import JSON, emit, format_option, stdout_held
from m365_compliance.cli.main import cli
from m365_compliance.cli.options import (
    Choices,
    OutputPath,
    config_option,
    load_policy,
    now_option,
    verbose_option,
)
from m365_compliance.cli.output import (
    conclude,
    configure_logging,
    fail_action,
    say,
)
from m365_compliance.errors import (
    ComplianceError,
)
from m365_compliance.exit_codes import INCOMPLETE, INTERRUPTED, OK, USAGE, Verdict

if TYPE_CHECKING:
    from m365_compliance.actions.service import PlanOutcome

#: What a deletion left in place because a label (or one that could not be read) or the law keeps it.
KEPT_CODES = ("record_label", "retention_label", "label_unknown", "statutory_hold")
KEPT_SHOWN = 20


@cli.command("plan", exit_notes={
    OK.code: "the plan was written and recorded.",
    USAGE.code: "also an --out that cannot be written.",
    INCOMPLETE.code: "the plan was written, but crosses a limit: the line says what apply will still do.",
    INTERRUPTED.code: "no plan was recorded: plan again.",
})
@config_option
@click.option("--out", type=OutputPath(folder=False), default=Path("plan.json"), show_default=True,
              help="Where to write the plan.")
@now_option
@click.option("--show-paths", is_flag=True, help="Also list each action's item path (may name applicants: terminal "
                                                 "only, never paste into a pull request).")
@format_option()
def plan_command(config_path: Path, out: Path, now: datetime, show_paths: bool, fmt: str) -> None:
    """Plan what to change: evaluate the latest inventory and write plan.json (recorded in the state store).

    The plan lists each action (label, delete, remove a grant, fire a retention event) with the
    preconditions apply will check, what was skipped and why, and the blast-radius limits. Before
    it is written, the retention labels of everything a deletion would remove are read from Graph:
    what a label keeps is listed as skipped. It holds ids, dates and counts only, so it can be
    reviewed in a pull request; apply accepts only a plan file exactly as it was recorded.
    --format json prints what the plan holds as one JSON document (docs/schemas/plan.schema.json).

    \b
    Example:
      m365-compliance plan --config policy.toml --out plans/plan.json
      m365-compliance plan --config policy.toml --format json > plan-summary.json
      m365-compliance plan --config policy.toml --now 2027-01-01T00:00:00Z --show-paths
    """
    from m365_compliance.actions.limit_forecast import describe_forecast, forecast_apply
    from m365_compliance.actions.service import plan_from_config

    config = load_policy(config_path)
    with stdout_held(fmt):
        try:
            outcome = asyncio.run(plan_from_config(config, out, now=now))
        except ComplianceError as error:
            fail_action(error)
    plan = outcome.plan
    if fmt == JSON:
        from m365_compliance.machine.action_documents import plan_document
        from m365_compliance.machine.envelope import RunMetadata

        emit(plan_document(plan, out, RunMetadata.of(config, now, evaluation_id=outcome.evaluation_id,
                                                     snapshot_run_id=plan.snapshot_run_id), KEPT_CODES))
    else:
        _render_plan(outcome, out, show_paths)
    if plan.over_limits:
        forecast = forecast_apply(plan, outcome.snapshot.populations(), config.limits, outcome.approved)
        conclude(Verdict(INCOMPLETE, describe_forecast(forecast)))


def _render_plan(outcome: PlanOutcome, out: Path, show_paths: bool) -> None:
    plan = outcome.plan
    kinds = Counter(a.kind for a in plan.actions)
    needing = Counter(a.approval_class for a in plan.actions if a.requires_approval)
    say(f"Plan {plan.id} (policy {plan.policy_version}, snapshot {plan.snapshot_run_id}) → {out}")
    say("  actions: " + (", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "none"))
    if needing:
        say("  need approval: " + ", ".join(f"{c} {n}" for c, n in sorted(needing.items())))
    if plan.skipped:
        say("  skipped: " + ", ".join(f"{c} {n}" for c, n in sorted(Counter(s.code for s in plan.skipped).items())))
    kept = [s for s in plan.skipped if s.code in KEPT_CODES]
    for entry in kept[:KEPT_SHOWN]:
        say(f"  kept ({entry.code}): {entry.reason}")
    if len(kept) > KEPT_SHOWN:
        say(f"  … and {len(kept) - KEPT_SHOWN} more kept (see `skipped` in {out.name})")
    for check in plan.limits:
        mark = "OVER" if check.exceeded else "ok"
        say(f"  limit {check.limit} = {check.allowed:g}: {check.selected} selected of {check.population} [{mark}]")
    if show_paths:
        paths = outcome.paths()
        for action in plan.actions:
            say(f"  {action.action_id} {action.kind:<22} {paths.get(action.action_id, action.target)}")


@cli.command("approve", exit_notes={
    OK.code: "recorded (or recorded before).",
    USAGE.code: "also a plan or an approval that does not fit (another plan id, an unknown action or class).",
})
@click.argument("plan_path", metavar="PLAN", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@config_option
@click.option("--by", "by", required=True, help="Who approves (recorded in the journal).")
@click.option("--action", "action_ids", multiple=True, metavar="ID", help="An action id to approve (repeatable).")
@click.option("--class", "classes", multiple=True, type=Choices(APPROVAL_CLASSES),
              help="Approve every action of this class in the plan (repeatable); the plan must have one.")
@click.option("--note", default="", help="Why, e.g. the customer dialogue or ticket reference.")
def approve_command(plan_path: Path, config_path: Path, by: str, action_ids: tuple[str, ...],
                    classes: tuple[str, ...], note: str) -> None:
    """Approve disposals in a plan; the approval binds to the plan's id and is journaled.

    A plan whose content changes gets a new id, so it needs a new approval. The same can be done in
    git: an approvals.toml beside plan.json (see docs/plan-and-apply.md) is recorded by apply.

    \b
    Example:
      m365-compliance approve plan.json --config policy.toml --by "Marte Olsen" --class customer_disposal
      m365-compliance approve plan.json --config policy.toml --by "Kari Nordmann" --action act-0123456789abcdef

    An approval that would approve nothing is refused (exit 2) with the valid choices: an unknown
    class or action id (with the closest ones), or a class no action of the plan has.
    """
    from m365_compliance.actions.service import approve_plan

    config = load_policy(config_path)
    try:
        plan, covered, new = approve_plan(config, plan_path, by=by, action_ids=action_ids, classes=classes,
                                          note=note, on=datetime.now(UTC).date())
    except ComplianceError as error:
        fail_action(error)
    state = "Recorded" if new else "Already recorded:"
    say(f"{state} approval of {len(covered)} action(s) in plan {plan.id}.")


@cli.command("apply", exit_notes={
    OK.code: "applied, or the dry run is complete (actions awaiting approval included).",
    USAGE.code: "also a plan or an approval that does not fit (not recorded, edited, another policy version).",
    INCOMPLETE.code: "a limit stopped the apply before any change, or some actions failed (run it again to "
                     "retry them).",
})
@click.argument("plan_path", metavar="PLAN", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@config_option
@click.option("--execute", is_flag=True, help="Make the changes. Without it, a dry run: reads only, nothing changes.")
@click.option("--approvals", "approvals_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="An approvals file to record first (default: approvals.toml beside the plan, if present).")
@click.option("--by", "actor", default=None, help="Who runs the apply, for the journal (default: $GITHUB_ACTOR, "
                                                  "else m365-compliance).")
@now_option
@verbose_option
@format_option()
def apply_command(plan_path: Path, config_path: Path, execute: bool, approvals_file: Path | None, actor: str | None,
                  now: datetime, verbose: bool, fmt: str) -> None:
    """Apply a reviewed plan: a dry run unless --execute. Resumable; re-running changes nothing.

    Before each write the item or permission is read again: an item changed since the plan, a
    record or retaining label, or a missing approval means the action is skipped with the reason.
    A plan over a blast-radius limit stops before the first write. Every attempt is journaled.
    --format json prints each outcome as one JSON document (docs/schemas/apply.schema.json).

    \b
    Example:
      m365-compliance apply plan.json --config policy.toml             # dry run
      m365-compliance apply plan.json --config policy.toml --format json
      m365-compliance apply plan.json --config policy.toml --execute
    """
    from m365_compliance.actions.service import apply_from_config

    configure_logging(verbose)
    config = load_policy(config_path)
    who = actor or os.environ.get("GITHUB_ACTOR") or "m365-compliance"
    with stdout_held(fmt):
        try:
            result = asyncio.run(apply_from_config(config, plan_path, execute=execute, now=now, actor=who,
                                                   approvals_file=approvals_file))
        except ComplianceError as error:
            fail_action(error)
    if fmt == JSON:
        from m365_compliance.machine.action_documents import apply_document
        from m365_compliance.machine.envelope import RunMetadata

        emit(apply_document(result, plan_path, execute, RunMetadata.of(config, now)))
    else:
        _render_apply(result, plan_path, execute)
    failed = sum(o.result == "failed" for o in result.outcomes)
    if failed:
        conclude(Verdict(INCOMPLETE, f"{failed} of {len(result.outcomes)} actions failed (listed above); "
                                     "apply the plan again to retry them."))


def _render_apply(result: ApplyResult, plan_path: Path, execute: bool) -> None:
    label = "Applied" if execute else "Dry run of"
    counts = ", ".join(f"{k} {v}" for k, v in result.counts().items()) or "nothing left to do"
    say(f"{label} plan {result.plan_id} (run {result.run_id}): {counts}; {result.settled_before} settled "
        "by earlier runs.")
    for outcome in result.outcomes:
        if outcome.result not in ("done", "dry_run", "awaiting_approval"):
            say(f"  {outcome.action_id} {outcome.result}: {outcome.reason}")
    waiting = Counter(o.code for o in result.outcomes if o.result == "awaiting_approval")
    if waiting:
        say("  awaiting approval: " + ", ".join(f"{c} {n}" for c, n in sorted(waiting.items())) +
            f" (m365-compliance approve {plan_path.name} --by NAME --class CLASS)")
    if not execute:
        say("Nothing was changed. Apply with --execute to make the changes.")


@cli.group("journal")
def journal_group() -> None:
    """The journal of plans, approvals and apply attempts (evidence, control C9).

    \b
    Example:
      m365-compliance journal export --config policy.toml --format csv journal.csv
    """


@journal_group.command("export", exit_notes={USAGE.code: "also an OUT that cannot be written."})
@config_option
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--plan", "plan_id", default=None, help="Only this plan's entries.")
@click.argument("out", type=OutputPath(folder=False))
def journal_export_command(config_path: Path, fmt: str, plan_id: str | None, out: Path) -> None:
    """Export the journal as evidence: what, when, by whom, result, policy version.

    CSV cells that a spreadsheet would run as a formula (starting with = + - @) are escaped.

    \b
    Example:
      m365-compliance journal export --config policy.toml --format csv journal.csv
      m365-compliance journal export --config policy.toml --format json --plan plan-0123456789abcdef plan.json
    """
    from m365_compliance.actions.service import export_journal

    config = load_policy(config_path)
    try:
        rows = export_journal(config, out, "json" if fmt == "json" else "csv", plan_id)
    except ComplianceError as error:
        fail_action(error)
    say(f"Wrote {rows} journal entries to {out}.")
