"""The operator window ``/_sandbox/...``: outside Graph, never metered, throttled or faulted.

It lets a test or an operator change the running tenant over HTTP the way the Python API does
(:class:`~m365_compliance.sandbox.tenant.Tenant`), and read or reset the meter. JSON in and out; a bad
request is a 400 whose message says which field is wrong. This module holds the :data:`CONTROL`
table, the body-reading helpers and the tenant-wide knobs (stats, clock, faults, RU budget, app
permissions, denied sites, delta tokens, the mail outbox); item changes are in
:mod:`m365_compliance.sandbox.http.control_items`. The app dispatches on the table
(``SandboxApp.operate``). Endpoint list: ``docs/sandbox-endpoints-sites.md``.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from m365_compliance.sandbox.http.faults import FaultInjector, FaultPlan
from m365_compliance.sandbox.http.meter import Meter
from m365_compliance.sandbox.http.resources.addressing import site_by_ref
from m365_compliance.sandbox.http.routing import (
    GraphRequest,
    GraphResponse,
    Pipeline,
    RouteTable,
    iso,
    no_content,
    ok,
    parse_iso,
)
from m365_compliance.sandbox.tenant import SandboxError

#: The operator window's table; this module and ``control_items`` register into it.
CONTROL = RouteTable()
_CLOCK_UNITS = ("days", "hours", "minutes", "seconds")


def bad(message: str) -> SandboxError:
    return SandboxError(400, "badRequest", message)


def body_of(request: GraphRequest) -> dict[str, Any]:
    """The JSON object sent (an empty body reads as ``{}``)."""
    if not request.body.strip():
        return {}
    value = request.json()
    if not isinstance(value, dict):
        raise bad("The request body must be a JSON object.")
    return value


def field(body: dict[str, Any], name: str, kind: type | tuple[type, ...], *, default: Any = ...) -> Any:
    """``body[name]`` checked against ``kind``; missing and no ``default`` → 400 naming the field."""
    if name not in body or body[name] is None:
        if default is ...:
            raise bad(f"'{name}' is required.")
        return default
    value = body[name]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):  # JSON true is no number
        raise bad(f"'{name}' must be {' or '.join(k.__name__ for k in kinds)}, not {type(value).__name__}.")
    return value


def instant(body: dict[str, Any], name: str) -> Any:
    """An optional ISO-8601 field as a datetime (None when absent)."""
    raw = field(body, name, str, default=None)
    return parse_iso(raw) if raw is not None else None


@runtime_checkable
class Operated(Pipeline, Protocol):
    """What the operator window changes on the app beyond what Graph handlers use (meter, faults,
    budget, accepted token); declared here so that this module need not import the app."""

    @property
    def meter(self) -> Meter: ...

    @property
    def faults(self) -> FaultInjector: ...

    def set_budget(self, ru_per_minute: int | None) -> None: ...

    def rotate_token(self, token: str) -> None: ...


def _app(request: GraphRequest) -> Operated:
    if not isinstance(request.app, Operated):
        raise SandboxError(500, "generalException", "The operator window runs only inside the sandbox app.")
    return request.app


# ---------------------------------------------------------------------- meter
@CONTROL.add("GET", r"/_sandbox/stats", name="stats")
def get_stats(request: GraphRequest) -> GraphResponse:
    return ok(_app(request).meter.snapshot())


@CONTROL.add("POST", r"/_sandbox/stats/reset", name="stats reset")
def reset_stats(request: GraphRequest) -> GraphResponse:
    _app(request).meter.reset()
    return no_content()


@CONTROL.add("POST", r"/_sandbox/budget", name="budget")
def set_budget(request: GraphRequest) -> GraphResponse:
    """``{"ruPerMinute": N}`` enforces a per-minute RU budget (facts §7.2); ``null`` lifts it."""
    body = body_of(request)
    if "ruPerMinute" not in body:
        raise bad("'ruPerMinute' is required (a positive integer, or null for no budget).")
    limit = field(body, "ruPerMinute", int, default=None)
    if limit is not None and limit < 1:
        raise bad("'ruPerMinute' must be a positive integer or null.")
    _app(request).set_budget(limit)
    return ok({"ruPerMinute": limit})


@CONTROL.add("GET", r"/_sandbox/faults", name="faults get")
@CONTROL.add("POST", r"/_sandbox/faults", name="faults")
def faults(request: GraphRequest) -> GraphResponse:
    """``{"rate": 0.2, "kinds": ["429", "drop"], "seed": 7, "slowSeconds": 0.2}``; the same seed and
    request sequence give the same faults. ``{"rate": 0}`` switches faults off."""
    injector = _app(request).faults
    if request.method == "POST":
        body = body_of(request)
        current = injector.plan
        kinds = field(body, "kinds", list, default=list(current.kinds))
        injector.configure(FaultPlan(rate=float(field(body, "rate", (int, float))), kinds=tuple(map(str, kinds)),
                                     seed=field(body, "seed", int, default=current.seed),
                                     slow_seconds=float(field(body, "slowSeconds", (int, float),
                                                              default=current.slow_seconds))))
    plan = injector.plan
    return ok({"rate": plan.rate, "kinds": list(plan.kinds), "seed": plan.seed, "slowSeconds": plan.slow_seconds})


@CONTROL.add("POST", r"/_sandbox/token", name="token")
def rotate_token(request: GraphRequest) -> GraphResponse:
    """``{"token": "..."}``: only this bearer token is accepted from now on; the previous one is
    answered 401 with a claims challenge, as Graph answers a revoked token (continuous access evaluation)."""
    token = field(body_of(request), "token", str)
    if not token.strip():
        raise bad("'token' must not be empty.")
    _app(request).rotate_token(token.strip())
    return no_content()


# ---------------------------------------------------------------------- clock
@CONTROL.add("GET", r"/_sandbox/clock", name="clock get")
@CONTROL.add("POST", r"/_sandbox/clock", name="clock")
def clock(request: GraphRequest) -> GraphResponse:
    """``{"days": 30}`` (or hours/minutes/seconds) moves the tenant clock on; ``{"set": iso}`` sets it."""
    tenant = request.tenant
    if request.method == "POST":
        body = body_of(request)
        unknown = set(body) - {"set", *_CLOCK_UNITS}
        if unknown or not body:
            raise bad(f"Send {{\"set\": iso}} or any of {list(_CLOCK_UNITS)}; got {sorted(body)}.")
        if "set" in body:
            tenant.clock = instant(body, "set")
        else:
            steps = {unit: float(field(body, unit, (int, float))) for unit in _CLOCK_UNITS if unit in body}
            tenant.advance_clock(**steps)
    return ok({"now": iso(tenant.now)})


# ---------------------------------------------------------------------- what the app may do
def _access_state(request: GraphRequest) -> GraphResponse:
    access = request.tenant.access
    return ok({"permissions": sorted(access.permissions), "deniedSites": sorted(access.denied_sites)})


@CONTROL.add("GET", r"/_sandbox/app", name="app")
def get_access(request: GraphRequest) -> GraphResponse:
    return _access_state(request)


@CONTROL.add("POST", r"/_sandbox/app/permissions/(?P<name>[^/]+)/(?P<action>grant|revoke)", name="app permission")
def change_permission(request: GraphRequest) -> GraphResponse:
    """Grant or revoke one Graph application permission (e.g. ``GroupMember.Read.All``)."""
    permissions = request.tenant.access.permissions
    if request.params["action"] == "grant":
        permissions.add(request.params["name"])
    else:
        permissions.discard(request.params["name"])
    return _access_state(request)


@CONTROL.add("POST", r"/_sandbox/sites/(?P<site>.+)/(?P<action>deny|allow)", name="site access")
def change_site_access(request: GraphRequest) -> GraphResponse:
    """Refuse (403) or allow one site, by id or ``host:/sites/name``."""
    site = site_by_ref(request.tenant, request.params["site"])
    denied = request.tenant.access.denied_sites
    if request.params["action"] == "deny":
        denied.add(site.id)
    else:
        denied.discard(site.id)
    return _access_state(request)


@CONTROL.add("GET", r"/_sandbox/mail", name="mail")
def outbox(request: GraphRequest) -> GraphResponse:
    """Every message sent through ``sendMail``, oldest first (the sandbox has no mailboxes to deliver to)."""
    tenant = request.tenant
    return ok({"value": [{"from": tenant.users[m.from_user].user_principal_name, "fromId": m.from_user,
                          "subject": m.subject, "contentType": m.content_type, "content": m.content,
                          "to": list(m.to), "cc": list(m.cc), "bcc": list(m.bcc), "sent": iso(m.sent),
                          "saveToSentItems": m.save_to_sent_items} for m in tenant.outbox]})


@CONTROL.add("POST", r"/_sandbox/drives/(?P<drive>[^/]+)/expire-delta-tokens", name="expire delta tokens")
def expire_tokens(request: GraphRequest) -> GraphResponse:
    """Every delta token issued so far for the drive answers 410 resyncRequired (facts §1.5)."""
    request.tenant.expire_delta_tokens(request.tenant.drive(request.params["drive"]))
    return no_content()

