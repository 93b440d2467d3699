"""The one guard every Graph answer passes before anything reads it: shape, size, depth, links, ids.

Graph — or a proxy in front of it, or a bug on the service's side — can answer an HTML error page
with status 200, a bare list, a page whose ``value`` is not a list, entries without ids, nesting deep
enough to exhaust the parser's recursion, an answer of hundreds of megabytes, or a paging link to
another host. Each becomes a :class:`GraphError` naming the request and what was wrong, which the
inventory records as a gap ("not evaluated"): never a traceback, never an empty and therefore
"compliant" result (DESIGN principle 2). Every read — sites, libraries, delta and list pages,
single items, list items, directory pages, ``$batch`` envelopes and each item inside one — goes
through :class:`Answers`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from m365_compliance.graph.calls import Call
from m365_compliance.graph.errors import GraphError

T = TypeVar("T")

#: Larger than any page Graph sends (a 1,000-item delta page is a few MB), small enough to refuse a flood.
MAX_ANSWER_BYTES = 64 * 1024 * 1024
#: What mapping a misshapen answer raises (a list where an object belongs, a missing or non-string id …).
SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, RecursionError)
_HINT = "Run again; if it repeats, check what answers at tenant.graph_url (a proxy?) and report the request id."


def malformed(call: Call, what: str) -> GraphError:
    return GraphError(f"Graph answered {what} when asked to {call.name}.", code="malformedResponse", hint=_HINT)


class Answers:
    """Reads answers of the Graph at ``graph_url`` (links must stay there), at most ``max_bytes`` each."""

    def __init__(self, graph_url: str, max_bytes: int = MAX_ANSWER_BYTES) -> None:
        self.graph_url = graph_url
        self.max_bytes = max_bytes

    def object(self, raw: bytes | None, call: Call) -> dict[str, Any] | None:
        """An answer's JSON object (None for no body); anything else is a GraphError."""
        if not raw:
            return None
        if len(raw) > self.max_bytes:
            raise malformed(call, f"{len(raw):,} bytes, more than the {self.max_bytes:,} an answer may hold")
        try:
            value = json.loads(raw)
        except RecursionError:
            raise malformed(call, "JSON nested deeper than the parser's limit") from None
        except (ValueError, UnicodeDecodeError):
            value = None
        if not isinstance(value, dict):
            raise malformed(call, f"something that is not a JSON object ({len(raw):,} bytes, starting "
                                  f"{bytes(raw[:16])!r})")
        return value

    def records(self, page: Mapping[str, Any], record: Callable[[Any], T], call: Call) -> list[T]:
        """A page's ``value`` mapped by ``record``; an entry of the wrong shape fails the whole page."""
        values = page.get("value", [])
        try:
            if not isinstance(values, list):
                raise TypeError("value is not a list")
            return [record(v) for v in values]
        except SHAPE_ERRORS as exc:
            raise malformed(call, f"a malformed page ({type(exc).__name__}: {str(exc)[:80]})") from None

    def one(self, value: dict[str, Any] | None, record: Callable[[dict[str, Any]], T], call: Call) -> T:
        """A single object (a site, an item, a label …) mapped by ``record``: absent or misshapen is an error."""
        try:
            return record(present(value, call))
        except SHAPE_ERRORS as exc:
            raise malformed(call, f"a malformed object ({type(exc).__name__}: {str(exc)[:80]})") from None

    def own_link(self, page: Mapping[str, Any], key: str, call: Call) -> str | None:
        """A paging link, only if it points back at the configured Graph: following one to another host
        would send the request (and, for a host the credential trusts, the token) where it must not go."""
        link = page.get(key)
        if link is None:
            return None
        if not isinstance(link, str) or not link.startswith(self.graph_url + "/"):
            raise GraphError(f"Graph answered a {key} outside {self.graph_url} when asked to {call.name}; "
                             "it was not followed.", code="foreignLink",
                             hint="Check what answers at tenant.graph_url (a proxy rewriting links?); run again.")
        return link

    def delta_link(self, page: Mapping[str, Any], key: str, call: Call, drive_id: str) -> str | None:
        """A delta paging link (``@odata.nextLink``/``@odata.deltaLink``), only if it addresses the delta of
        ``drive_id`` on the configured Graph (:func:`delta_link_problem`): a link to another library's delta
        would make this library's later crawls read that one's changes, "complete" and blind."""
        link = self.own_link(page, key, call)
        if link is None:
            return None
        problem = delta_link_problem(link, self.graph_url, drive_id)
        if problem is not None:
            raise GraphError(f"Graph answered a {key} that {problem} when asked to {call.name}; it was neither "
                             "followed nor stored.", code="foreignDeltaLink",
                             hint="Check what answers at tenant.graph_url (a proxy rewriting links?). The library's "
                                  "stored delta link was kept: the next clean inventory goes on from it.")
        return link


#: The last segment of a drive's delta path: ``delta``, ``delta()`` or ``delta(token='…')`` (facts §1.1).
_DELTA_SEGMENT = re.compile(r"delta(?:\(\)|\(token='?[^'()/]*'?\))?", re.IGNORECASE)


def delta_link_problem(link: str, graph_url: str, drive_id: str) -> str | None:
    """None when ``link`` addresses the delta of the library ``drive_id`` on ``graph_url``, else what is wrong.

    Accepted: ``{graph_url}/drives/{drive_id}/root/delta`` (the form Graph's links take, facts §1.1) and
    ``{graph_url}/drives/{drive_id}/items/root/delta`` (the form the client requests, ``Reads.delta``), with
    any query. The path is compared segment by segment after percent-decoding each one, never as a
    substring: an empty, ``.`` or ``..`` segment, another drive, a ``/sites/{id}/drive`` form (which
    library it addresses cannot be told from the link) or any other resource is refused.
    """
    if not isinstance(link, str):
        return "is not a string"
    base, parts = urlsplit(graph_url), urlsplit(link)
    if (parts.scheme.lower(), parts.netloc.lower()) != (base.scheme.lower(), base.netloc.lower()):
        return f"is outside {graph_url}"
    prefix = base.path.rstrip("/") + "/"
    if not parts.path.startswith(prefix):
        return f"is outside {graph_url}"
    raw = parts.path[len(prefix):].split("/")
    segments = [unquote(s) for s in raw]
    if any(s in ("", ".", "..") or "/" in s or "\\" in s for s in segments + raw):
        return "holds an empty, '.' or '..' path segment"
    where = "/" + "/".join(segments)
    if len(segments) < 4 or segments[0].lower() != "drives":
        return f"does not address a library's delta ({where[:120]})"
    if segments[1] != drive_id:
        return f"addresses another library's delta (drive {segments[1][:60]}), not drive {drive_id}"
    rest = [s.lower() for s in segments[2:-1]]
    if rest not in (["root"], ["items", "root"]) or not _DELTA_SEGMENT.fullmatch(segments[-1]):
        return f"does not address the delta of drive {drive_id}'s root ({where[:120]})"
    return None


def present(value: T | None, call: Call) -> T:
    if value is None:
        raise GraphError(f"Graph answered without a body when asked to {call.name}.", code="emptyResponse")
    return value


def required_id(d: Mapping[str, Any]) -> str:
    """An object's ``id``: a non-empty string, or the answer is malformed (ValueError)."""
    value = d["id"]
    if not isinstance(value, str) or not value:
        raise ValueError(f"an id that is not a non-empty string ({type(value).__name__})")
    return value
