"""The real msgraph-sdk pointed at the sandbox (facts §8.1), for the SDK-level endpoint tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from azure.core.credentials import AccessToken
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph_core import GraphClientFactory

from m365_compliance.sandbox.server import SandboxServer

T = TypeVar("T")


class StaticToken:
    """Any ``get_token(*scopes, **kwargs)`` works; the SDK passes ``claims``/``enable_cae`` (facts §8.2)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("sandbox-token", int(time.time()) + 3600)


def run(server: SandboxServer, work: Callable[[GraphServiceClient], Awaitable[T]]) -> T:
    """Run ``work`` with a GraphServiceClient whose adapter's base_url is the sandbox, in a fresh loop."""

    async def main() -> T:
        auth = AzureIdentityAuthenticationProvider(StaticToken(), scopes=["https://graph.microsoft.com/.default"],
                                                   allowed_hosts=["127.0.0.1"])
        async with httpx.AsyncClient(timeout=10) as http:
            adapter = GraphRequestAdapter(auth, client=GraphClientFactory.create_with_default_middleware(client=http))
            adapter.base_url = server.base_url
            return await work(GraphServiceClient(request_adapter=adapter))

    return asyncio.run(main())
