"""Offset paging of a whole collection into Graph pages, on the shared token/link primitives of
:mod:`m365_compliance.sandbox.http.odata`.

Graph pages collections with ``$top`` (bounded by a server cap) and answers ``@odata.nextLink`` while
more remain: an **absolute** URL on the caller's own origin holding an opaque ``$skiptoken`` — the SDK
refuses relative links and follows whatever host it is given (facts §1.7, §8.4). The link repeats the
request's other query options; ``$filter`` and ``$search`` must travel too, or page two would answer
a different question than page one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from m365_compliance.sandbox.http.odata import (
    DEFAULT_PAGE,
    MAX_PAGE,
    decode_token,
    encode_token,
    link,
    project,
)
from m365_compliance.sandbox.http.routing import GraphRequest, GraphResponse, ok
from m365_compliance.sandbox.tenant import SandboxError

T = TypeVar("T")

#: Entra collections (users, groups, members): 100 without ``$top``, at most 999 [DOC user-list, group-list].
DIRECTORY_PAGE = (100, 999)
#: Query options the odata link does not carry by itself but a filtered page must keep.
_FILTERING = ("filter", "search", "orderby")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_link: str | None


def _offset(request: GraphRequest) -> int:
    raw = request.query.get("skiptoken")
    if raw is None:
        return 0
    data = decode_token(raw)
    if data is None or data.get("c") != request.path or not isinstance(data.get("o"), int) or data["o"] < 0:
        raise SandboxError(400, "BadRequest", "The $skiptoken is not valid for this collection.")
    return data["o"]


def paginate(request: GraphRequest, items: Sequence[T], *,
             sizes: tuple[int, int] = (DEFAULT_PAGE, MAX_PAGE)) -> Page[T]:
    """The slice of ``items`` this request asks for and the link to the rest (None on the last page).

    ``sizes`` is (page size without ``$top``, largest ``$top`` honoured)."""
    size = request.top(*sizes)
    start = _offset(request)
    end = start + size
    next_link = None
    if end < len(items):
        extra = {f"${name}": request.query[name] for name in _FILTERING if name in request.query}
        next_link = link(request, request.path, **extra, **{"$skiptoken": encode_token({"c": request.path, "o": end})})
    return Page(items[start:end], next_link)


def collection(request: GraphRequest, items: Sequence[T], render: Callable[[T], dict[str, Any]], *, context: str,
               sizes: tuple[int, int] = (DEFAULT_PAGE, MAX_PAGE), expanded: Collection[str] = ()) -> GraphResponse:
    """A Graph collection page: ``@odata.context``, ``value`` (``$select`` applied, ``expanded``
    navigations kept), ``@odata.nextLink``. Only the page's own entries are rendered."""
    page = paginate(request, items, sizes=sizes)
    selection = request.select()
    body: dict[str, Any] = {"@odata.context": f"{request.base_url}/$metadata#{context}",
                            "value": [project(render(item), selection, set(expanded)) for item in page.items]}
    if page.next_link is not None:
        body["@odata.nextLink"] = page.next_link
    return ok(body)
