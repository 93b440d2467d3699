"""The gateway's plumbing: one SDK client on one httpx client, one retry policy, one answer guard.

Every request the gateway makes is built by msgraph-sdk (URL templates, headers, authentication,
middleware) and sent through :meth:`GraphSession._send_json`; its answer is read as plain JSON
through :class:`~m365_compliance.graph.answers.Answers`, so every path shares the same guard
against malformed, oversized or foreign answers. Reads and writes are in :mod:`.reads` and
:mod:`.writes`; :class:`~m365_compliance.graph.gateway.GraphGateway` joins them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, Protocol, TypeVar

import httpx
from azure.core.credentials import TokenCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_information import RequestInformation

from m365_compliance.graph.answers import Answers
from m365_compliance.graph.batch import ItemBatcher
from m365_compliance.graph.calls import Call
from m365_compliance.graph.client import build_graph_client, build_http_client, send_for_bytes
from m365_compliance.graph.credentials import build_credential
from m365_compliance.graph.deadline import Deadline, bound_exchanges
from m365_compliance.graph.pacing import Clock, Pacer, Sleep
from m365_compliance.graph.retry import RetryPolicy
from m365_compliance.graph.settings import GatewaySettings
from m365_compliance.graph.stats import GatewayStats

T = TypeVar("T")


class Builder(Protocol):
    """A generated request builder: builds a GET for itself or for an absolute link."""

    def with_url(self, raw_url: str) -> Any: ...

    def to_get_request_information(self, request_configuration: Any = None) -> RequestInformation: ...


class GraphSession:
    """Construction, closing and the shared request path of :class:`~m365_compliance.graph.gateway.GraphGateway`."""

    def __init__(self, settings: GatewaySettings, *, credential: TokenCredential | None = None,
                 transport: httpx.AsyncBaseTransport | None = None, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        """``transport``/``clock``/``sleep`` exist for tests (in-process ASGI, no real waiting)."""
        self.settings = settings
        self.stats = GatewayStats()
        self._credential = credential or build_credential(settings)
        self._owns_credential = credential is None
        self._pacer = Pacer(settings.ru_per_minute, stats=self.stats, clock=clock, sleep=sleep)
        self._http = build_http_client(settings, stats=self.stats, pacer=self._pacer, transport=transport)
        self._graph = build_graph_client(settings, self._credential, self._http)
        self._answers = Answers(settings.graph_url, settings.max_answer_bytes)
        self._retry = RetryPolicy(max_retries=settings.max_retries, max_wait_seconds=settings.max_wait_seconds,
                                  pacer=self._pacer, stats=self.stats, sleep=sleep,
                                  run_wait_budget=settings.run_wait_budget_seconds,
                                  connect_retries=settings.connect_retries, target=settings.graph_url,
                                  read_timeout=settings.timeout_seconds)
        self._batcher = ItemBatcher(self._graph.request_adapter, self._retry, self._pacer, self.stats,
                                    self._answers, sleep=sleep, max_rounds=settings.max_retries,
                                    max_wait_seconds=settings.max_wait_seconds)
        self._drive_sites: dict[str, str] = {}  # drive id → site id, to qualify site-group ids
        self._transport = transport
        self._download_http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        if self._download_http is not None:
            await self._download_http.aclose()
        close = getattr(self._credential, "close", None)
        if self._owns_credential and callable(close):
            close()

    # ------------------------------------------------------------------ the shared request path
    async def _run(self, call: Call, send: Callable[[], Awaitable[T]]) -> T:
        return await self._retry.run(call, send)

    async def _send_json(self, call: Call, info: Callable[[], RequestInformation]) -> dict[str, Any] | None:
        """Send the request ``info()`` builds (again on each retry) and read its answer through the guard."""
        async def send() -> dict[str, Any] | None:
            return self._answers.object(await send_for_bytes(self._graph.request_adapter, info()), call)

        return await self._run(call, send)

    async def _get_json(self, call: Call, builder: Builder, cfg: RequestConfiguration[Any],
                        link: str | None = None) -> dict[str, Any] | None:
        """One GET built by the SDK (``link``: an absolute nextLink), its answer as plain JSON."""
        return await self._send_json(call, lambda: builder.with_url(link).to_get_request_information() if link
                                     else builder.to_get_request_information(cfg))

    async def _collect_json(self, call: Call, builder: Builder, cfg: RequestConfiguration[Any],
                            record: Callable[[Any], T], *, first_page_only: bool = False) -> list[T]:
        """Every value of a paged collection as ``record(json)``, following absolute nextLinks on the same
        Graph (or the first page only: ``doctor``'s probes). One page of raw JSON is held at a time."""
        values: list[T] = []
        page = await self._get_json(call, builder, cfg)
        while page is not None:
            values.extend(self._answers.records(page, record, call))
            link = self._answers.own_link(page, "@odata.nextLink", call)
            if not link or first_page_only:
                break
            page = await self._get_json(call, builder, cfg, link)
        return values

    def _downloads(self) -> httpx.AsyncClient:
        """A plain client for pre-authenticated download URLs: no Graph middleware, no token. A file may be
        large, so its bytes are not under the fixed deadline: the headers are, and every byte received
        extends it at ``min_bytes_per_second``; a stall ends at the read timeout (``deadline.py``)."""
        if self._download_http is None:
            settings = self.settings
            self._download_http = bound_exchanges(httpx.AsyncClient(
                headers={"User-Agent": settings.user_agent}, transport=self._transport, follow_redirects=True,
                timeout=httpx.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds)),
                Deadline(settings.request_deadline_seconds, settings.min_bytes_per_second, received_extends=True))
        return self._download_http


def request_config(query: Any = None, *, prefer: Sequence[str] = (), if_match: str | None = None,
                   options: list[Any] | None = None, exclude_parents: bool = False) -> RequestConfiguration[Any]:
    cfg: RequestConfiguration[Any] = RequestConfiguration(query_parameters=query, options=options)
    if exclude_parents:
        # Facts §1.1: changed items without their parent chain. Items are tracked by id, so the
        # chain adds nothing but cost (every ancestor root would be re-read for its permissions).
        cfg.headers.add("deltaExcludeParent", "true")
    if prefer:
        cfg.headers.add("Prefer", ", ".join(prefer))
    if if_match:
        cfg.headers.add("If-Match", if_match)
    return cfg
