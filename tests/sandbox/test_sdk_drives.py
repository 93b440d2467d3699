"""The real msgraph-sdk against the sandbox: drive → delta pages → permissions → retention label → delete.

Proves the wire shapes parse into the SDK's models (facts §8.1–§8.4): the client is pointed at the
sandbox with ``adapter.base_url`` and a stub credential; delta is walked with a manual
``delta.with_url(next)`` loop because PageIterator loses the deltaLink (facts §8.4).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from drive_world import SHARING_PREFER, Library, build
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.drives.item.items.item.children.children_request_builder import (
    ChildrenRequestBuilder,
)
from msgraph.generated.drives.item.items.item.delta.delta_request_builder import (
    DeltaRequestBuilder,
)
from msgraph.generated.models.item_retention_label import ItemRetentionLabel
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.security.behavior_during_retention_period import (
    BehaviorDuringRetentionPeriod,
)
from sdk_client import run

from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.tenant import Tenant

T = TypeVar("T")





@pytest.fixture
def lib(tenant: Tenant) -> Library:
    return build(tenant)


def _delta_config(*, top: int | None = None, prefer: str | None = None) -> RequestConfiguration:
    query = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(top=top) if top else None
    config = RequestConfiguration(query_parameters=query)
    if prefer:
        config.headers.add("Prefer", prefer)
    return config


async def _walk_delta(client: GraphServiceClient, drive_id: str, link: str | None, config: RequestConfiguration
                      ) -> tuple[list[Any], str, int]:
    """The manual loop of facts §8.4: first page from the builder (or a stored link), then with_url."""
    delta = client.drives.by_drive_id(drive_id).items.by_drive_item_id("root").delta
    response = await (delta.with_url(link) if link else delta).get(config)
    items, pages = list(response.value), 1
    while response.odata_delta_link is None:
        assert response.odata_next_link.startswith("http://127.0.0.1")
        response = await delta.with_url(response.odata_next_link).get(config)
        items += response.value
        pages += 1
    return items, response.odata_delta_link, pages


def test_drive_and_delta_pages_parse(server: SandboxServer, lib: Library) -> None:
    prefer = SHARING_PREFER + ", hierarchicalsharing"

    async def scenario(client: GraphServiceClient) -> None:
        drive = await client.drives.by_drive_id(lib.drive.id).get()
        assert drive.id == lib.drive.id and drive.drive_type == "documentLibrary"

        items, link, pages = await _walk_delta(client, lib.drive.id, None, _delta_config(top=2, prefer=prefer))
        assert pages == 3 and items[0].id == lib.root.id
        by_id = {i.id: i for i in items}
        assert by_id[lib.root.id].root is not None and by_id[lib.root.id].shared is not None
        assert by_id[lib.applicants.id].shared.scope == "users"
        assert by_id[lib.cv.id].shared is None and by_id[lib.cv.id].file.mime_type.endswith("document")
        assert by_id[lib.ola.id].folder.child_count == 1

        lib.tenant.add_link(lib.cv, "anonymous")
        lib.tenant.delete_item(lib.notes)
        changes, _link, _ = await _walk_delta(client, lib.drive.id, link, _delta_config(prefer=prefer))
        by_id = {i.id: i for i in changes}
        assert by_id[lib.cv.id].additional_data["@microsoft.graph.sharedChanged"] == "True"
        assert by_id[lib.cv.id].shared.scope == "anonymous"
        assert by_id[lib.notes.id].deleted.state == "deleted" and by_id[lib.notes.id].name is None

        latest = await client.drives.by_drive_id(lib.drive.id).items.by_drive_item_id("root") \
            .delta_with_token("latest").get()
        assert latest.value == [] and latest.odata_delta_link.startswith(server.base_url)

    run(server, scenario)


def test_expired_token_raises_410_with_location(server: SandboxServer, lib: Library) -> None:
    async def scenario(client: GraphServiceClient) -> None:
        _items, link, _ = await _walk_delta(client, lib.drive.id, None, _delta_config())
        lib.tenant.expire_delta_tokens(lib.drive)
        with pytest.raises(ODataError) as raised:
            await _walk_delta(client, lib.drive.id, link, _delta_config())
        assert raised.value.response_status_code == 410
        assert raised.value.error.code == "resyncRequired"
        location = raised.value.response_headers["location"]
        items, _link, _ = await _walk_delta(client, lib.drive.id, location, _delta_config())
        assert len(items) == 6

    run(server, scenario)


def test_children_with_list_item_fields(server: SandboxServer, lib: Library) -> None:
    async def scenario(client: GraphServiceClient) -> None:
        query = ChildrenRequestBuilder.ChildrenRequestBuilderGetQueryParameters(
            expand=["listItem($expand=fields($select=ApplicationDate))"], select=["id", "name"])
        page = await client.drives.by_drive_id(lib.drive.id).items.by_drive_item_id(lib.applicants.id) \
            .children.get(RequestConfiguration(query_parameters=query))
        dates = {i.name: i.list_item.fields.additional_data["ApplicationDate"] for i in page.value}
        # the SDK parses the UTC instant of Oslo midnight into a datetime
        assert dates == {"Ola": datetime(2026, 2, 28, 23, tzinfo=UTC), "Kari": datetime(2026, 7, 14, 22, tzinfo=UTC)}

    run(server, scenario)


def test_permissions_parse(server: SandboxServer, lib: Library) -> None:
    lib.tenant.add_link(lib.cv, "users", "edit", recipients=[lib.guest.id])
    lib.tenant.grant(lib.cv, ["write"], user_id=lib.user.id)

    async def scenario(client: GraphServiceClient) -> None:
        item = client.drives.by_drive_id(lib.drive.id).items.by_drive_item_id(lib.cv.id)
        permissions = (await item.permissions.get()).value
        owners = next(p for p in permissions if p.id == "3")
        assert owners.granted_to_v2.site_group.display_name == "Rekruttering Owners"
        assert owners.roles == ["owner"] and owners.inherited_from is None
        people = next(p for p in permissions if p.link is not None)
        assert people.link.scope == "users" and people.link.type == "edit"
        assert people.granted_to_identities_v2[0].user.id == lib.guest.id
        user = next(p for p in permissions if p.granted_to_v2 and p.granted_to_v2.user)
        assert user.granted_to_v2.site_user.login_name == "i:0#.f|membership|ola.hansen@tretoen.no"
        await item.permissions.by_permission_id(people.id).delete()
        assert people.id not in [p.id for p in (await item.permissions.get()).value]

    run(server, scenario)


def test_retention_label_and_guarded_delete(server: SandboxServer, lib: Library) -> None:
    async def scenario(client: GraphServiceClient) -> None:
        item = client.drives.by_drive_id(lib.drive.id).items.by_drive_item_id(lib.cv.id)
        label = await item.retention_label.patch(ItemRetentionLabel(name="Rekruttering-6m"))
        assert label.name == "Rekruttering-6m"
        assert label.retention_settings.behavior_during_retention_period == BehaviorDuringRetentionPeriod.Retain
        assert label.retention_settings.is_delete_allowed is False
        with pytest.raises(ODataError) as blocked:
            await item.delete()
        assert blocked.value.response_status_code == 403 and blocked.value.error.code == "accessDenied"

        await item.retention_label.delete()
        stale = (await item.get()).e_tag
        lib.tenant.touch(lib.cv)
        config = RequestConfiguration()
        config.headers.add("If-Match", stale)
        with pytest.raises(ODataError) as precondition:
            await item.delete(request_configuration=config)
        assert precondition.value.response_status_code == 412
        current = (await item.get()).e_tag
        fresh = RequestConfiguration()
        fresh.headers.add("If-Match", current)
        await item.delete(request_configuration=fresh)
        assert lib.cv.id not in lib.drive.items

    run(server, scenario)
