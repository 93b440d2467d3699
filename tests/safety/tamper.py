"""A tampering proxy in front of the sandbox: an httpx transport that rewrites Graph's JSON answers.

Real Graph never sends these answers; a compromised proxy, a bug on the service side or a test
that wants to see what the client does with them might. ``rewrite(request, body)`` returns the new
body (or None to pass the answer through untouched).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

Rewrite = Callable[[httpx.Request, dict[str, Any]], dict[str, Any] | None]


class Tamper(httpx.AsyncBaseTransport):
    def __init__(self, rewrite: Rewrite) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._rewrite = rewrite
        self.rewritten = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if "json" not in response.headers.get("content-type", ""):
            return response
        raw = await response.aread()
        try:
            body = json.loads(raw)
        except ValueError:
            return httpx.Response(response.status_code, headers=response.headers, content=raw)
        changed = self._rewrite(request, body) if isinstance(body, dict) else None
        if changed is None:
            return httpx.Response(response.status_code, headers=response.headers, content=raw)
        self.rewritten += 1
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        return httpx.Response(response.status_code, headers=headers, content=json.dumps(changed).encode())

    async def aclose(self) -> None:
        await self._inner.aclose()
