"""The tenant file's ``access`` section, both ways: what the compliance app (and any other app) may do.

``permissions`` are the consented Graph application permissions (default: least privilege,
``model.LEAST_PRIVILEGE``); ``tenantWideFullControl`` is the one switch for Sites.FullControl.All;
``sites`` maps a site's name to its Sites.Selected role(s), made as grants on the site exactly as
``POST /sites/{id}/permissions`` makes them; ``deniedSites`` refuse a site whatever the grants say;
``labelledDeltaNeedsFullControl`` reproduces docs-contrib #693; ``apps`` are other applications.
The shape is checked by the JSON Schema first; here, that every site named exists and client ids
are unique.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from m365_compliance.sandbox.model import AppAccess, Site
from m365_compliance.sandbox.tenant import Tenant

FULL_CONTROL = "Sites.FullControl.All"
Fail = Callable[[str, str], Exception]


def build_access(t: Tenant, spec: Mapping[str, Any], sites: Mapping[str, Site], fail: Fail) -> None:
    """Apply the ``access`` section to ``t``; ``fail(where, message)`` makes the error to raise."""
    app = t.access
    app.client_id = spec.get("clientId", app.client_id).lower()
    app.display_name = spec.get("displayName", app.display_name)
    _permissions(app, spec)
    for m, name in enumerate(spec.get("deniedSites", [])):
        app.denied_sites.add(_site(sites, name, f"access.deniedSites[{m}]", fail).id)
    _grants(t, app, spec.get("sites", {}), sites, "access.sites", fail)
    t.quirks.labelled_delta_needs_full_control = spec.get("labelledDeltaNeedsFullControl", False)
    for n, other in enumerate(spec.get("apps", [])):
        where = f"access.apps[{n}]"
        if t.app(other["clientId"]) is not None:
            raise fail(f"{where}.clientId", f"{other['clientId']!r} is already the client id of another app")
        added = t.add_app(AppAccess(client_id=other["clientId"].lower(),
                                    display_name=other.get("displayName", other["clientId"]), permissions=set()))
        _permissions(added, other)
        _grants(t, added, other.get("sites", {}), sites, f"{where}.sites", fail)


def dump_access(t: Tenant) -> dict[str, Any]:
    """The ``access`` section of ``t``; loading it gives the same access (grants of unknown apps as ``apps``)."""
    out = {"clientId": t.access.client_id, "displayName": t.access.display_name, **_dump_app(t, t.access),
           "deniedSites": [t.sites[s].name for s in sorted(t.access.denied_sites)]}
    if t.quirks.labelled_delta_needs_full_control:
        out["labelledDeltaNeedsFullControl"] = True
    others = [*t.apps.values(), *_unregistered(t)]
    if others:
        out["apps"] = [{"clientId": a.client_id, "displayName": a.display_name, **_dump_app(t, a)} for a in others]
    return out


def _permissions(app: AppAccess, spec: Mapping[str, Any]) -> None:
    if "permissions" in spec:
        app.permissions = set(spec["permissions"])
    if spec.get("tenantWideFullControl"):
        app.permissions.add(FULL_CONTROL)


def _grants(t: Tenant, app: AppAccess, roles: Mapping[str, Any], sites: Mapping[str, Site], where: str,
            fail: Fail) -> None:
    for name, wanted in roles.items():
        site = _site(sites, name, f"{where}.{name}", fail)
        t.grant_site(site, app.client_id, [wanted] if isinstance(wanted, str) else wanted,
                     display_name=app.display_name)


def _site(sites: Mapping[str, Site], name: str, where: str, fail: Fail) -> Site:
    if name not in sites:
        raise fail(where, f"{name!r} is not a site name in this file; sites: {', '.join(map(repr, sites))}")
    return sites[name]


def _dump_app(t: Tenant, app: AppAccess) -> dict[str, Any]:
    out: dict[str, Any] = {"permissions": sorted(app.permissions - {FULL_CONTROL})}
    if FULL_CONTROL in app.permissions:
        out["tenantWideFullControl"] = True
    grants = {t.sites[site_id].name: [r for g in by_id.values() if g.app_id == app.client_id.lower() for r in g.roles]
              for site_id, by_id in t.site_app_grants.items()}
    out["sites"] = {name: roles[0] if len(roles) == 1 else roles for name, roles in grants.items() if roles}
    return out


def _unregistered(t: Tenant) -> list[AppAccess]:
    """Apps granted a site over Graph that the tenant does not otherwise know (no permissions)."""
    seen: dict[str, AppAccess] = {}
    for by_id in t.site_app_grants.values():
        for grant in by_id.values():
            if t.app(grant.app_id) is None and grant.app_id not in seen:
                seen[grant.app_id] = AppAccess(client_id=grant.app_id, display_name=grant.display_name,
                                               permissions=set())
    return list(seen.values())
