"""The configured sinks, and delivering to all of them so that no sink can stop the run.

A sink answers a failed :class:`Delivery` for a channel failure; :func:`deliver_all` also turns an
exception (a bug in one sink) or a hang into one, and counts any alert a sink did not account for as
failed, so drift offers it again next run. Log lines carry counts and the error only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from m365_compliance.alerts.email import GraphMailSink
from m365_compliance.alerts.github import GithubIssueSink
from m365_compliance.alerts.model import AlertBatch, Delivery, Sink
from m365_compliance.alerts.stdout import JsonLinesSink
from m365_compliance.alerts.teams import TeamsWorkflowSink
from m365_compliance.config.schema import Config, EmailSink, GithubSink, TeamsSink
from m365_compliance.errors import ConfigError

if TYPE_CHECKING:
    from m365_compliance.graph.gateway import GraphGateway

log = logging.getLogger(__name__)

#: The longest one sink may take; GitHub spaces its writes a second apart, so this allows hundreds.
DELIVERY_TIMEOUT = 900.0


def build_sinks(config: Config, *, gateway: GraphGateway | None,
                environ: Mapping[str, str] | None = None) -> list[Sink]:
    """One sink per ``[[alerts.sinks]]`` entry; ``gateway`` sends the e-mail (None: e-mail fails, reported)."""
    sinks: list[Sink] = []
    for entry in config.alerts.sinks:
        sink: Sink
        if isinstance(entry, TeamsSink):
            sink = TeamsWorkflowSink(entry.url_env, environ=environ)
        elif isinstance(entry, EmailSink):
            sink = GraphMailSink(entry.from_user, entry.to, gateway)
        elif isinstance(entry, GithubSink):
            sink = GithubIssueSink(entry.repo, entry.token_env, entry.api_url, environ=environ)
        else:
            sink = JsonLinesSink()
        if any(s.name == sink.name for s in sinks):
            raise ConfigError(f"{config.source}: two [[alerts.sinks]] are both {sink.name!r}",
                              key="alerts.sinks", value=sink.name, allowed="each sink once",
                              hint="What was told is recorded per sink: remove the duplicate entry.")
        sinks.append(sink)
    return sinks


async def deliver_all(sinks: Sequence[Sink], batches_by_sink: Mapping[str, AlertBatch], *,
                      timeout: float = DELIVERY_TIMEOUT) -> list[Delivery]:
    """Every sink's :class:`Delivery`, in the order of ``sinks``; sinks run side by side.

    ``batches_by_sink`` is keyed by :attr:`Sink.name`; a sink without a batch (or with an empty one)
    is not called and answers an empty delivery.
    """
    return list(await asyncio.gather(*(_deliver(sink, batches_by_sink.get(sink.name), timeout) for sink in sinks)))


async def _deliver(sink: Sink, batch: AlertBatch | None, timeout: float) -> Delivery:
    if batch is None or not batch.alerts:
        return Delivery(sink.name)
    keys = tuple(a.key for a in batch.alerts)
    try:
        delivery = await asyncio.wait_for(sink.deliver(batch), timeout)
    except TimeoutError:
        delivery = Delivery(sink.name, failed=keys, error=f"no result within {timeout:g} seconds")
    except Exception as exc:  # a bug in one sink must not stop the run or lose its alerts
        log.debug("sink %s raised", sink.name, exc_info=True)
        delivery = Delivery(sink.name, failed=keys, error=f"the sink failed unexpectedly ({type(exc).__name__})")
    delivery = _accounted(delivery, keys)
    fields = {"sink": delivery.sink, "delivered": len(delivery.delivered), "failed": len(delivery.failed)}
    if delivery.error:
        log.warning("alerts to %s: %d delivered, %d failed: %s", delivery.sink, len(delivery.delivered),
                    len(delivery.failed), delivery.error, extra={"fields": fields})
    else:
        log.info("alerts to %s: %d delivered", delivery.sink, len(delivery.delivered), extra={"fields": fields})
    return delivery


def _accounted(delivery: Delivery, keys: tuple[str, ...]) -> Delivery:
    """Only this batch's keys; one the sink did not mention (or named both ways) is failed."""
    failed = set(delivery.failed) & set(keys)
    delivered = tuple(k for k in keys if k in set(delivery.delivered) and k not in failed)
    missing = [k for k in keys if k not in delivered and k not in failed]
    if not missing and len(delivered) == len(delivery.delivered) and len(failed) == len(delivery.failed):
        return delivery
    error = delivery.error or f"the sink did not account for {len(missing)} alert(s)"
    return Delivery(delivery.sink, delivered, tuple(k for k in keys if k not in delivered), error)
