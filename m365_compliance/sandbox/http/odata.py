"""OData query options and paging links shared by the Graph collection handlers.

* ``$expand`` values arrive URL-decoded in both spellings the SDK and the docs use,
  ``listItem($expand=fields($select=A,B))`` and ``listItem(expand=fields(select=A,B))`` (facts §3.4,
  §10.6); :func:`parse_expand` turns them into a tree.
* ``$select`` keeps the named properties (case-insensitive), annotations (``@…``) and expanded
  navigation properties; ``*`` selects everything (facts §1.1 scan guidance: ``$select=*,sharepointIds``).
* Paging links are absolute and point at the request's own origin (facts §1.7, §10.2), carry the
  query options of the first request (as Graph's own links do, facts §1.1 scan guidance), and hold
  an opaque continuation token (base64url of a small JSON object).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection
from typing import Any
from urllib.parse import quote

from m365_compliance.sandbox.http.routing import GraphRequest

#: Server page size when no ``$top`` is given, and the cap a larger ``$top`` is clipped to.
DEFAULT_PAGE = 200
MAX_PAGE = 1000

#: Query options copied from a request into the paging links it produces.
_CARRIED = ("select", "expand", "top")

Expand = dict[str, dict[str, Any]]  # name -> {"select": set[str] | None, "expand": Expand}


def parse_expand(raw: str | None) -> Expand:
    """``listItem($expand=fields($select=A,B)),retentionLabel`` → nested ``{name: {select, expand}}``."""
    result: Expand = {}
    for part in _split(raw or "", ","):
        name, _, rest = part.partition("(")
        options: dict[str, str] = {}
        for option in _split(rest.removesuffix(")"), ";"):
            key, _, value = option.partition("=")
            options[key.strip().lstrip("$").lower()] = value.strip()
        select = options.get("select")
        result[name.strip()] = {
            "select": {s.strip() for s in select.split(",") if s.strip()} if select else None,
            "expand": parse_expand(options.get("expand")),
        }
    return result


def _split(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == sep and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def project(resource: dict[str, Any], select: Collection[str] | None,
            expanded: Collection[str] = frozenset()) -> dict[str, Any]:
    """Apply ``$select``: the named properties, every annotation, and the expanded relationships."""
    if select is None or "*" in select:
        return resource
    wanted = {name.lower() for name in (*select, *expanded)}
    return {k: v for k, v in resource.items() if k.startswith("@") or k.lower() in wanted}


def encode_token(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> dict[str, Any] | None:
    """The object behind an opaque token, or None for anything this sandbox did not issue."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def link(request: GraphRequest, path: str, **params: str) -> str:
    """An absolute link on the request's origin, carrying its ``$select``/``$expand``/``$top``."""
    query = [(f"${name}", request.query[name]) for name in _CARRIED if name in request.query]
    query += list(params.items())
    url = request.base_url + quote(path, safe="/!:,'()=")
    if query:
        url += "?" + "&".join(f"{name}={quote(value, safe=',')}" for name, value in query)
    return url


def page_size(request: GraphRequest) -> int:
    """``$top`` clipped to :data:`MAX_PAGE`, else :data:`DEFAULT_PAGE` (facts §1.2 server-driven paging)."""
    return request.top(DEFAULT_PAGE, MAX_PAGE)
