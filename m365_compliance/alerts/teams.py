"""Teams: an Adaptive Card posted to a Power Automate *Workflows* webhook ("When a Teams webhook
request is received"), which answers ``202 Accepted``.

The webhook URL is a secret and lives in the environment variable the policy file names. Cards are
posted one after the other; the first that fails stops the rest (the channel is down or refusing),
and every alert not yet posted is reported failed, to be offered again next run. A ``429`` is waited
out once when its ``Retry-After`` is short (Teams throttles above four requests a second).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable, Mapping

import httpx

from m365_compliance.alerts import wire
from m365_compliance.alerts.model import AlertBatch, Delivery
from m365_compliance.alerts.teams_card import cards
from m365_compliance.alerts.texts import texts_for

Sleep = Callable[[float], Awaitable[None]]
#: What a retired Office 365 connector answers with status 200 when Teams refused the post (Teams docs,
#: "Rate limiting for connectors": "Connectors do not throw 429s").
_CONNECTOR_REFUSAL = re.compile(r"returned HTTP error (\d{3})")


class TeamsWorkflowSink:
    """``TeamsWorkflowSink("TEAMS_WEBHOOK_URL")``; ``environ``/``transport``/``sleep``/``timeout`` are for tests."""

    def __init__(self, url_env: str, *, environ: Mapping[str, str] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None, sleep: Sleep = asyncio.sleep,
                 timeout: httpx.Timeout = wire.TIMEOUT, max_retry_after: float = wire.MAX_RETRY_AFTER) -> None:
        self.url_env = url_env
        self._environ = os.environ if environ is None else environ
        self._transport = transport
        self._timeout = timeout
        self._sleep = sleep
        self._max_retry_after = max_retry_after

    @property
    def name(self) -> str:
        return f"teams:{self.url_env}"

    async def deliver(self, batch: AlertBatch) -> Delivery:
        keys = [a.key for a in batch.alerts]
        if not keys:
            return Delivery(self.name)
        url = self._environ.get(self.url_env, "").strip()
        if not url:
            return Delivery(self.name, failed=tuple(keys),
                            error=f"environment variable {self.url_env} is not set: no Teams webhook URL")
        if not wire.secure_url(url):
            return Delivery(self.name, failed=tuple(keys),
                            error=f"the Teams webhook URL in {self.url_env} is not https: refused to send")
        delivered: list[str] = []
        async with wire.client(transport=self._transport, timeout=self._timeout) as http:
            posts = cards(batch, texts_for(batch.language))
            for index, card in enumerate(posts):
                error = await self._post(http, url, wire.json_body(card.payload))
                if error is not None:
                    failed = [a.key for c in posts[index:] for a in c.alerts]
                    return Delivery(self.name, tuple(delivered), tuple(failed),
                                    f"card {index + 1} of {len(posts)}: {error}")
                delivered.extend(a.key for a in card.alerts)
        return Delivery(self.name, tuple(delivered))

    async def _post(self, http: httpx.AsyncClient, url: str, body: bytes) -> str | None:
        """None when Teams took the card, else why not."""
        for attempt in (1, 2):
            try:
                response = await http.post(url, content=body, headers={"Content-Type": "application/json"})
            except httpx.HTTPError as exc:
                return wire.transport_failure(exc)
            if response.status_code == 429 and attempt == 1:
                wait = wire.retry_after(response)
                if wait is not None and wait <= self._max_retry_after:
                    await self._sleep(wait)
                    continue
                return f"HTTP 429 (throttled; Retry-After {response.headers.get('retry-after', 'absent')})"
            if not response.is_success:
                return wire.status_failure(response)
            refused = _CONNECTOR_REFUSAL.search(response.text)
            return f"HTTP {refused[1]} (in the body of a {response.status_code} answer)" if refused else None
        return "HTTP 429 (still throttled after waiting once)"
