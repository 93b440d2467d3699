"""A tampering proxy in front of the sandbox: an httpx transport that rewrites Graph's answers.

Real Graph never sends these answers; a compromised proxy, a bug on the service side or a test that
wants to see what the client does with them might. ``rewrite(request, body)`` sees each JSON answer
and returns a new body (a dict or list, sent as JSON), raw ``bytes`` (sent as they are), a
:class:`Redirect`, or None to pass the answer through untouched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Redirect:
    location: str
    status: int = 302


Rewrite = Callable[[httpx.Request, dict[str, Any]], "dict[str, Any] | list[Any] | bytes | Redirect | None"]


class Tamper(httpx.AsyncBaseTransport):
    def __init__(self, rewrite: Rewrite) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._rewrite = rewrite
        self.rewritten = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        raw = await response.aread()
        if "json" not in response.headers.get("content-type", ""):
            return httpx.Response(response.status_code, headers=response.headers, content=raw)
        try:
            body = json.loads(raw)
        except ValueError:
            return httpx.Response(response.status_code, headers=response.headers, content=raw)
        changed = self._rewrite(request, body) if isinstance(body, dict) else None
        if changed is None:
            return httpx.Response(response.status_code, headers=response.headers, content=raw)
        self.rewritten += 1
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        if isinstance(changed, Redirect):
            return httpx.Response(changed.status, headers={"location": changed.location})
        content = changed if isinstance(changed, bytes) else json.dumps(changed).encode()
        return httpx.Response(response.status_code, headers=headers, content=content)

    async def aclose(self) -> None:
        await self._inner.aclose()
