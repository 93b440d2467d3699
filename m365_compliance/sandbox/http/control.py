"""The operator window ``/_sandbox/...`` (outside the Graph namespace). Filled in by the control module."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from m365_compliance.sandbox.http.routing import GraphResponse

if TYPE_CHECKING:
    from m365_compliance.sandbox.http.app import SandboxApp


def handle_control(app: SandboxApp, method: str, path: str, query_string: str, body: bytes) -> GraphResponse:
    if method == "GET" and path == "/_sandbox/stats":
        return GraphResponse(200, app.meter.snapshot())
    if method == "POST" and path == "/_sandbox/stats/reset":
        app.meter.reset()
        return GraphResponse(204)
    return GraphResponse(404, {"error": {"code": "notFound", "message": f"No sandbox control at {method} {path}"}})


_ = json
