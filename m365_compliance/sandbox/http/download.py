"""Pre-authenticated download URLs: where ``GET …/content`` redirects and ``@microsoft.graph.downloadUrl`` points.

Graph answers a content request with ``302 Found`` and a ``Location`` that needs no
``Authorization`` header and is valid for a few minutes (``driveitem-get-content.md``). The
sandbox's URL has SharePoint's shape, ``{origin}/_layouts/15/download.aspx?UniqueId={guid}&tempauth=…``,
on the sandbox's own origin (plain http is allowed on loopback only, facts §8.1). ``tempauth`` is the
drive and item id and an expiry ten minutes ahead on the tenant clock, signed with the app's key:
a changed, foreign or expired token answers 401, a deleted file 404. It is not Graph traffic, so it
is neither metered nor throttled (Graph charges the ``/content`` request).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from urllib.parse import parse_qsl, quote

from m365_compliance.sandbox.http.odata import decode_token, encode_token
from m365_compliance.sandbox.http.routing import (
    GraphRequest,
    GraphResponse,
    Pipeline,
    iso,
    parse_iso,
)
from m365_compliance.sandbox.model import Item
from m365_compliance.sandbox.tenant import SandboxError

DOWNLOAD_PATH = "/_layouts/15/download.aspx"
VALID_FOR = timedelta(minutes=10)


def download_url(request: GraphRequest, item: Item) -> str:
    """A URL that serves ``item``'s bytes to anyone holding it, until it expires."""
    assert request.app is not None
    payload = encode_token({"d": item.drive_id, "i": item.id, "exp": iso(request.tenant.now + VALID_FOR)})
    token = f"{payload}.{_sign(request.app, payload)}"
    return f"{request.origin}{DOWNLOAD_PATH}?UniqueId={item.guid}&tempauth={quote(token)}"


def handle_download(app: Pipeline, method: str, query_string: str) -> GraphResponse:
    if method.upper() != "GET":
        return app.error(405, "Request_BadRequest", f"The HTTP method '{method}' is not allowed.")
    token = dict(parse_qsl(query_string)).get("tempauth", "")
    payload, _, signature = token.partition(".")
    data = decode_token(payload) if signature else None
    if data is None or not hmac.compare_digest(signature, _sign(app, payload)):
        return app.error(401, "InvalidAuthenticationToken", "The download token is not valid.")
    if parse_iso(str(data.get("exp"))) < app.tenant.now:
        return app.error(401, "InvalidAuthenticationToken", "The download token has expired; request the "
                                                            "content again for a new URL.")
    try:
        with app.tenant.lock:
            item = app.tenant.item(str(data.get("d")), str(data.get("i")))
            body = app.tenant.file_content(item)
    except SandboxError as exc:
        return app.error(exc.status, exc.code, exc.message, exc.inner_code)
    return GraphResponse(200, body, {"Content-Type": item.mime_type or "application/octet-stream", "ETag": item.etag})


def _sign(app: Pipeline, payload: str) -> str:
    return hmac.new(app.download_key, payload.encode(), hashlib.sha256).hexdigest()[:32]
