"""Request, response and route table of the sandbox's Graph skin (moto's "urls.py" + "responses.py").

Handlers are plain functions ``handler(request) -> GraphResponse`` registered on a :class:`RouteTable`
with a path regex (named groups become ``request.params``) and a resource-unit cost (facts §7.1).
They may raise :class:`~m365_compliance.sandbox.tenant.SandboxError`; the app turns it into Graph's
error body. Paths are matched after URL-decoding and after stripping the ``/v1.0`` prefix.

Registration flows one way: resource modules register on :data:`ROUTES`, ``route_tables.py``
imports them all, and ``app.py`` serves the filled table. What a handler needs back from the app is
the :class:`Pipeline` protocol below, so no module under the app imports it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol
from urllib.parse import parse_qsl

from m365_compliance.sandbox.tenant import SandboxError, Tenant

GRAPH_VERSION = "v1.0"

#: OData system query options: ``$select`` and ``select`` are the same option (facts §3.3).
ODATA_OPTIONS = frozenset({"select", "expand", "top", "filter", "orderby", "skiptoken", "count", "search", "skip"})


@dataclass
class GraphRequest:
    method: str
    path: str  # decoded, without the /v1.0 prefix, e.g. "/drives/b!x/items/root/delta()"
    query: dict[str, str]  # decoded; "$select" and "select" both stored under "select"
    headers: dict[str, str]  # lower-case names
    body: bytes
    origin: str  # "http://127.0.0.1:8765"
    tenant: Tenant
    params: dict[str, str] = field(default_factory=dict)
    in_batch: bool = False
    app: Pipeline | None = None  # set by the app's dispatch: $batch re-enters the pipeline through it

    @property
    def base_url(self) -> str:
        return f"{self.origin}/{GRAPH_VERSION}"

    @property
    def prefer(self) -> set[str]:
        """Prefer header values, lower-cased (comma-separated, case-insensitive: facts §10.3)."""
        raw = self.headers.get("prefer", "")
        return {part.strip().lower() for part in raw.split(",") if part.strip()}

    def json(self) -> Any:
        if not self.body:
            raise SandboxError(400, "BadRequest", "A request body is required.")
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise SandboxError(400, "BadRequest", f"Unable to read JSON request payload: {exc}") from exc

    def select(self) -> set[str] | None:
        raw = self.query.get("select")
        if raw is None:
            return None
        return {part.strip() for part in raw.split(",") if part.strip()}

    def top(self, default: int, cap: int) -> int:
        raw = self.query.get("top")
        if raw is None:
            return default
        if not raw.isdigit() or int(raw) < 1:
            raise SandboxError(400, "invalidRequest", f"Invalid value '{raw}' for query option '$top'.")
        return min(int(raw), cap)


class Pipeline(Protocol):
    """What handlers need from the app serving them (``GraphRequest.app``): declared here, not
    imported from the app, so that the app depends on the handlers and never the other way round."""

    @property
    def tenant(self) -> Tenant: ...

    @property
    def download_key(self) -> bytes:
        """Signs pre-authenticated download URLs (``download.py``)."""
        ...

    def dispatch(self, request: GraphRequest) -> GraphResponse:
        """Route, throttle, run and count one request: ``$batch`` runs each item through it."""
        ...

    def error(self, status: int, code: str, message: str, inner_code: str | None = None) -> GraphResponse:
        """Graph's error answer with a fresh request-id."""
        ...


@dataclass
class GraphResponse:
    status: int
    body: Any = None  # JSON-serialisable, bytes (sent as they are: a file's content), or None for no body
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, default=_json_default, ensure_ascii=False).encode()


def ok(body: Any, status: int = 200, **headers: str) -> GraphResponse:
    return GraphResponse(status, body, dict(headers))


def no_content() -> GraphResponse:
    return GraphResponse(204)


def error_body(request_id: str, when: datetime, code: str, message: str, inner_code: str | None = None) -> dict[str, Any]:
    """Graph's error shape: ``{"error": {"code", "message", "innerError": {...}}}`` (facts §1.5, §7.3)."""
    inner: dict[str, Any] = {"date": when.strftime("%Y-%m-%dT%H:%M:%S"), "request-id": request_id,
                             "client-request-id": request_id}
    if inner_code:
        inner["code"] = inner_code
    return {"error": {"code": code, "message": message, "innerError": inner}}


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def iso(value: datetime) -> str:
    """UTC instant as Graph writes it: ``2026-11-25T02:00:00Z`` (naive values are taken as UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> datetime:
    """An ISO-8601 instant from a request body (``Z`` or an offset; naive values are taken as UTC)."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise SandboxError(400, "BadRequest", f"'{value}' is not an ISO-8601 date and time.") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def strip_version(path: str) -> str | None:
    """``/v1.0/sites`` → ``/sites``; None for any other version (only v1.0 is served)."""
    prefix = f"/{GRAPH_VERSION}"
    if path == prefix:
        return "/"
    if path.startswith(prefix + "/"):
        return path[len(prefix):]
    return None


def parse_query(query_string: str) -> dict[str, str]:
    """Decoded query options, OData names without their ``$`` and lower-cased (facts §3.3)."""
    result: dict[str, str] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        bare = name.lstrip("$").lower()
        result[bare if bare in ODATA_OPTIONS else name] = value
    return result


Handler = Callable[[GraphRequest], GraphResponse]
Cost = Callable[[GraphRequest], int]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    cost: Cost
    name: str  # endpoint label used in /_sandbox/stats, e.g. "GET /drives/{id}/root/delta"
    is_write: bool


class RouteTable:
    """Ordered (method, regex) → handler table; first match wins."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, *, name: str, cost: int | Cost = 1,
            write: bool | None = None) -> Callable[[Handler], Handler]:
        """Register a handler; ``write`` overrides the method's guess (``POST /$batch`` is not a write itself)."""
        compiled = re.compile(pattern + r"\Z")
        cost_fn: Cost = cost if callable(cost) else (lambda _req, _c=cost: _c)
        is_write = method.upper() in ("POST", "PATCH", "PUT", "DELETE") if write is None else write

        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method.upper(), compiled, handler, cost_fn, name, is_write=is_write))
            return handler

        return register

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for ``method path``; a path matched under another method answers 405 via None-with-flag."""
        for route in self.routes:
            if route.method != method.upper():
                continue
            found = route.pattern.match(path)
            if found:
                return route, {k: v for k, v in found.groupdict().items() if v is not None}
        return None

    def path_known(self, path: str) -> bool:
        return any(route.pattern.match(path) for route in self.routes)


#: The Graph table every resource module registers into; ``route_tables.py`` imports them all.
ROUTES = RouteTable()
