"""HTTP for the sinks that are not Microsoft Graph (a Teams Workflows webhook, the GitHub REST API).

Graph goes through the gateway; these two channels are plain JSON over HTTPS and need nothing of
its machinery. What they share is here: explicit timeouts, one bounded wait on ``Retry-After``, and
failure texts built from status codes and the channel's error code only — never the URL (a Teams
webhook URL is a secret: whoever holds it can post to the channel) and never a response text that
could echo what was sent.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from m365_compliance.config.clouds import is_loopback_url
from m365_compliance.graph.headers import retry_after_seconds

#: Connect fast or give up; a channel that takes longer than this to answer is reported as failed and
#: the alert is offered again next run.
TIMEOUT = httpx.Timeout(20.0, connect=10.0)
#: The longest ``Retry-After`` a sink waits for (once) before giving up until the next run.
MAX_RETRY_AFTER = 30.0
_CODE_MAX = 80


def client(*, base_url: str = "", headers: dict[str, str] | None = None,
           transport: httpx.AsyncBaseTransport | None = None, timeout: httpx.Timeout = TIMEOUT) -> httpx.AsyncClient:
    """An async client with explicit timeouts; redirects are not followed (a token must not travel on)."""
    return httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout, transport=transport,
                             follow_redirects=False)


def json_body(payload: Any) -> bytes:
    """The exact bytes sent, so a size limit can be checked on what goes on the wire."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def secure_url(url: str) -> bool:
    """https, or http on this machine only (a secret must not cross a network in clear text)."""
    return url.startswith("https://") or (url.startswith("http://") and is_loopback_url(url))


def transport_failure(exc: httpx.HTTPError) -> str:
    """What went wrong on the way, without the URL that httpx puts into its messages."""
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer in time ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect (ConnectError)"
    return f"transport error ({type(exc).__name__})"


def status_failure(response: httpx.Response) -> str:
    """``HTTP 400 (TriggerInputSchemaMismatch)``: the status and the channel's error code, if it sent one."""
    code = error_code(response)
    return f"HTTP {response.status_code}" + (f" ({code})" if code else "")


def error_code(response: httpx.Response) -> str | None:
    """``error.code`` (Power Automate) or ``message`` (GitHub: fixed texts such as "Not Found"), if JSON."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    if not isinstance(code, str):
        code = body.get("message")
    return code[:_CODE_MAX] if isinstance(code, str) and code else None


def retry_after(response: httpx.Response) -> float | None:
    return retry_after_seconds(response.headers.get("retry-after"))
