"""What the gateway tests run against: a small tenant built through the Tenant API, and helpers.

The real GraphGateway talks to a real sandbox, over loopback HTTP or in-process ASGI. Time never
really passes: the gateway gets a fake clock/sleep, and where the sandbox meters RU, its meter runs
on the same fake clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from m365_compliance.graph import GatewaySettings, GraphGateway
from m365_compliance.sandbox.http.app import SandboxApp
from m365_compliance.sandbox.http.meter import Meter
from m365_compliance.sandbox.model import AppAccess, Column, Drive, Group, Item, RetentionLabelDef, Site, SpList, User
from m365_compliance.sandbox.tenant import Tenant

EXPIRY = datetime(2026, 12, 31, tzinfo=UTC)


class FakeClock:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class World:
    tenant: Tenant
    alice: User
    bob: User
    gus: User  # a guest
    team: Group  # contains alice and the nested group
    inner: Group  # contains bob and gus
    site: Site
    drive: Drive
    folder: Item
    cv: Item
    notes: Item
    contract: Item
    register: SpList
    files: list[Item]


def build_world() -> World:
    tenant = Tenant(access=AppAccess.tenant_wide())  # Graph behaviour, not access: every permission
    alice = tenant.add_user("Alice Member", "alice@tretoen.no")
    bob = tenant.add_user("Bob Member", "bob@tretoen.no")
    gus = tenant.add_user("Gus Guest", "gus@example.com", guest=True)
    inner = tenant.add_group("Inner", "inner@tretoen.no", members=[bob.id, gus.id])
    team = tenant.add_group("Team", "team@tretoen.no", members=[alice.id, inner.id], unified=True)
    site = tenant.add_site("rekruttering", "Rekruttering", owners=[alice.id])
    drive = tenant.add_drive(site, "Dokumenter")
    tenant.add_drive(site, "Arkiv")
    folder = tenant.add_folder(drive, None, "Søkere")
    cv = tenant.add_file(drive, folder, "cv.pdf")
    notes = tenant.add_file(drive, folder, "notes.docx")
    contract = tenant.add_file(drive, None, "contract.docx")
    files = [tenant.add_file(drive, folder, f"doc-{n}.txt") for n in range(5)]
    tenant.grant(folder, ["read"], group_id=team.id)
    tenant.grant(cv, ["write"], user_id=alice.id)
    tenant.grant(cv, ["read"], user_id=gus.id)
    tenant.add_link(cv, "anonymous", expires=EXPIRY)
    tenant.add_link(cv, "organization", "edit")
    tenant.add_link(cv, "users", recipients=[bob.id, gus.id])
    tenant.add_label(RetentionLabelDef("Keep-5y", behavior="retain", retention_days=1825))
    tenant.add_label(RetentionLabelDef("Delete-6m", behavior="doNotRetain", retention_days=180))
    register = tenant.add_list(site, "Register", [Column("Title", "Title", "text"),
                                                  Column("Owner", "Owner", "person"),
                                                  Column("EndDate", "End date", "date")])
    tenant.add_list_item(register, {"Title": "Row 1", "Owner": alice.id, "EndDate": "2026-03-01"})
    return World(tenant, alice, bob, gus, team, inner, site, drive, folder, cv, notes, contract, register, files)


def settings_for(base_url: str, **overrides: Any) -> GatewaySettings:
    return GatewaySettings(graph_url=base_url, auth_method="none", **overrides)


class Recorder:
    """ASGI wrapper around the sandbox app: records what arrives on the wire and can answer some
    requests itself first (scripted throttling), as a proxy in front of Graph would."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.script: list[tuple[int, dict[str, str]]] = []  # answered in order before the sandbox

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            self.requests.append((scope["method"], scope["path"], headers))
            if self.script:
                status, extra = self.script.pop(0)
                body = b'{"error":{"code":"TooManyRequests","message":"Please retry again later."}}'
                await send({"type": "http.response.start", "status": status,
                            "headers": [(b"content-type", b"application/json"),
                                        *((k.encode(), v.encode()) for k, v in extra.items())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def in_process(world: World, clock: FakeClock, *, ru_budget: int | None = None,
               **overrides: Any) -> tuple[GraphGateway, Recorder]:
    """A gateway talking to the sandbox in-process through a :class:`Recorder`. ``ru_budget`` meters
    the sandbox on the test's fake clock, so budget windows pass without real waiting."""
    app = SandboxApp(world.tenant)
    if ru_budget is not None:
        app.meter = Meter(ru_budget, clock=clock)
    recorder = Recorder(app)
    gw = GraphGateway(settings_for("http://127.0.0.1/v1.0", **overrides), clock=clock, sleep=clock.sleep,
                      transport=httpx.ASGITransport(app=recorder))
    return gw, recorder
