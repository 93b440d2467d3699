"""Drift and alerts from a policy file: open the state store (and, for e-mail, the Graph gateway).

``gateway`` may be given (tests, the demo) and is then not closed here.
"""

from __future__ import annotations

from datetime import date, datetime

from m365_compliance.config.schema import EXCEPTIONS_FILE, Config
from m365_compliance.drift.compare import Drift
from m365_compliance.drift.exceptions import AcceptedException, ExceptionError, ExceptionRepository
from m365_compliance.drift.history import load_drift
from m365_compliance.drift.notify import AlertOutcome, Channel, send_alerts
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.rules.dates import policy_today
from m365_compliance.rules.findings import Finding
from m365_compliance.state.findings_repo import FindingsRepository
from m365_compliance.state.store import StateStore
from m365_compliance.state.tenancy import open_store
from m365_compliance.suggest import did_you_mean, listing


def drift_from_config(config: Config, now: datetime, *, evaluation_id: str | None = None) -> Drift:
    with open_store(config) as store:
        return load_drift(store, today=policy_today(config, now), tz=config.retention.timezone,
                          evaluation_id=evaluation_id, declared=config.exceptions)


def accept_exception(config: Config, finding_id: str, *, owner: str, reason: str, expires: date, now: datetime,
                     accepted_by: str | None = None) -> AcceptedException:
    """Record an exception for a finding open in the latest evaluation; any other id is refused (ExceptionError)
    with the open ones closest to it, and nothing is recorded."""
    with open_store(config) as store:
        _require_open(store, finding_id)
        return ExceptionRepository(store).accept(finding_id, owner=owner, reason=reason, expires=expires,
                                                 today=policy_today(config, now), accepted_by=accepted_by)


def revoke_exception(config: Config, finding_id: str) -> None:
    """End the exception in force for ``finding_id``; ExceptionError when there is none to end here."""
    with open_store(config) as store:
        repo = ExceptionRepository(store)
        if repo.revoke(finding_id):
            return
        declared = [d for d in config.exceptions if d.finding_id == finding_id or any(
            d.matches(f) for f in _latest_findings(store) if f.id == finding_id)]
        if declared:
            raise ExceptionError(f"The exception for {finding_id} is `{declared[0].key}` of {EXCEPTIONS_FILE}, not "
                                 "one recorded with `drift accept`.",
                                 hint=f"Remove or change `{declared[0].key}` in {config.exceptions_file.name} beside "
                                      "the policy file (a reviewed change).")
        in_force = sorted(repo.current())
        raise ExceptionError(f"No exception recorded for {finding_id}{did_you_mean(finding_id, in_force)}.",
                             hint=f"Recorded exceptions: {listing(in_force)} (`m365-compliance drift exceptions`).")


def _latest_findings(store: StateStore) -> list[Finding]:
    findings = FindingsRepository(store)
    latest = findings.latest_evaluation()
    return findings.findings_of(latest.id) if latest is not None else []


def _require_open(store: StateStore, finding_id: str) -> None:
    """Refuse an id that is not an open finding of the latest evaluation, saying what it is instead."""
    repo = FindingsRepository(store)
    if repo.latest_evaluation() is None:
        raise ExceptionError("No evaluation is stored yet, so there is no finding to accept.",
                             hint="Run `m365-compliance inventory` and `m365-compliance check` first.")
    found = {f.id: f for f in _latest_findings(store)}
    open_ids = sorted(fid for fid, f in found.items() if f.is_open)
    if finding_id in open_ids:
        return
    if finding_id in found:
        raise ExceptionError(f"Finding {finding_id} is {found[finding_id].status} in the latest evaluation, not "
                             "open: there is nothing to accept.",
                             hint="Only open findings (failing, or not evaluated) are accepted as exceptions.")
    if repo.ever_stored(finding_id):
        raise ExceptionError(f"Finding {finding_id} is not in the latest evaluation (it is fixed or out of scope): "
                             "there is nothing to accept.",
                             hint="`m365-compliance drift show` lists the open findings.")
    raise ExceptionError(f"There is no finding {finding_id!r} in the latest evaluation"
                         f"{did_you_mean(finding_id, open_ids)}.",
                         hint="Give the id of an open finding (like C1-0123456789ab) from `m365-compliance drift "
                              f"show`; open now: {listing(open_ids)}.")


def list_exceptions(config: Config) -> list[AcceptedException]:
    with open_store(config) as store:
        return ExceptionRepository(store).all()


async def alert_from_config(config: Config, now: datetime, *, gateway: GraphGateway | None = None,
                            dry_run: bool = False, report_url: str | None = None) -> tuple[Drift, AlertOutcome]:
    """The latest evaluation's drift, told to every configured sink."""
    from m365_compliance.alerts.sinks import build_sinks
    from m365_compliance.graph.configured import gateway_settings

    needs_graph = any(s.type == "email" for s in config.alerts.sinks) and not dry_run
    if gateway is None and needs_graph:
        async with GraphGateway(gateway_settings(config)) as graph:
            return await alert_from_config(config, now, gateway=graph, dry_run=dry_run, report_url=report_url)
    channels = [Channel(sink, configured.reminder_days)
                for sink, configured in zip(build_sinks(config, gateway=gateway), config.alerts.sinks, strict=True)]
    with open_store(config) as store:
        drift = load_drift(store, today=policy_today(config, now), tz=config.retention.timezone,
                           declared=config.exceptions)
        outcome = await send_alerts(store, drift, channels, now=now, policy_version=config.policy_version,
                                    language=config.alerts.language, min_severity=config.alerts.min_severity,
                                    report_url=report_url, dry_run=dry_run)
    return drift, outcome
