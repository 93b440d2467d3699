"""A list item's ``fields`` as Graph renders SharePoint column values (facts §3.3, Graph ``fieldValueSet``).

Stored values are plain (``"2026-03-01"``, a user id); Graph's rendering differs by column type:

* text, number, boolean, choice: JSON values as stored.
* ``dateTime``: an ISO UTC instant with ``Z``.
* ``date`` (date-only): the UTC instant of midnight in the *site's* time zone — ``2026-03-01`` on a
  Norwegian site is ``2026-02-28T23:00:00Z`` [UNVERIFIED, facts §3.3]; clients must compare dates in the
  site's zone. Every sandbox site uses Europe/Oslo. (driveItem list items in ``serialize.py``
  render their columns with this module too.)
* ``person`` / ``personMulti``: **not** returned by default; instead ``<Name>LookupId`` holds the user's
  site-scoped id (User Information List) as a string — a list of strings for multi. Only when the
  column is named in ``fields(select=…)`` is the value returned, as ``{"LookupId": 7, "LookupValue":
  "Name", "Email": "…"}`` (a list for multi). Facts §3.3 reports both this object shape (public
  fixtures) and a bare display-name string (one doc example); the sandbox serves the object shape, the
  one that carries an identifier, and clients should accept both.
Empty columns are omitted, as SharePoint omits them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from m365_compliance.sandbox.http.routing import iso
from m365_compliance.sandbox.model import Column, Site, SpList
from m365_compliance.sandbox.tenant import Tenant

PERSON_TYPES = ("person", "personMulti")
LOOKUP_SUFFIX = "LookupId"
#: Every sandbox site's time zone: date-only columns are midnight here, sent as UTC (facts §3.3).
SITE_ZONE = ZoneInfo("Europe/Oslo")


def _people(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def field_value(column_type: str | None, value: Any) -> Any:
    """A stored column value as Graph sends it: ``date`` columns as the UTC instant of site-zone
    midnight (``2026-03-01`` → ``2026-02-28T23:00:00Z``, facts §3.3 [UNVERIFIED]), ``dateTime``
    values and datetimes as UTC instants; anything else unchanged."""
    if column_type == "date" or (isinstance(value, date) and not isinstance(value, datetime)):
        day = value.date() if isinstance(value, datetime) else value if isinstance(value, date) \
            else date.fromisoformat(str(value)[:10])
        return iso(datetime.combine(day, time(0), SITE_ZONE).astimezone(UTC))
    if isinstance(value, datetime):
        return iso(value)
    if column_type == "dateTime":
        parsed = datetime.fromisoformat(str(value))
        return iso(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    return value


class FieldRenderer:
    """Renders one list's column values; allocates site user ids on first use (as SharePoint does)."""

    def __init__(self, tenant: Tenant, site: Site, lst: SpList) -> None:
        self.tenant = tenant
        self.site = site
        self.columns = {c.name: c for c in lst.columns}

    def lookup_id(self, user_id: str) -> int:
        return self.tenant.site_user_id(self.site, user_id)

    def _person(self, user_id: str) -> dict[str, Any]:
        user = self.tenant.users.get(user_id)
        value: dict[str, Any] = {"LookupId": self.lookup_id(user_id),
                                 "LookupValue": user.display_name if user else user_id}
        if user is not None:
            value["Email"] = user.mail
        return value

    def value(self, column: Column | None, raw: object) -> Any:
        """A selected column's value (persons expanded to lookup objects)."""
        kind = column.type if column is not None else None
        if kind == "person":
            people = _people(raw)
            return self._person(people[0]) if people else None
        if kind == "personMulti":
            return [self._person(p) for p in _people(raw)]
        return field_value(kind, raw)

    def lookup_ids(self, column: Column, raw: object) -> str | list[str]:
        ids = [str(self.lookup_id(p)) for p in _people(raw)]
        return ids if column.type == "personMulti" else ids[0]

    def render(self, values: dict[str, Any], system: dict[str, Any], selected: Iterable[str] | None) -> dict[str, Any]:
        """``fields``: ``system`` columns first, then the item's own; ``selected`` limits both."""
        if selected is None:
            out = dict(system)
            for name, raw in values.items():
                if raw is None or raw == [] or raw == "":
                    continue
                column = self.columns.get(name)
                if column is not None and column.type in PERSON_TYPES:
                    out[name + LOOKUP_SUFFIX] = self.lookup_ids(column, raw)
                else:
                    out[name] = self.value(column, raw)
            return out
        out = {key: system[key] for key in ("@odata.etag",) if key in system}
        for name in selected:
            if name in system:
                out[name] = system[name]
            elif values.get(name) not in (None, "", []):
                out[name] = self.value(self.columns.get(name), values[name])
            elif name.endswith(LOOKUP_SUFFIX):
                base = name.removesuffix(LOOKUP_SUFFIX)
                column = self.columns.get(base)
                if column is not None and column.type in PERSON_TYPES and values.get(base) not in (None, []):
                    out[name] = self.lookup_ids(column, values[base])
        return out
