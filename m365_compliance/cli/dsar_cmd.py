"""``dsar``: data-subject requests (C7) — open, find, confirm, extend, export, erase, note, close, list.

The terminal shows case ids, kinds, dates and counts; the subject's e-mail and name only with
``--show-subjects`` (``list``), their files' paths only with ``--show-paths`` (``find``, ``show``).
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import click

from m365_compliance.cli.machine_format import JSON, emit, format_option, stdout_held
from m365_compliance.cli.main import cli
from m365_compliance.cli.options import (
    Choices,
    OutputPath,
    config_option,
    load_policy,
    now_option,
)
from m365_compliance.cli.output import conclude, fail_action, say
from m365_compliance.dsar.model import Match
from m365_compliance.errors import (
    ComplianceError,
)
from m365_compliance.machine.dsar_documents import (
    case_document,
    closed_fields,
    erasure_apply_fields,
    erasure_plan_fields,
    export_fields,
    list_document,
)
from m365_compliance.machine.envelope import RunMetadata
from m365_compliance.exit_codes import ERROR, INCOMPLETE, INTERRUPTED, OK, USAGE, Verdict


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date: use YYYY-MM-DD, e.g. 2026-11-25.") from None


def _actor(by: str | None) -> str:
    return by or os.environ.get("GITHUB_ACTOR") or "m365-compliance"


by_option = click.option("--by", "by", default=None, help="Who takes the step, for the case and the journal "
                                                         "(default: $GITHUB_ACTOR, else m365-compliance).")
out_dir_option = click.option("--out", "out_dir", type=OutputPath(folder=True), default=Path("."),
                              show_default=True, help="Folder for the files written (created 0600: they hold "
                                                      "personal data).")


@cli.group("dsar")
def dsar_group() -> None:
    """Data-subject requests (C7): access, erasure and correction, due one month after receipt.

    \b
    Example:
      m365-compliance dsar open --config policy.toml --subject kari@example.com --kind access --name "Kari Nordmann"
      m365-compliance dsar find dsar-20261125-1a2b3c --config policy.toml
      m365-compliance dsar list --config policy.toml

    docs/dsar.md describes the whole workflow. Every subcommand takes --format json: one JSON document on
    stdout (docs/schemas/dsar.schema.json).
    """


@dsar_group.command("open", short_help="Register a request, due one month after receipt.", exit_notes={
    OK.code: "registered.",
    USAGE.code: "also a bad --subject, --kind or --received.",
})
@config_option
@click.option("--subject", "email", required=True, help="The data subject's e-mail address.")
@click.option("--kind", type=Choices(["access", "erasure", "correction"]), required=True,
              help="access (innsyn, Art. 15), erasure (sletting, Art. 17) or correction (retting, Art. 16).")
@click.option("--name", default=None, help="The subject's name, to find folders and files named after them.")
@click.option("--received", callback=_day, default=None, help="When the request arrived (YYYY-MM-DD; default today).")
@by_option
@now_option
@format_option()
def open_command(config_path: Path, email: str, kind: str, name: str | None, received: date | None, by: str | None,
                 now: datetime, fmt: str) -> None:
    """Register a request; it is due one month after receipt (GDPR Art. 12(3)).

    \b
    Example:
      m365-compliance dsar open --config policy.toml --subject kari@example.com --kind erasure \\
          --name "Kari Nordmann" --received 2026-11-20
    """
    from m365_compliance.dsar.service import open_case

    config = load_policy(config_path)
    try:
        case = open_case(config, email=email, kind=kind, name=name, received=received, by=_actor(by),
                         now=now)
    except ComplianceError as error:
        fail_action(error)
    if fmt == JSON:
        emit(case_document("open", case, RunMetadata.of(config, now)))
        return
    say(f"Opened {case.case_id}: {case.kind} request received {case.received}, due {case.due}.")
    say(f"Next: m365-compliance dsar find {case.case_id} --config {config_path}")


@dsar_group.command("find", short_help="Find every item about the subject.", exit_notes={
    OK.code: "searched (a case with nothing found and nothing unsearched is closed).",
    USAGE.code: "also an unknown case.",
})
@click.argument("case_id", metavar="CASE")
@config_option
@click.option("--show-paths", is_flag=True, help="Also list each match's path (names the subject: terminal only).")
@out_dir_option
@by_option
@now_option
@format_option()
def find_command(case_id: str, config_path: Path, show_paths: bool, out_dir: Path, by: str | None,
                 now: datetime, fmt: str) -> None:
    """Find every item about the subject in the latest inventory (and tenant-wide, if configured).

    Each match says why it matched. Matches by name, authorship or search need a person's
    confirmation (`dsar confirm`); nothing unconfirmed is exported or erased. When nothing is found
    and everything could be searched, the case closes with a statement written to --out.

    \b
    Example:
      m365-compliance dsar find dsar-20261125-1a2b3c --config policy.toml --show-paths
    """
    from m365_compliance.dsar.service import find_case

    config = load_policy(config_path)
    with stdout_held(fmt):
        try:
            found = asyncio.run(find_case(config, case_id, by=_actor(by), now=now, out_dir=out_dir))
        except ComplianceError as error:
            fail_action(error)
    case = found.case
    if fmt == JSON:
        emit(case_document("find", case, RunMetadata.of(config, now), matches=found.matches, show_paths=show_paths,
                           closed=closed_fields(found.closed.statement, found.closed.files) if found.closed else None))
        return
    pending = sum(1 for m in found.matches if m.status == "pending")
    say(f"{case.case_id}: {len(found.matches)} match(es), {sum(len(m.items) for m in found.matches)} item(s); "
        f"{pending} to confirm (snapshot {case.snapshot_run_id}).")
    _matches(found.matches, show_paths)
    for note in case.find_notes:
        say(f"  note: {note}")
    if found.closed is not None:
        say(f"Nothing about the subject was found: the case is closed. Statement: {found.closed.files[0]}, "
            f"{found.closed.files[1]}")
    elif not found.matches:
        say("Nothing was found, but not everything could be searched (see the notes): the case stays open.")
    elif pending:
        say(f"Confirm or reject each match to confirm: m365-compliance dsar confirm {case.case_id} --match ID "
            "[--reject]")


@dsar_group.command("show", short_help="Show a case: its dates, state and matches.", exit_notes={
    OK.code: "shown.",
    USAGE.code: "also an unknown case.",
})
@click.argument("case_id", metavar="CASE")
@config_option
@click.option("--show-paths", is_flag=True, help="Also list each match's path (names the subject: terminal only).")
@now_option
@format_option()
def show_command(case_id: str, config_path: Path, show_paths: bool, now: datetime, fmt: str) -> None:
    """Show a case: its dates, state and matches.

    \b
    Example:
      m365-compliance dsar show dsar-20261125-1a2b3c --config policy.toml --show-paths
    """
    from m365_compliance.dsar.service import matches_of

    config = load_policy(config_path)
    try:
        case, matches = matches_of(config, case_id)
    except ComplianceError as error:
        fail_action(error)
    if fmt == JSON:
        emit(case_document("show", case, RunMetadata.of(config, now), matches=matches, show_paths=show_paths))
        return
    extended = f", extended {case.extension_months} month(s)" if case.extension_months else ""
    say(f"{case.case_id}: {case.kind}, received {case.received}, due {case.due}{extended}; {case.status}")
    _matches(tuple(matches), show_paths)
    for note in case.find_notes:
        say(f"  note: {note}")


@dsar_group.command("confirm", short_help="Confirm (or reject) an uncertain match.", exit_notes={
    OK.code: "recorded.",
    USAGE.code: "also an unknown case or match.",
})
@click.argument("case_id", metavar="CASE")
@config_option
@click.option("--match", "match_id", required=True, help="The match id (m-…), from `dsar find` or `dsar show`.")
@click.option("--reject", is_flag=True, help="The item is not about the subject: never export or erase it.")
@by_option
@now_option
@format_option()
def confirm_command(case_id: str, config_path: Path, match_id: str, reject: bool, by: str | None,
                    now: datetime, fmt: str) -> None:
    """Confirm (or reject) a match that is not certain by itself.

    \b
    Example:
      m365-compliance dsar confirm dsar-20261125-1a2b3c --config policy.toml --match m-1a2b3c4d --by "Kari Nordmann"
      m365-compliance dsar confirm dsar-20261125-1a2b3c --config policy.toml --match m-5e6f7a8b --reject
    """
    from m365_compliance.dsar.service import decide

    config = load_policy(config_path)
    try:
        case = decide(config, case_id, match_id, reject=reject, by=_actor(by), now=now)
    except ComplianceError as error:
        fail_action(error)
    if fmt == JSON:
        emit(case_document("reject" if reject else "confirm", case, RunMetadata.of(config, now), decided=match_id))
        return
    say(f"Match {match_id} {'rejected' if reject else 'confirmed'}; case {case.case_id} is {case.status}.")


@dsar_group.command("extend", short_help="Extend the deadline by one or two months.", exit_notes={
    OK.code: "extended.",
    ERROR.code: "also too late (the first month is over).",
    USAGE.code: "also an unknown case, or more than two months in all.",
})
@click.argument("case_id", metavar="CASE")
@config_option
@click.option("--months", type=click.IntRange(1, 2), required=True, help="1 or 2 more months (at most 2 in all).")
@click.option("--reason", required=True, help="Why (the subject must be told, Art. 12(3)).")
@by_option
@now_option
@format_option()
def extend_command(case_id: str, config_path: Path, months: int, reason: str, by: str | None,
                   now: datetime, fmt: str) -> None:
    """Extend the deadline by one or two months, with the reason (GDPR Art. 12(3)).

    Allowed within the first month only, and for two months in all.

    \b
    Example:
      m365-compliance dsar extend dsar-20261125-1a2b3c --config policy.toml --months 1 \\
          --reason "Many requests at once; the subject was told on 2026-11-30"
    """
    from m365_compliance.dsar.service import extend_case

    config = load_policy(config_path)
    try:
        case = extend_case(config, case_id, months=months, reason=reason, by=_actor(by), now=now)
    except ComplianceError as error:
        fail_action(error)
    if fmt == JSON:
        emit(case_document("extend", case, RunMetadata.of(config, now)))
        return
    say(f"{case.case_id} is now due {case.due} (extended by {case.extension_months} month(s) in all).")


@dsar_group.command("export", short_help="Write the subject's copy of their data (a zip).", exit_notes={
    OK.code: "written.",
    ERROR.code: "also matches still to confirm, Graph refused.",
    USAGE.code: "also an unknown case, or not an access request.",
    INTERRUPTED.code: "no partial zip is left: export again.",
})
@click.argument("case_id", metavar="CASE")
@config_option
@out_dir_option
@by_option
@now_option
@format_option()
def export_command(case_id: str, config_path: Path, out_dir: Path, by: str | None, now: datetime, fmt: str) -> None:
    """Write the subject's copy (Art. 15): a zip of their files with manifest.json, manifest.csv, README.txt.

    \b
    Example:
      m365-compliance dsar export dsar-20261125-1a2b3c --config policy.toml --out exports/
    """
    from m365_compliance.dsar.service import export, matches_of

    config = load_policy(config_path)
    with stdout_held(fmt):
        try:
            result = asyncio.run(export(config, case_id, out_dir=out_dir, by=_actor(by), now=now))
            case = matches_of(config, case_id)[0] if fmt == JSON else None
        except ComplianceError as error:
            fail_action(error)
    if case is not None:
        emit(case_document("export", case, RunMetadata.of(config, now), export=export_fields(result)))
        return
    missing = f", {result.missing} no longer there" if result.missing else ""
    say(f"Wrote {result.path} ({result.files} files{missing}; sha256 {result.sha256}).")
    say(f"Send it to the subject, then: m365-compliance dsar close {case_id} --config {config_path}")


@dsar_group.command("erase", short_help="Plan the erasure, or apply its approved plan.", exit_notes={
    OK.code: "planned, or applied (or rehearsed).",
    USAGE.code: "also an unknown case, not an erasure request.",
    INCOMPLETE.code: "the plan crosses a limit (the line says what apply will still do), or some actions failed "
                     "(run it again to retry them).",
    INTERRUPTED.code: "an apply resumes from the journal and does nothing twice; a plan not yet recorded is made "
                      "again.",
})
@click.argument("case_id", metavar="CASE")
@config_option
@click.option("--out", "out", type=OutputPath(folder=False), default=None,
              help="Where to write the plan (default: <CASE>-erasure-plan.json).")
@click.option("--apply", "plan_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Apply this plan of the case instead of making one (the same code as `apply`).")
@click.option("--execute", is_flag=True, help="With --apply: delete. Without it, a dry run.")
@click.option("--statement-out", "out_dir", type=OutputPath(folder=True), default=Path("."),
              show_default=True, help="Folder for the closing statement when the erasure completes.")
@by_option
@now_option
@format_option()
def erase_command(case_id: str, config_path: Path, out: Path | None, plan_path: Path | None, execute: bool,
                  out_dir: Path, by: str | None, now: datetime, fmt: str) -> None:
    """Plan the erasure (Art. 17) through the planner, or apply an approved plan of the case.

    The plan deletes what the confirmed and exact matches cover, except what must be kept
    (bookkeeping law, record or retaining labels, hired applicants), listed with the reason and the
    date it can go. Every deletion needs approval (class dsar_erasure). After an executed apply
    that settles every action the case closes with a statement.

    \b
    Example:
      m365-compliance dsar erase dsar-20261125-1a2b3c --config policy.toml --out erasure.json
      m365-compliance approve erasure.json --config policy.toml --class dsar_erasure --by "Marte Olsen"
      m365-compliance dsar erase dsar-20261125-1a2b3c --config policy.toml --apply erasure.json --execute
    """
    from m365_compliance.actions.limit_forecast import describe_forecast, forecast_apply
    from m365_compliance.dsar.service import apply_erasure, matches_of, plan_erasure

    config = load_policy(config_path)
    actor = _actor(by)
    with stdout_held(fmt):
        try:
            if plan_path is None:
                target = out or Path(f"{case_id}-erasure-plan.json")
                erasure = asyncio.run(plan_erasure(config, case_id, out=target, by=actor, now=now))
            else:
                applied = asyncio.run(apply_erasure(config, case_id, plan_path, execute=execute, by=actor, now=now,
                                                    out_dir=out_dir))
            case = matches_of(config, case_id)[0] if fmt == JSON else None
        except ComplianceError as error:
            fail_action(error)
    if case is not None:
        metadata = RunMetadata.of(config, now)
        if plan_path is None:
            emit(case_document("erase", case, metadata, erasure=erasure_plan_fields(erasure, target)))
            if erasure.plan.over_limits:
                forecast = forecast_apply(erasure.plan, erasure.populations, config.limits, erasure.approved)
                conclude(Verdict(INCOMPLETE, describe_forecast(forecast)))
            return
        emit(case_document("erase", case, metadata,
                           applied=erasure_apply_fields(applied.result, execute, applied.still_open),
                           closed=closed_fields(applied.closed.statement, applied.closed.files)
                           if applied.closed else None))
        failed = sum(o.result == "failed" for o in applied.result.outcomes)
        if failed:
            conclude(Verdict(INCOMPLETE, f"{failed} of {len(applied.result.outcomes)} actions failed; apply the "
                                         "erasure plan again to retry them."))
        return
    if plan_path is None:
        plan = erasure.plan
        kept = Counter(k.code for k in erasure.kept)
        say(f"Plan {plan.id} → {target}: {len(plan.actions)} deletion(s) of "
            f"{sum(a.items for a in plan.actions)} item(s); kept: "
            + (", ".join(f"{c} {n}" for c, n in sorted(kept.items())) or "nothing"))
        for check in plan.over_limits:
            say(f"  limit {check.limit} = {check.allowed:g}: {check.selected} selected [OVER]")
        say(f"Next: m365-compliance approve {target} --config {config_path} --class dsar_erasure --by NAME")
        if plan.over_limits:  # what apply will still do, as `plan` says it
            forecast = forecast_apply(plan, erasure.populations, config.limits, erasure.approved)
            conclude(Verdict(INCOMPLETE, describe_forecast(forecast)))
        return
    result = applied.result
    counts = ", ".join(f"{k} {v}" for k, v in result.counts().items()) or "nothing left to do"
    say(f"{'Applied' if execute else 'Dry run of'} plan {result.plan_id}: {counts}.")
    if applied.closed is not None:
        say(f"Case {case_id} closed. Statement: {applied.closed.files[0]}, {applied.closed.files[1]}")
    else:
        say(f"Case {case_id} stays open: {applied.still_open}")
    failed = sum(o.result == "failed" for o in result.outcomes)
    if failed:
        conclude(Verdict(INCOMPLETE, f"{failed} of {len(result.outcomes)} actions failed (listed above); apply the "
                                     "erasure plan again to retry them."))


@dsar_group.command("note", short_help="Record what a person did for the case.", exit_notes={
    OK.code: "recorded.",
    USAGE.code: "also an unknown case or an empty --text.",
})
@click.argument("case_id", metavar="CASE")
@config_option
@click.option("--text", required=True, help="What was done, e.g. the correction made and where.")
@by_option
@now_option
@format_option()
def note_command(case_id: str, config_path: Path, text: str, by: str | None, now: datetime, fmt: str) -> None:
    """Record what a person did for the case, e.g. a correction (Art. 16); the tool edits nothing itself.

    \b
    Example:
      m365-compliance dsar note dsar-20261125-1a2b3c --config policy.toml \\
          --text "Corrected the phone number in the CV's cover sheet" --by "Kari Nordmann"
    """
    from m365_compliance.dsar.service import add_note, matches_of

    config = load_policy(config_path)
    try:
        add_note(config, case_id, text=text, by=_actor(by), now=now)
        case = matches_of(config, case_id)[0] if fmt == JSON else None
    except ComplianceError as error:
        fail_action(error)
    if case is not None:
        emit(case_document("note", case, RunMetadata.of(config, now)))
        return
    say(f"Note recorded on {case_id}.")


@dsar_group.command("close", short_help="Close a case with its statement.", exit_notes={
    OK.code: "closed.",
    ERROR.code: "also not ready to close (the line says what is missing).",
    USAGE.code: "also an unknown case.",
})
@click.argument("case_id", metavar="CASE")
@config_option
@click.option("--note", default=None, help="A last note (for a correction: what was corrected).")
@out_dir_option
@by_option
@now_option
@format_option()
def close_command(case_id: str, config_path: Path, note: str | None, out_dir: Path, by: str | None,
                  now: datetime, fmt: str) -> None:
    """Close a case with its statement: JSON and a letter in Norwegian and English (written 0600).

    Access closes after the export, correction after a note, erasure after the plan was applied.

    \b
    Example:
      m365-compliance dsar close dsar-20261125-1a2b3c --config policy.toml --out statements/
    """
    from m365_compliance.dsar.service import close_case, matches_of

    config = load_policy(config_path)
    try:
        closed = close_case(config, case_id, out_dir=out_dir, note=note, by=_actor(by), now=now)
        case = matches_of(config, case_id)[0] if fmt == JSON else None
    except ComplianceError as error:
        fail_action(error)
    if case is not None:
        emit(case_document("close", case, RunMetadata.of(config, now), closed=closed_fields(closed.statement,
                                                                                              closed.files)))
        return
    say(f"Closed {case_id} ({closed.statement['outcome']}). Statement: {closed.files[0]}, {closed.files[1]}")


@dsar_group.command("list", short_help="Open cases by due date, due-soon and overdue marked.", exit_notes={
    OK.code: "listed (overdue cases included).",
})
@config_option
@click.option("--all", "include_closed", is_flag=True, help="Closed cases too.")
@format_option(json_flag=True)
@click.option("--show-subjects", is_flag=True, help="Also show the subjects' e-mails and names (personal data).")
@now_option
def list_command(config_path: Path, include_closed: bool, fmt: str, show_subjects: bool,
                 now: datetime) -> None:
    """Open cases by due date, with the due-soon and overdue ones marked.

    \b
    Example:
      m365-compliance dsar list --config policy.toml
      m365-compliance dsar list --config policy.toml --all --format json
    """
    from m365_compliance.dsar.service import list_states
    from m365_compliance.rules.dates import policy_today

    config = load_policy(config_path)
    today = policy_today(config, now)
    try:
        states = list_states(config, today, include_closed=include_closed)
    except ComplianceError as error:
        fail_action(error)
    if fmt == JSON:
        emit(list_document(states, RunMetadata.of(config, now), today, config.dsar.due_soon_days,
                           show_subjects=show_subjects))
        return
    if not states:
        say("No open data-subject requests." if not include_closed else "No data-subject requests.")
        return
    for s in states:
        who = f"  {s.case.subject_email} {s.case.subject_name or ''}".rstrip() if show_subjects else ""
        say(f"{s.case.case_id}  {s.case.kind:<10}  received {s.case.received}  due {s.case.due}  "
            f"{s.case.status:<21}  {s.flag:<8}  {s.items_found} item(s), {s.awaiting_confirmation} to "
            f"confirm{who}")
    overdue = sum(1 for s in states if s.overdue)
    soon = sum(1 for s in states if s.due_soon)
    say(f"{len(states)} case(s): {overdue} overdue, {soon} due within {config.dsar.due_soon_days} days.")


def _matches(matches: Sequence[Match], show_paths: bool) -> None:
    for m in matches:
        where = f"  {m.items[0].path}" if show_paths else ""
        say(f"  {m.match_id}  {m.scope:<11}  {m.status:<9}  {m.confidence:<6}  {m.rule}; "
            f"{len(m.items)} item(s){where}")
