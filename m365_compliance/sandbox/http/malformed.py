"""Broken answers on purpose: replace the next successful answer of a route with a malformed one.

Real Graph (or a proxy in front of it) has been seen to answer 200 with an HTML error page, a cut-off
body or an empty one; a client must treat each as "not read", never as an empty, compliant result.
An answer is replaced only when it would have been a 200 with a JSON body, once per call of
:meth:`Malformer.replace_next`, for the first Graph path that contains ``path_contains``. None of
these answers is real Graph behaviour; they exist to test the client (docs/sandbox.md).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from m365_compliance.sandbox.http.routing import GraphResponse

MALFORMED_KINDS = ("truncated", "html", "empty", "not-object", "huge", "wrong-types", "foreign-next-link",
                   "no-links")
FOREIGN_HOST = "https://graph.attacker.example"
HUGE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Replacement:
    path_contains: str
    kind: str


class Malformer:
    """Pending replacements, used in the order they were asked for."""

    def __init__(self) -> None:
        self._pending: list[Replacement] = []
        self._lock = threading.Lock()
        self.replaced = 0

    def replace_next(self, path_contains: str, kind: str) -> None:
        if kind not in MALFORMED_KINDS:
            raise ValueError(f"malformed answer kind must be one of {MALFORMED_KINDS}, not {kind!r}")
        with self._lock:
            self._pending.append(Replacement(path_contains, kind))

    def apply(self, path: str, response: GraphResponse) -> GraphResponse:
        if response.status != 200 or not isinstance(response.body, dict):
            return response
        with self._lock:
            chosen = next((r for r in self._pending if r.path_contains in path), None)
            if chosen is None:
                return response
            self._pending.remove(chosen)
            self.replaced += 1
        return _broken(chosen.kind, response)


def _broken(kind: str, response: GraphResponse) -> GraphResponse:
    body: dict[str, Any] = response.body
    headers = dict(response.headers)
    if kind == "truncated":
        encoded = response.encode()
        return GraphResponse(200, encoded[: max(1, len(encoded) // 2)], headers | {"content-type": "application/json"})
    if kind == "html":
        return GraphResponse(200, b"<html><body><h1>Service unavailable</h1></body></html>",
                             headers | {"content-type": "text/html"})
    if kind == "empty":
        return GraphResponse(200, b"", headers | {"content-type": "application/json"})
    if kind == "not-object":
        return GraphResponse(200, b"[1, 2, 3]", headers | {"content-type": "application/json"})
    if kind == "huge":
        return GraphResponse(200, {**body, "@sandbox.padding": "x" * HUGE_BYTES}, headers)
    if kind == "wrong-types":
        values = [{**{k: v for k, v in item.items() if k != "id"}, "size": "big", "createdDateTime": 7}
                  for item in body.get("value") or [{}]]
        return GraphResponse(200, {**body, "value": values}, headers)
    links = {k: v for k, v in body.items() if k not in ("@odata.nextLink", "@odata.deltaLink")}
    if kind == "foreign-next-link":
        return GraphResponse(200, {**links, "@odata.nextLink": f"{FOREIGN_HOST}/v1.0/drives/x/root/delta?token=1"},
                             headers)
    return GraphResponse(200, links, headers)  # no-links
