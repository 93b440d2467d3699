"""The ASGI application: Graph v1.0 under ``/v1.0``, the operator window under ``/_sandbox``.

A file's bytes are served outside ``/v1.0`` too, at the pre-authenticated download URL that
``…/content`` redirects to (``http/download.py``).

Order of work for one Graph request: decode the URL → bearer check (optional) → fault injection →
route → throttling against the RU budget → handler → stats. ``dispatch`` is the same pipeline without
the ASGI wrapping, used by ``$batch`` so that batch items are costed and throttled one by one
(facts §6.1, §7.1).

The app is the top of the package: it serves the tables ``route_tables.py`` fills, and handlers
reach back only through the ``Pipeline`` protocol (``routing.py``), so nothing in the package
imports this module; the server, the CLI and the demo do.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from m365_compliance.sandbox.http.download import DOWNLOAD_PATH, handle_download
from m365_compliance.sandbox.http.faults import FaultInjector, FaultPlan
from m365_compliance.sandbox.http.malformed import Malformer
from m365_compliance.sandbox.http.meter import Meter
from m365_compliance.sandbox.http.route_tables import CONTROL, ROUTES
from m365_compliance.sandbox.http.routing import (
    GRAPH_VERSION,
    GraphRequest,
    GraphResponse,
    error_body,
    parse_query,
    strip_version,
)
from m365_compliance.sandbox.tenant import SandboxError, Tenant


@dataclass
class SandboxOptions:
    ru_per_minute: int | None = None  # None: no budget enforced
    faults: FaultPlan = field(default_factory=FaultPlan)
    require_token: bool = False
    token: str | None = None  # with require_token: the one bearer token accepted (None: any)
    page_size: int = 200  # server page cap for collections and delta (facts §1.2)


class SandboxApp:
    """A Graph-compatible ASGI app over one :class:`Tenant`."""

    def __init__(self, tenant: Tenant, options: SandboxOptions | None = None) -> None:
        self.tenant = tenant
        self.options = options or SandboxOptions()
        self.meter = Meter(self.options.ru_per_minute)
        self.faults = FaultInjector(self.options.faults)
        self.malformed = Malformer()  # test hook: the next answer of a route, broken (http/malformed.py)
        self._request_ids = itertools.count(1)
        self.download_key = os.urandom(32)  # signs pre-authenticated download URLs (http/download.py)
        self._revoked: dict[str, int] = {}  # token → when it was revoked (epoch seconds), see rotate_token

    def rotate_token(self, token: str) -> None:
        """Accept only ``token`` from now on; the one accepted before gets a claims challenge.

        This is how Graph treats a token revoked under continuous access evaluation: 401 with a
        ``WWW-Authenticate`` ``insufficient_claims`` challenge whose claims ask for a token issued
        after the revocation (``nbf``); the client gets a new token with those claims and resends.
        """
        if self.options.token is not None and self.options.token != token:
            self._revoked[self.options.token] = int(time.time())
        self.options.require_token = True
        self.options.token = token

    # ------------------------------------------------------------------ ASGI
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = _headers(scope["headers"])
        raw_path = scope.get("raw_path") or scope["path"].encode()
        raw_path = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else raw_path
        query_string = scope.get("query_string", b"").decode("latin-1")
        host = headers.get("host", "127.0.0.1")
        origin = f"{scope.get('scheme', 'http')}://{host}"

        fault = self.faults.next_fault(raw_path)
        if fault is not None:
            self.meter.count_fault(fault.kind)  # every kind, drops and slow answers included
        if fault is not None and fault.kind == "drop":
            # An abrupt close without a response: the client sees a dropped connection.
            await send({"type": "http.response.start", "status": 500, "headers": [(b"connection", b"close")]})
            raise ConnectionResetError("sandbox fault injection: dropped connection")
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(fault.delay_seconds)

        if raw_path.startswith("/_sandbox"):
            response = self.operate(scope["method"], unquote(raw_path), query_string, body)
        elif raw_path.startswith(DOWNLOAD_PATH):
            response = handle_download(self, scope["method"], query_string)
        elif fault is not None and fault.kind in ("429", "503", "504"):
            response = self._fault_response(fault.kind)
        else:
            path = strip_version(unquote(raw_path))
            if path is None:
                response = self.error(400, "BadRequest", f"Only /{GRAPH_VERSION} is served by the sandbox.")
            else:
                request = GraphRequest(scope["method"], path, parse_query(query_string), headers, body, origin, self.tenant)
                response = self.malformed.apply(path, self.dispatch(request))
        await _send(send, response)

    # ------------------------------------------------------------------ pipeline
    def dispatch(self, request: GraphRequest) -> GraphResponse:
        """Route, throttle, run and count one Graph request (also used for each $batch item)."""
        if self.options.require_token:
            refused = self._check_token(request.headers.get("authorization", ""))
            if refused is not None:
                self.meter.count_refused()
                return refused
        path = _collapse_slashes(request.path)
        request.path = path
        matched = ROUTES.match(request.method, path)
        if matched is None:
            if ROUTES.path_known(path):
                return self.error(405, "Request_BadRequest", f"The HTTP method '{request.method}' is not allowed.")
            return self.error(400, "BadRequest", f"Resource not found for the segment '{path.rsplit('/', 1)[-1]}'.")
        route, params = matched
        request.params = params
        request.app = self
        with self.tenant.lock:
            try:
                cost = route.cost(request)
            except SandboxError:
                cost = 1
            throttled = self.meter.admit(route.name, cost)
            if throttled is not None:
                return self._throttled(throttled)
            try:
                response = route.handler(request)
            except SandboxError as exc:
                response = self.error(exc.status, exc.code, exc.message, exc.inner_code)
            self.meter.record(route.name, request.method, cost, response.status, is_write=route.is_write,
                              retry_attempt=request.headers.get("retry-attempt"))
            response.headers.update(self.meter.rate_limit_headers())
        return response

    def operate(self, method: str, path: str, query_string: str, body: bytes) -> GraphResponse:
        """Run one operator request (``path`` URL-decoded): not metered, throttled or faulted, and
        errors in a plain ``{"error": {"code", "message"}}`` body, not Graph's."""
        request = GraphRequest(method.upper(), path, parse_query(query_string), {}, body, "", self.tenant, app=self)
        matched = CONTROL.match(request.method, path)
        if matched is None:
            status = 405 if CONTROL.path_known(path) else 404
            return GraphResponse(status, {"error": {"code": "notFound" if status == 404 else "methodNotAllowed",
                                                    "message": f"No sandbox control at {method} {path}."}})
        route, request.params = matched
        try:
            with self.tenant.lock:
                return route.handler(request)
        except SandboxError as exc:
            return GraphResponse(exc.status, {"error": {"code": exc.code, "message": exc.message}})
        except ValueError as exc:  # the tenant's own argument checks (link scope, grant target, fault plan)
            return GraphResponse(400, {"error": {"code": "badRequest", "message": str(exc)}})

    def set_budget(self, ru_per_minute: int | None) -> None:
        """Enforce a per-minute RU budget from now on (facts §7.2); None lifts it."""
        self.options.ru_per_minute = ru_per_minute
        self.meter.ru_per_minute = ru_per_minute

    def _check_token(self, authorization: str) -> GraphResponse | None:
        """Graph's 401 ``InvalidAuthenticationToken``: "Access token is empty." without a bearer token,
        "Access token validation failure." for one it does not accept (microsoftgraph
        console-java-connect-sample #1 shows the body). Only ``options.token`` is accepted when set."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return self.error(401, "InvalidAuthenticationToken", "Access token is empty.")
        if self.options.token is not None and token.strip() != self.options.token:
            refused = self.error(401, "InvalidAuthenticationToken", "Access token validation failure.")
            revoked = self._revoked.get(token.strip())
            if revoked is not None:
                refused.headers["WWW-Authenticate"] = claims_challenge(revoked)
            return refused
        return None

    def error(self, status: int, code: str, message: str, inner_code: str | None = None) -> GraphResponse:
        """A Graph error answer with a fresh request-id (``$batch`` uses it for item-level errors)."""
        request_id = f"00000000-0000-4000-8000-{next(self._request_ids):012d}"
        return GraphResponse(status, error_body(request_id, self.tenant.now, code, message, inner_code),
                             {"request-id": request_id})

    def _throttled(self, retry_after: int) -> GraphResponse:
        response = self.error(429, "TooManyRequests", "Please retry again later.")
        response.body["error"]["innerError"].update({"code": "429", "message": "Please retry after", "status": "429"})
        response.headers["Retry-After"] = str(retry_after)
        response.headers.update(self.meter.rate_limit_headers(force=True))
        self.meter.count_throttled()
        return response

    def _fault_response(self, kind: str) -> GraphResponse:
        if kind == "429":
            response = self.error(429, "TooManyRequests", "Please retry again later.")
            response.headers["Retry-After"] = "1"
            return response
        if kind == "503":
            response = self.error(503, "serviceNotAvailable", "The service is temporarily unavailable.")
            response.headers["Retry-After"] = "1"
            return response
        return self.error(504, "gatewayTimeout", "The operation has timed out.")


def claims_challenge(not_before: int) -> str:
    """The CAE challenge for a revoked token (Entra "claims challenge" and "continuous access
    evaluation" pages): the claims request, base64-encoded, asks for a token not issued before then."""
    claims = {"access_token": {"nbf": {"essential": True, "value": str(not_before)}}}
    encoded = base64.b64encode(json.dumps(claims, separators=(",", ":")).encode()).decode()
    return ('Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
            f'client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="{encoded}"')


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Lower-case names; a header sent more than once is one comma-joined value (RFC 9110 §5.3), so
    ``Prefer: a`` and ``Prefer: b`` on separate lines read as ``Prefer: a, b``."""
    headers: dict[str, str] = {}
    for name, value in raw:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


def _collapse_slashes(path: str) -> str:
    """``//drives`` → ``/drives``: tolerate the double slash httpx's base_url produces (facts §8.1)."""
    while "//" in path:
        path = path.replace("//", "/")
    return path


async def _send(send: Any, response: GraphResponse) -> None:
    payload = response.encode()
    headers = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in response.headers.items()]
    if response.body is not None and not isinstance(response.body, bytes):
        headers.append((b"content-type", b"application/json; odata.metadata=minimal; charset=utf-8"))
    headers.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()
