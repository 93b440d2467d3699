"""E-mail: one message per batch, sent through Graph ``sendMail`` from the configured mailbox.

The gateway is passed in (it is the only code that speaks Graph, and the run already has one);
a run without Graph access reports the e-mail as failed and the alerts wait for the next run. The
app needs the Mail.Send application permission; a 403 is reported with the gateway's hint naming it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from m365_compliance.alerts import mail_html
from m365_compliance.alerts.model import AlertBatch, Delivery
from m365_compliance.alerts.texts import texts_for
from m365_compliance.graph.errors import GraphError

if TYPE_CHECKING:
    from m365_compliance.graph.gateway import GraphGateway


class GraphMailSink:
    """``GraphMailSink("compliance@tretoen.no", ["ledelse@tretoen.no"], gateway)``."""

    def __init__(self, from_user: str, to: Sequence[str], gateway: GraphGateway | None) -> None:
        self.from_user = from_user
        self.to = tuple(to)
        self._gateway = gateway

    @property
    def name(self) -> str:
        return f"email:{self.from_user}"

    async def deliver(self, batch: AlertBatch) -> Delivery:
        keys = tuple(a.key for a in batch.alerts)
        if not keys:
            return Delivery(self.name)
        if self._gateway is None:
            return Delivery(self.name, failed=keys, error="no Graph connection in this run: e-mail not sent")
        texts = texts_for(batch.language)
        try:
            await self._gateway.send_mail(self.from_user, mail_html.subject(batch, texts),
                                          mail_html.body(batch, texts), self.to)
        except GraphError as exc:
            return Delivery(self.name, failed=keys, error=failure(exc))
        return Delivery(self.name, delivered=keys)


def failure(exc: GraphError) -> str:
    """``Graph 403 ErrorAccessDenied: Grant the app … Mail.Send …``: status, code and our hint, not Graph's text
    (which may quote an address)."""
    status = exc.status if exc.status is not None else type(exc).__name__
    code = f" {exc.code}" if exc.code else ""
    return f"Graph {status}{code}: {exc.hint}"
