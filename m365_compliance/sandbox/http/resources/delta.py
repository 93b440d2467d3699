"""driveItem delta of a library root, in every URL form the docs and msgraph-sdk use (facts §1.1, §10.1).

* Full enumeration (no token): live items in pre-order, parents first; consistent across pages
  because the ordered id list is cached under an enumeration id carried in the nextLink token.
* ``token=latest``: empty ``value`` plus a deltaLink (facts §1.1).
* Incremental (a deltaLink token): each item changed since the token once, in its latest state,
  preceded by its parent chain unless the ``deltaExcludeParent`` header is sent (facts §1.1, §1.2);
  deleted items as tombstones (§1.3, §10.4).
* Tokens are opaque (base64url JSON). Expired, foreign or garbled ones, and nextLinks whose
  enumeration was evicted, answer 410 ``resyncRequired`` with a ``Location`` that starts a fresh
  full enumeration (§1.5).
* ``Prefer`` (§1.4): ``hierarchicalsharing`` moves the ``shared`` facet to permission-hierarchy
  roots; ``deltashowsharingchanges`` with its two companions, for an app allowed to use it,
  reports permission-only changes and marks them ``@microsoft.graph.sharedChanged: "True"``.
  Without both companions it is a 400 ``invalidRequest`` (onedrive-api-docs #1298), answered before
  any enumeration is cached or token issued.
* RU (§7.1): 2 for a request without token and every page of a full enumeration, 1 otherwise.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from m365_compliance.sandbox.http.access import require_delta, sharing_delta_allowed
from m365_compliance.sandbox.http.odata import (
    decode_token,
    encode_token,
    link,
    page_size,
    project,
)
from m365_compliance.sandbox.http.resources.addressing import ITEM, drive_of
from m365_compliance.sandbox.http.resources.drives import item_view
from m365_compliance.sandbox.http.routing import (
    ROUTES,
    GraphRequest,
    GraphResponse,
    error_body,
)
from m365_compliance.sandbox.http.serialize import tombstone
from m365_compliance.sandbox.model import Drive, Item
from m365_compliance.sandbox.tenant import SandboxError

#: ``…/delta``, ``…/delta()``, ``…/delta(token='…')`` (quotes optional) below ``/root`` or ``/items/{id}``.
DELTA = ITEM + r"/delta(?:\(\)|\(token=(?P<quote>'?)(?P<token>[^')]*)(?P=quote)\))?"
SHARING_PREFER = ("deltashowremovedasdeleted", "deltatraversepermissiongaps", "deltashowsharingchanges")
SHARING_CHANGES = "deltashowsharingchanges"
#: Graph's answer when ``deltashowsharingchanges`` comes without both companions (onedrive-api-docs
#: #1298; that report, a delegated call, ends "… for a user request.", a clause an app-only call
#: would not get).
MISSING_COMPANIONS = ("Must also prefer deltashowremovedasdeleted and deltatraversepermissiongaps when "
                      "preferring deltashowsharingchanges.")
HIERARCHICAL = "hierarchicalsharing"
RESYNC_MESSAGE = ("Resync required. Replace any local items with the server's version (including deletes) if "
                  "you're sure that the service was up to date with your local changes when you last sync'd. "
                  "Upload any local changes that the server doesn't know about.")
ENUMERATIONS_KEPT = 32


class _Enumerations:
    """A small LRU of ordered id lists, so later pages neither re-walk the drive nor shift."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lists: OrderedDict[str, tuple[str, list[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, drive_id: str, ids: list[str]) -> str:
        key = secrets.token_hex(8)
        with self._lock:
            self._lists[key] = (drive_id, ids)
            while len(self._lists) > self._size:
                self._lists.popitem(last=False)
        return key

    def get(self, key: str, drive_id: str) -> list[str] | None:
        with self._lock:
            found = self._lists.get(key)
            if found is None or found[0] != drive_id:
                return None
            self._lists.move_to_end(key)
            return found[1]

    def clear(self) -> None:
        with self._lock:
            self._lists.clear()


ENUMERATIONS = _Enumerations(ENUMERATIONS_KEPT)


@dataclass(frozen=True)
class _Prefer:
    hierarchical: bool
    sharing: bool

    @classmethod
    def of(cls, request: GraphRequest) -> _Prefer:
        """The Prefer values honoured; 400 for sharing changes without both companions, whether or
        not the app could have them honoured (the request is malformed either way)."""
        asked = request.prefer
        if SHARING_CHANGES in asked and not set(SHARING_PREFER) <= asked:
            raise SandboxError(400, "invalidRequest", MISSING_COMPANIONS)
        sharing = set(SHARING_PREFER) <= asked and sharing_delta_allowed(request)
        return cls(HIERARCHICAL in asked, sharing)

    @property
    def applied(self) -> str:
        return ", ".join((*(SHARING_PREFER if self.sharing else ()), *((HIERARCHICAL,) if self.hierarchical else ())))


def _token(request: GraphRequest) -> str | None:
    """The token from ``delta(token='…')``, ``delta?token=…`` or the docs' ``delta?(token='…')``."""
    token = request.params.get("token") or request.query.get("token")
    if token is None:
        token = next((v.strip("')") for k, v in request.query.items() if k.startswith("(token")), None)
    return token or None


def _cost(request: GraphRequest) -> int:
    token = _token(request)
    if token is None:
        return 2
    data = decode_token(token) if token != "latest" else None
    return 2 if data is not None and "e" in data and "s" not in data else 1


