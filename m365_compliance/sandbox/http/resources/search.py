"""Microsoft Search over the tenant's files: ``POST /search/query`` with ``entityTypes: ["driveItem"]``.

Sources: ``search-query.md`` (application permissions Files.Read.All or Sites.Read.All; body
``{"requests": [searchRequest]}``; answer ``{"value": [searchResponse]}``), ``resources/searchrequest.md``
(``entityTypes``, ``query.queryString``, ``from``, ``size`` up to 500, ``region`` "required for
searches that use application permissions"), ``search-concept-files.md`` (driveItem hits: ``hitId``,
``rank``, ``summary``, ``resource`` with ``@odata.type``), ``search-concept-searchall.md`` (app-only:
one region). A request without ``region`` answers 400 ``SearchRequest Invalid (Region is required when
request with application permission.)``, the message reported in microsoft-graph-docs-contrib #1286
and PR #9085 — every sandbox caller is an application. What the query language covers is in
:mod:`m365_compliance.sandbox.search_index`; docs/sandbox-endpoints-drives.md lists the differences.
Not SharePoint traffic: charged 1 RU in the sandbox meter.
"""

from __future__ import annotations

from typing import Any

from m365_compliance.sandbox.http import access
from m365_compliance.sandbox.http.routing import ROUTES, GraphRequest, GraphResponse, ok
from m365_compliance.sandbox.http.serialize import drive_item
from m365_compliance.sandbox.search_index import parse_query, search, search_terms
from m365_compliance.sandbox.tenant import SandboxError

#: Application permissions that may search (``search-query.md``); Sites.Selected is not among them.
SEARCH_PERMISSIONS = ("Files.Read.All", "Sites.Read.All", "Files.ReadWrite.All", "Sites.ReadWrite.All",
                      "Sites.FullControl.All")
DEFAULT_SIZE = 25
MAX_SIZE = 500
_HIT_KEYS = ("id", "name", "webUrl", "size", "createdDateTime", "lastModifiedDateTime", "createdBy",
             "lastModifiedBy", "parentReference", "fileSystemInfo", "file", "folder")


def _bad(message: str) -> SandboxError:
    return SandboxError(400, "BadRequest", f"SearchRequest Invalid ({message})")


@ROUTES.add("POST", r"/search/query", name="POST /search/query", cost=1, write=False)
def query(request: GraphRequest) -> GraphResponse:
    if not access.caller(request).has_any(*SEARCH_PERMISSIONS):
        raise SandboxError(403, "Forbidden", "Access to the search API requires Files.Read.All or Sites.Read.All.")
    body = request.json()
    requests = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(requests, list) or len(requests) != 1 or not isinstance(requests[0], dict):
        raise _bad("The body must hold exactly one request in 'requests'.")
    wanted = requests[0]
    if wanted.get("entityTypes") != ["driveItem"]:
        raise _bad("The sandbox searches entityTypes [\"driveItem\"] only.")
    text = (wanted.get("query") or {}).get("queryString") if isinstance(wanted.get("query"), dict) else None
    if not isinstance(text, str) or not text.strip():
        raise _bad("query.queryString is required.")
    if not isinstance(wanted.get("region"), str) or not wanted["region"].strip():
        raise _bad("Region is required when request with application permission.")
    start, size = wanted.get("from", 0), wanted.get("size", DEFAULT_SIZE)
    if not isinstance(start, int) or start < 0 or not isinstance(size, int) or not 0 < size <= MAX_SIZE:
        raise _bad(f"'from' must be 0 or more and 'size' 1 to {MAX_SIZE}.")
    alternatives = parse_query(text)
    found = list(search(request.tenant, alternatives))
    page = found[start:start + size]
    hits = [{"hitId": item.id, "rank": start + n, "summary": "", "resource": _resource(request, item)}
            for n, item in enumerate(page, 1)]
    container: dict[str, Any] = {"hits": hits, "total": len(found),
                                 "moreResultsAvailable": start + len(page) < len(found)}
    return ok({"@odata.context": f"{request.base_url}/$metadata#Collection(microsoft.graph.searchResponse)",
               "value": [{"searchTerms": search_terms(alternatives), "hitsContainers": [container]}]})


def _resource(request: GraphRequest, item: Any) -> dict[str, Any]:
    body = drive_item(request.tenant, item)
    return {"@odata.type": "#microsoft.graph.driveItem", **{k: body[k] for k in _HIT_KEYS if k in body}}
