"""Drift and alerts from a policy file: open the state store (and, for e-mail, the Graph gateway).

``gateway`` may be given (tests, the demo) and is then not closed here.
"""

from __future__ import annotations

from datetime import date, datetime

from m365_compliance.config.schema import Config
from m365_compliance.drift.compare import Drift
from m365_compliance.drift.exceptions import AcceptedException, ExceptionRepository
from m365_compliance.drift.history import load_drift
from m365_compliance.drift.notify import AlertOutcome, Channel, send_alerts
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.rules.dates import policy_today
from m365_compliance.state.tenancy import open_store


def drift_from_config(config: Config, now: datetime, *, evaluation_id: str | None = None) -> Drift:
    with open_store(config) as store:
        return load_drift(store, today=policy_today(config, now), tz=config.retention.timezone,
                          evaluation_id=evaluation_id)


def accept_exception(config: Config, finding_id: str, *, owner: str, reason: str, expires: date, now: datetime,
                     accepted_by: str | None = None) -> AcceptedException:
    with open_store(config) as store:
        return ExceptionRepository(store).accept(finding_id, owner=owner, reason=reason, expires=expires,
                                                 today=policy_today(config, now), accepted_by=accepted_by)


def revoke_exception(config: Config, finding_id: str) -> bool:
    with open_store(config) as store:
        return ExceptionRepository(store).revoke(finding_id)


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
        drift = load_drift(store, today=policy_today(config, now), tz=config.retention.timezone)
        outcome = await send_alerts(store, drift, channels, now=now, policy_version=config.policy_version,
                                    language=config.alerts.language, min_severity=config.alerts.min_severity,
                                    report_url=report_url, dry_run=dry_run)
    return drift, outcome