@ROUTES.add("GET", DELTA, name="GET /drives/{id}/root/delta", cost=_cost)
def delta(request: GraphRequest) -> GraphResponse:
    drive = drive_of(request)
    require_delta(request, drive)  # docs-contrib #693, when the tenant reproduces it
    tenant = request.tenant
    item_id = request.params.get("item", "root")
    if item_id not in ("root", drive.root_id):
        tenant.item(drive.id, item_id)  # 404 for an unknown item first
        raise SandboxError(400, "invalidRequest", "Delta is only supported on the root folder of a "
                           "SharePoint document library, not on other folders within a drive.")
    prefer = _Prefer.of(request)
    token = _token(request)
    if token is None:
        ids = [i.id for i in tenant.walk(drive)]
        return _page(request, drive, ids, 0, since=None, upto=tenant.seq, prefer=prefer)
    if token == "latest":
        return _page(request, drive, [], 0, since=None, upto=tenant.seq, prefer=prefer)
    data = decode_token(token)
    if not _valid(data, drive, tenant.seq):
        return _resync(request, drive)
    assert data is not None
    if "e" in data:
        cached = ENUMERATIONS.get(data["e"], drive.id)
        if cached is None:
            return _resync(request, drive)
        return _page(request, drive, cached, data["o"], since=data.get("s"), upto=data["u"], prefer=prefer,
                     key=data["e"])
    since, upto = data["s"], tenant.seq
    changed = _changed(request, drive, since, upto, include_sharing=prefer.sharing)
    return _page(request, drive, changed, 0, since=since, upto=upto, prefer=prefer)


def _drive_tag(drive: Drive) -> str:
    return hashlib.blake2b(drive.id.encode(), digest_size=6).hexdigest()


def _valid(data: dict[str, Any] | None, drive: Drive, now_seq: int) -> bool:
    """Issued for this drive, not older than its token floor, and well formed."""
    if data is None or data.get("d") != _drive_tag(drive):
        return False
    stamps = [data[k] for k in ("s", "u") if k in data]
    if not stamps or not all(isinstance(v, int) and drive.token_floor <= v <= now_seq for v in stamps):
        return False
    if "e" in data:
        return isinstance(data.get("e"), str) and isinstance(data.get("o"), int) and data["o"] >= 0 and "u" in data
    return "s" in data


def _changed(request: GraphRequest, drive: Drive, since: int, upto: int, *, include_sharing: bool) -> list[str]:
    """Changed ids, each preceded by its not-yet-listed ancestors (root first) unless deltaExcludeParent."""
    tenant = request.tenant
    changed = tenant.changed_since(drive, since, upto, include_sharing=include_sharing)
    if "deltaexcludeparent" in request.headers:
        return changed
    ordered: dict[str, None] = {}
    for item_id in changed:
        item = drive.items.get(item_id)
        if item is not None and item_id not in ordered:
            chain: list[str] = []
            for ancestor in tenant.ancestors(item):
                if ancestor.id in ordered:
                    break
                chain.append(ancestor.id)
            ordered.update(dict.fromkeys(reversed(chain)))
        ordered.setdefault(item_id, None)
    return list(ordered)


def _page(request: GraphRequest, drive: Drive, ids: list[str], offset: int, *, since: int | None, upto: int,
          prefer: _Prefer, key: str | None = None) -> GraphResponse:
    """One page from ``offset``: a nextLink while ids remain, else the deltaLink (never both)."""
    size = page_size(request)
    value = []
    for item_id in ids[offset:offset + size]:
        item = drive.items.get(item_id) if since is None else request.tenant.find_item(drive, item_id)
        if item is not None:  # an item deleted during a full enumeration shows up in the next delta
            value.append(_render(request, item, since, prefer))
    body: dict[str, Any] = {"@odata.context": f"{request.base_url}/$metadata#Collection(driveItem)", "value": value}
    path = f"/drives/{drive.id}/root/delta"
    tag = _drive_tag(drive)
    if offset + size < len(ids):
        data: dict[str, Any] = {"d": tag, "e": key or ENUMERATIONS.put(drive.id, ids), "o": offset + size, "u": upto}
        if since is not None:
            data["s"] = since
        body["@odata.nextLink"] = link(request, path, token=encode_token(data))
    else:
        body["@odata.deltaLink"] = link(request, path, token=encode_token({"d": tag, "s": upto}))
    headers = {"Preference-Applied": prefer.applied} if prefer.applied else {}
    return GraphResponse(200, body, headers)


def _render(request: GraphRequest, item: Item, since: int | None, prefer: _Prefer) -> dict[str, Any]:
    tenant = request.tenant
    if item.deleted:
        body = tombstone(tenant, item)
        select = request.select()
        projected = project(body, select)
        if "deleted" not in projected and not tenant.quirks.strip_deleted_without_select:
            projected["deleted"] = body["deleted"]
        return projected
    body = item_view(request, item, in_delta=True, hierarchical=prefer.hierarchical)
    changed_sharing = prefer.sharing and since is not None and item.sharing_seq > since
    if changed_sharing and not (item.is_folder and tenant.quirks.shared_changed_files_only):
        body = {"@microsoft.graph.sharedChanged": "True", **body}
    return body


def _resync(request: GraphRequest, drive: Drive) -> GraphResponse:
    request_id = str(uuid.uuid4())
    body = error_body(request_id, request.tenant.now, "resyncRequired", RESYNC_MESSAGE)
    restart = link(request, f"/drives/{drive.id}/root/delta")
    return GraphResponse(410, body, {"Location": restart, "request-id": request_id})
