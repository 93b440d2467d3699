"""Graph answers as the error tree: every error names what to do next (facts §9, DESIGN principle 7)."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from graph_world import FakeClock, World, settings_for

from m365_compliance.graph import AuthenticationError, GraphGateway, PermissionDenied
from m365_compliance.sandbox.http.app import SandboxOptions
from m365_compliance.sandbox.server import SandboxServer

pytestmark = pytest.mark.anyio


async def test_refused_site_names_the_permission_for_delta(gateway: GraphGateway, world: World) -> None:
    world.tenant.access.denied_sites.add(world.site.id)
    with pytest.raises(PermissionDenied) as caught:
        async for _ in gateway.delta(world.drive.id):
            pass
    error = caught.value
    assert (error.status, error.code) == (403, "accessDenied") and error.request_id
    assert "Files.Read.All" in error.permission and "Sites.Selected" in error.hint


async def test_missing_sites_permission_for_list_rows(gateway: GraphGateway, world: World) -> None:
    world.tenant.access.permissions.clear()
    world.tenant.access.permissions.add("Files.Read.All")
    with pytest.raises(PermissionDenied) as caught:
        await gateway.list_items(world.site.id, "Register", fields=("Title",))
    assert "Sites.Read.All" in caught.value.hint


async def test_missing_item_is_none(gateway: GraphGateway, world: World) -> None:
    assert await gateway.get_item(world.drive.id, "01NOSUCHITEM") is None


class NoToken:
    """A credential that yields no token, so the request goes out without a bearer."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("", 0)


async def test_unauthenticated_request_says_check_the_credential(world: World, clock: FakeClock) -> None:
    with SandboxServer(world.tenant, SandboxOptions(require_token=True)) as server:
        async with GraphGateway(settings_for(server.base_url), credential=NoToken(), clock=clock,
                                sleep=clock.sleep) as gateway:
            with pytest.raises(AuthenticationError) as caught:
                await gateway.resolve_site(world.site.id)
    assert caught.value.status == 401 and "client_id" in caught.value.hint


class RefusingCredential:
    """Entra refuses the app (expired secret, wrong subject): azure-identity raises, nothing is sent."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        raise ClientAuthenticationError("AADSTS7000222: The provided client secret keys are expired.")


async def test_a_refused_credential_is_an_authentication_error(server: SandboxServer, world: World,
                                                                clock: FakeClock) -> None:
    async with GraphGateway(settings_for(server.base_url), credential=RefusingCredential(), clock=clock,
                            sleep=clock.sleep) as gateway:
        with pytest.raises(AuthenticationError) as caught:
            await gateway.resolve_site(world.site.id)
        assert gateway.stats.requests == 0
    assert "AADSTS7000222" in str(caught.value) and "expired secret" in caught.value.hint
