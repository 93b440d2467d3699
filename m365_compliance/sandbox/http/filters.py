"""The minimal ``$filter`` the sandbox understands: ``<property> eq '<value>'`` (users, groups, lists).

Any other filter is refused with a 400 naming the sandbox, never ignored — a silently ignored filter
would return more objects than asked for, which a compliance tool would read as fact. (``$select``,
``$expand`` and paging live in :mod:`~m365_compliance.sandbox.http.odata` and ``paging``.)
"""

from __future__ import annotations

import re
from collections.abc import Collection

from m365_compliance.sandbox.http.routing import GraphRequest
from m365_compliance.sandbox.tenant import SandboxError

_EQ = re.compile(r"^\s*(?P<prop>[A-Za-z_][\w/]*)\s+eq\s+'(?P<value>(?:[^']|'')*)'\s*$", re.IGNORECASE)


def eq_filter(request: GraphRequest, supported: Collection[str], *, code: str) -> tuple[str, str] | None:
    """``(property, value)`` of a ``$filter=<property> eq '<value>'``, or None without ``$filter``.

    ``supported`` lists the properties that may be filtered on; the property comes back spelled as
    there. ``code`` is the error code of the service being imitated (``Request_UnsupportedQuery`` for
    the directory, ``invalidRequest`` for SharePoint).
    """
    raw = request.query.get("filter")
    if raw is None:
        return None
    found = _EQ.match(raw)
    canonical = {name.lower(): name for name in supported}
    if found is None or found["prop"].lower() not in canonical:
        allowed = ", ".join(f"{name} eq '…'" for name in supported)
        raise SandboxError(400, code, f"Unsupported $filter '{raw}': the sandbox supports only {allowed}.")
    return canonical[found["prop"].lower()], found["value"].replace("''", "'")
