"""Assemble msgraph-sdk on our own httpx client (facts §8.1, §8.3, §7.4).

credential → AzureIdentityAuthenticationProvider (explicit scopes, token only for the Graph host)
→ our httpx.AsyncClient (User-Agent, timeouts, wire hooks) → Graph middleware with Kiota's
RetryHandler off (``retry.py`` owns retries), all inside one deadline per exchange (``deadline.py``)
→ GraphRequestAdapter with ``base_url`` set explicitly (never httpx's ``base_url``: it yields
``/v1.0//drives``) → GraphServiceClient.
"""

from __future__ import annotations

from typing import cast

import httpx
from azure.core.credentials import TokenCredential
from kiota_abstractions.request_adapter import RequestAdapter
from kiota_abstractions.request_information import RequestInformation
from kiota_abstractions.request_option import RequestOption
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from kiota_http.middleware.options import RedirectHandlerOption, RetryHandlerOption, UrlReplaceHandlerOption
from msgraph._version import VERSION as SDK_VERSION
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import APIVersion, GraphClientFactory
from msgraph_core.middleware.options import GraphTelemetryHandlerOption

from m365_compliance.graph.deadline import Deadline, bound_exchanges
from m365_compliance.graph.pacing import Pacer
from m365_compliance.graph.settings import GatewaySettings
from m365_compliance.graph.stats import GatewayStats


class RedirectRefused(Exception):
    """Graph answered a redirect; the gateway turns it into a GraphError naming the call."""

    def __init__(self, status: int, location: str | None) -> None:
        super().__init__(f"redirect {status} to {location}")
        self.status, self.location = status, location


def middleware_options() -> dict[str, RequestOption]:
    """GraphRequestAdapter's own defaults plus a disabled RetryHandler (facts §8.3) and no redirects: Graph's
    API answers are never redirects, and following one would read "Graph's" answer from another origin
    (downloads, which do redirect, use their own client without the token)."""
    return {
        RetryHandlerOption.get_key(): RetryHandlerOption(max_retries=0, should_retry=False),
        RedirectHandlerOption.get_key(): RedirectHandlerOption(should_redirect=False),
        UrlReplaceHandlerOption.get_key(): UrlReplaceHandlerOption(
            enabled=True, replacement_pairs={"/users/me-token-to-replace": "/me"}),
        GraphTelemetryHandlerOption.get_key(): GraphTelemetryHandlerOption(api_version=APIVersion.v1,
                                                                           sdk_version=SDK_VERSION),
    }


def build_http_client(settings: GatewaySettings, *, stats: GatewayStats, pacer: Pacer,
                      transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The one httpx client. Its hooks see every request on the wire, retries and $batch included."""

    async def on_request(request: httpx.Request) -> None:
        stats.requests += 1

    async def on_response(response: httpx.Response) -> None:
        if 300 <= response.status_code < 400:  # redirects are off (middleware_options): never read one as an answer
            raise RedirectRefused(response.status_code, response.headers.get("location"))
        pacer.observe(response.headers)
        if response.status_code == 429:
            stats.throttled += 1
        elif response.status_code == 503:
            stats.unavailable += 1

    client = httpx.AsyncClient(
        headers={"User-Agent": settings.user_agent},
        timeout=httpx.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds),
        http2=not settings.is_loopback,
        transport=transport,
        event_hooks={"request": [on_request], "response": [on_response]},
    )
    wired: httpx.AsyncClient = GraphClientFactory.create_with_default_middleware(client=client,
                                                                                options=middleware_options())
    # Outermost, around Graph's middleware too: the whole exchange, body included, ends within the deadline.
    return bound_exchanges(wired, Deadline(settings.request_deadline_seconds, settings.min_bytes_per_second))


def build_graph_client(settings: GatewaySettings, credential: TokenCredential,
                       http_client: httpx.AsyncClient) -> GraphServiceClient:
    auth = AzureIdentityAuthenticationProvider(credential, scopes=list(settings.resolved_scopes),
                                               allowed_hosts=[settings.graph_host])
    adapter = GraphRequestAdapter(auth, client=http_client)
    adapter.base_url = settings.graph_url  # no trailing slash (settings strips it)
    return GraphServiceClient(request_adapter=adapter)


async def send_for_bytes(adapter: RequestAdapter, info: RequestInformation) -> bytes | None:
    """Send through the full SDK pipeline but keep the body raw (``$batch``, the delta hot path).

    Non-2xx answers still raise ``ODataError`` like any generated builder's call.
    """
    return cast("bytes | None", await adapter.send_primitive_async(info, "bytes", {"XXX": ODataError}))
