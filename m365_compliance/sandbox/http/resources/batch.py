"""JSON batching: ``POST /$batch`` (facts §6; Graph docs ``concepts/json-batching``).

Whole-batch 400s: unreadable body, more than 20 requests, a request without ``id``/``method``/``url``,
duplicate ids (compared case-insensitively), a ``dependsOn`` naming an id that is not *earlier* in
the array, or an absolute ``url``. Everything else is per item.

Item urls are relative to the version, with or without a leading ``/`` (``/users``, ``users?$top=1``:
both forms are in the docs' example). An absolute url is refused for the whole batch, "Invalid batch
payload format." (docs-contrib #8576, msgraph-sdk-javascript #1451; the docs say only "relative", so
the stricter of the observed answers is taken). A url that starts with the version (``/v1.0/users``)
is a per-item 400 "Resource not found for the segment 'v1.0'." (msgraph-sdk-javascript #1178).

Each item runs through the app's ``dispatch`` (``GraphRequest.app``) — the same routing, RU costing
and throttling as a lone request — so an item over budget gets its own ``429`` and ``Retry-After``
while the envelope stays ``200`` (facts §6.1: what Graph does in practice). Items run in array order;
an item whose ``dependsOn`` includes a failed (status ≥ 400) request gets ``424``. The SDK's
snake_case ``depends_on`` (always sent, facts §6.2) is ignored, as Graph ignores it. The envelope
costs no RU: SharePoint costs the items (facts §7.1).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from m365_compliance.sandbox.http.routing import (
    ROUTES,
    GraphRequest,
    GraphResponse,
    ok,
    parse_query,
)
from m365_compliance.sandbox.tenant import SandboxError

MAX_REQUESTS = 20
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
#: ``https://host/…``, ``//host/…``: a url with a scheme or an authority is not relative.
_ABSOLUTE = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?//")
_VERSIONS = ("v1.0", "beta")


@dataclass(frozen=True)
class BatchItem:
    id: str
    method: str
    url: str
    headers: dict[str, str]
    body: Any
    has_body: bool
    depends_on: tuple[str, ...]  # lower-cased ids


def _bad(message: str) -> SandboxError:
    return SandboxError(400, "BadRequest", message)


def parse_batch(payload: Any) -> list[BatchItem]:
    """The batch's requests, or a 400 for the whole batch."""
    if not isinstance(payload, dict) or not isinstance(payload.get("requests"), list):
        raise _bad("Invalid batch payload format: a 'requests' array is required.")
    raw_items = payload["requests"]
    if len(raw_items) > MAX_REQUESTS:
        raise _bad(f"The batch has {len(raw_items)} requests; the limit is {MAX_REQUESTS}.")
    items: list[BatchItem] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_items):
        if not isinstance(raw, dict):
            raise _bad(f"Request {index} of the batch is not a JSON object.")
        missing = [key for key in ("id", "method", "url") if not isinstance(raw.get(key), str) or not raw[key]]
        if missing:
            raise _bad(f"Request {index} of the batch lacks the required property '{missing[0]}'.")
        item_id = raw["id"]
        if _ABSOLUTE.match(raw["url"]):
            raise _bad(f"Invalid batch payload format: the url of request '{item_id}' must be relative to the "
                       "version, e.g. '/users', not absolute.")
        if item_id.lower() in seen:
            raise _bad(f"Batch request ids must be unique; '{item_id}' is used more than once.")
        depends = raw.get("dependsOn") or []
        if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
            raise _bad(f"dependsOn of request '{item_id}' must be an array of request ids.")
        for dependency in depends:
            if dependency.lower() not in seen:
                raise _bad(f"Invalid dependency: request '{item_id}' depends on '{dependency}', which is not an "
                           "earlier request of this batch.")
        headers = raw.get("headers") or {}
        if not isinstance(headers, dict):
            raise _bad(f"headers of request '{item_id}' must be a JSON object.")
        seen.add(item_id.lower())
        items.append(BatchItem(item_id, raw["method"].upper(), raw["url"],
                               {str(k).lower(): str(v) for k, v in headers.items()}, raw.get("body"),
                               raw.get("body") is not None, tuple(d.lower() for d in depends)))
    return items


def _target(url: str) -> tuple[str, str]:
    """(decoded path with a leading ``/``, raw query) of a relative item url."""
    path, _, query = url.partition("?")
    return "/" + unquote(path).lstrip("/"), query


def _body_bytes(item: BatchItem) -> bytes:
    """JSON bodies are re-serialised; a string body is base64 (facts §6.1)."""
    if not item.has_body:
        return b""
    if "content-type" not in item.headers:
        raise _bad(f"Write request id : {item.id} does not contain Content-Type header or body.")
    if isinstance(item.body, str):
        try:
            return base64.b64decode(item.body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _bad(f"The body of request '{item.id}' is a string but not base64.") from exc
    return json.dumps(item.body).encode()


def _run(envelope: GraphRequest, item: BatchItem) -> GraphResponse:
    assert envelope.app is not None, "batch items are dispatched through the app that received the batch"
    if item.method not in _METHODS:
        return envelope.app.error(400, "BadRequest", f"Method '{item.method}' is not supported in a batch.")
    try:
        body = _body_bytes(item)
    except SandboxError as exc:
        return envelope.app.error(exc.status, exc.code, exc.message)
    path, query = _target(item.url)
    first = path.split("/")[1]
    if first.lower() in _VERSIONS:  # relative to the version already: Graph reads "v1.0" as a resource
        return envelope.app.error(400, "BadRequest", f"Resource not found for the segment '{first}'.")
    if path == "/$batch":
        return envelope.app.error(400, "BadRequest", "A batch cannot contain another batch.")
    headers = dict(item.headers)
    if "authorization" in envelope.headers:
        headers.setdefault("authorization", envelope.headers["authorization"])
    request = GraphRequest(item.method, path, parse_query(query), headers, body, envelope.origin, envelope.tenant,
                           in_batch=True)
    return envelope.app.dispatch(request)


def _render(item_id: str, response: GraphResponse) -> dict[str, Any]:
    headers = dict(response.headers)
    rendered: dict[str, Any] = {"id": item_id, "status": response.status, "headers": headers}
    if response.body is not None:
        headers["Content-Type"] = "application/json"
        rendered["body"] = response.body
    return rendered


@ROUTES.add("POST", r"/\$batch", name="POST /$batch", cost=0, write=False)
def post_batch(request: GraphRequest) -> GraphResponse:
    if request.app is None:
        raise SandboxError(500, "generalException", "$batch needs the app pipeline to run its requests.")
    items = parse_batch(request.json())
    failed: set[str] = set()
    responses: list[dict[str, Any]] = []
    for item in items:
        blocker = next((d for d in item.depends_on if d in failed), None)
        if blocker is not None:
            response = request.app.error(424, "FailedDependency",
                                         f"Request '{item.id}' depends on a request that failed.")
        else:
            response = _run(request, item)
        if response.status >= 400:
            failed.add(item.id.lower())
        responses.append(_render(item.id, response))
    return ok({"responses": responses})
