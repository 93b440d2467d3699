"""``m365-compliance drift …`` and ``alert``: what changed since the last evaluation, accepted
exceptions, and telling the configured sinks.

The terminal shows finding ids, controls, severities and counts; never a path (paths name applicants).
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path

import click

from m365_compliance.cli.machine_format import JSON, emit, format_option
from m365_compliance.cli.main import cli
from m365_compliance.cli.options import config_option, load_policy, now_option
from m365_compliance.cli.output import conclude, fail, say
from m365_compliance.errors import ComplianceError, StateError
from m365_compliance.exit_codes import ERROR, INCOMPLETE, OK, USAGE, Verdict
from m365_compliance.machine.envelope import RunMetadata
STATE_WORDS = {"new": "new", "still_failing": "still failing", "expired": "exception expired",
               "accepted": "accepted", "unverified": "gone, not verified (not evaluated)", "fixed": "fixed"}


@cli.group("drift")
def drift_group() -> None:
    """Drift (C8): each open finding as new, still failing or fixed since the previous evaluation, and
    the exceptions management has accepted.

    \b
    Example:
      m365-compliance drift show --config policy.toml
      m365-compliance drift accept C1-0123456789ab --config policy.toml --owner "Kari Nordmann" \\
          --reason "Auditor's read access until the audit closes" --expires 2027-01-31
    """


@drift_group.command("show", exit_notes={
    OK.code: "shown.",
    ERROR.code: "also no evaluation stored yet (run inventory and check).",
    USAGE.code: "also an --evaluation the store does not hold (the closest are named).",
})
@config_option
@now_option
@click.option("--evaluation", help="Show the drift of this evaluation (default: the latest).")
@format_option(json_flag=True)
def drift_show(config_path: Path, now: datetime, evaluation: str | None, fmt: str) -> None:
    """Show the latest evaluation's drift against the one before: counts by state, then each new,
    still failing or expired finding by id, and those that need the 72-hour breach assessment.
    --format json prints it as one JSON document, ids, states and dates only
    (docs/schemas/drift.schema.json).

    \b
    Example:
      m365-compliance drift show --config policy.toml
      m365-compliance drift show --config policy.toml --format json > drift.json
    """
    from m365_compliance.drift.history import UnknownEvaluation
    from m365_compliance.drift.service import drift_from_config

    config = load_policy(config_path)
    try:
        drift = drift_from_config(config, now, evaluation_id=evaluation)
    except ComplianceError as error:
        fail(error, USAGE.code if isinstance(error, UnknownEvaluation) else ERROR.code)
    if fmt == JSON:
        from m365_compliance.machine.drift_documents import drift_document

        emit(drift_document(drift, RunMetadata.of(config, now)))
        return
    previous = drift.previous_evaluation_id or "none (first evaluation: everything open is new)"
    say(f"Evaluation {drift.evaluation_id} against {previous}")
    counts = drift.counts()
    say("  " + ", ".join(f"{STATE_WORDS[s]}: {counts.get(s, 0)}" for s in STATE_WORDS))  # type: ignore[call-overload]
    for entry in drift.by_state("new", "expired", "still_failing"):
        f = entry.finding
        mark = "  ! breach assessment (GDPR Art. 33, 72 h)" if entry.breach_clock else ""
        say(f"  {STATE_WORDS[entry.state]:<18} {f.id}  {f.control} {f.severity:<6} {f.title}{mark}")


@drift_group.command("accept", exit_notes={
    OK.code: "recorded.",
    ERROR.code: "the state store failed.",
    USAGE.code: "also no owner or reason, an expiry in the past or more than a year ahead.",
})
@click.argument("finding_id")
@config_option
@now_option
@click.option("--owner", required=True, help="Who answers for the exception (a person or a role).")
@click.option("--reason", required=True, help="Why the finding is accepted (kept as evidence).")
@click.option("--expires", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The last day the exception holds (YYYY-MM-DD, at most a year ahead).")
@click.option("--by", "accepted_by", help="Who records it (default: the owner).")
def drift_accept(finding_id: str, config_path: Path, now: datetime, owner: str, reason: str,
                 expires: datetime, accepted_by: str | None) -> None:
    """Accept a finding as an exception until a date: it is reported as accepted and not alerted; when
    the exception expires it alerts again. Accepting again replaces the exception in force.

    \b
    Example:
      m365-compliance drift accept C3-4f2a9c1b7d3e --config policy.toml --owner "Daglig leder" \\
          --reason "Revisor trenger lesetilgang til 31.01" --expires 2027-01-31

    FINDING is the id of a finding open in the latest evaluation (`drift show` lists them); any other
    id is refused with the closest open ones, and nothing is recorded. Exceptions can also be written
    in exceptions.toml beside the policy file, reviewed like it (docs/drift.md).
    """
    from m365_compliance.drift.service import accept_exception

    config = load_policy(config_path)
    day: date = expires.date()
    try:
        accepted = accept_exception(config, finding_id, owner=owner, reason=reason, expires=day, now=now,
                                    accepted_by=accepted_by or owner)
    except ComplianceError as error:  # the store failing is a run-time error; anything else is the input's
        fail(error, exit_code=ERROR.code if isinstance(error, StateError) else USAGE.code)
    say(f"Exception for {accepted.finding_id} recorded until {accepted.expires.isoformat()}.")


@drift_group.command("revoke", exit_notes={
    OK.code: "revoked.",
    USAGE.code: "also no exception in force for that finding (the closest recorded ones are named).",
})
@click.argument("finding_id")
@config_option
def drift_revoke(finding_id: str, config_path: Path) -> None:
    """End the exception in force for a finding (it is kept as evidence, marked revoked).

    \b
    Example:
      m365-compliance drift revoke C3-4f2a9c1b7d3e --config policy.toml

    An exception written in exceptions.toml is ended by removing it from the file.
    """
    from m365_compliance.drift.exceptions import ExceptionError
    from m365_compliance.drift.service import revoke_exception

    config = load_policy(config_path)
    try:
        revoke_exception(config, finding_id)
    except ExceptionError as error:
        fail(error, exit_code=USAGE.code)
    except ComplianceError as error:
        fail(error)
    say(f"Exception for {finding_id} revoked.")


@drift_group.command("exceptions", exit_notes={OK.code: "listed."})
@config_option
@now_option
@format_option(json_flag=True)
def drift_exceptions(config_path: Path, now: datetime, fmt: str) -> None:
    """List every exception ever accepted: in force, expired or revoked, with owner, reason and expiry;
    then those of exceptions.toml beside the policy file (source: their place in the file).

    \b
    Example:
      m365-compliance drift exceptions --config policy.toml
      m365-compliance drift exceptions --config policy.toml --format json
    """
    from m365_compliance.drift.service import list_exceptions
    from m365_compliance.machine.drift_documents import declared_exception_row, exception_row, exceptions_document
    from m365_compliance.rules.dates import policy_today

    config = load_policy(config_path)
    today = policy_today(config, now)
    rows = [exception_row(e, today) for e in list_exceptions(config)]
    rows += [declared_exception_row(d, today, config.exceptions_file.name) for d in config.exceptions]
    if fmt == JSON:
        emit(exceptions_document(rows, RunMetadata.of(config, now)))
        return
    if not rows:
        say("No exceptions recorded.")
    for r in rows:
        source = f"  [{r['source']}]" if r["source"] != "cli" else ""
        say(f"{r['finding']}  {r['state']:<8} until {r['expires']}  owner: {r['owner']}  — {r['reason']}{source}")


@cli.command("alert", exit_notes={
    OK.code: "delivered, or nothing to say (or no sink configured).",
    ERROR.code: "also no evaluation stored yet.",
    INCOMPLETE.code: "a sink failed: the others were told, and what it missed is offered again next run.",
})
@config_option
@now_option
@click.option("--dry-run", is_flag=True, help="Decide and print what each sink would get; send nothing.")
@click.option("--report-url", help="A link to the full report to put in the alerts (e.g. the job's artifacts).")
def alert_command(config_path: Path, now: datetime, dry_run: bool, report_url: str | None) -> None:
    """Tell every configured sink (Teams, e-mail, GitHub issues, stdout) about the latest evaluation's
    drift: each new finding once, reminders at the sink's reminder_days, fixed once. A sink that fails
    does not stop the others; what it missed is offered again next run.

    \b
    Example:
      m365-compliance alert --config policy.toml --dry-run
      m365-compliance alert --config policy.toml --report-url "$RUN_URL"
    """
    from m365_compliance.drift.service import alert_from_config

    config = load_policy(config_path)
    if not config.alerts.sinks:
        say("No [[alerts.sinks]] in the policy file: nothing to tell.")
        return
    try:
        _drift, outcome = asyncio.run(alert_from_config(config, now, dry_run=dry_run, report_url=report_url))
    except ComplianceError as error:
        fail(error)
    for sink, alerts in outcome.offered.items():
        kinds = ", ".join(f"{k} {sum(a.kind == k for a in alerts)}" for k in ("new", "reminder", "fixed", "expired"))
        delivery = next((d for d in outcome.deliveries if d.sink == sink), None)
        result = "would send" if dry_run else "nothing to say" if not alerts else \
            "delivered" if delivery is not None and delivery.ok else f"FAILED ({delivery.error if delivery else '?'})"
        say(f"{sink}: {len(alerts)} alert(s) [{kinds}] — {result}", err=True)  # stdout: the JSON sink
    failed = [d.sink for d in outcome.deliveries if not d.ok]
    if failed:
        conclude(Verdict(INCOMPLETE, f"{len(failed)} of {len(outcome.offered)} sinks failed ({', '.join(failed)}): "
                                     "the others were told; what they missed is offered again next run."))
