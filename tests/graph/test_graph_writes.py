"""Writes: retention labels, deletes with If-Match, retention-blocked deletes, permissions, events (§2.4, §4, §5)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from graph_world import World

from m365_compliance.graph import (
    GraphError,
    GraphGateway,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    RetentionBlocked,
)

pytestmark = pytest.mark.anyio


async def test_label_set_and_read(gateway: GraphGateway, world: World) -> None:
    drive = world.drive.id
    assert await gateway.get_retention_label(drive, world.notes.id) is None
    applied = await gateway.set_retention_label(drive, world.folder.id, "Keep-5y")
    assert (applied.name, applied.explicit, applied.is_record) == ("Keep-5y", True, False)
    assert applied.delete_allowed is False
    inherited = await gateway.get_retention_label(drive, world.notes.id)
    assert inherited is not None and inherited.name == "Keep-5y" and not inherited.explicit
    assert inherited.applied_at == world.tenant.now


async def test_unknown_label_is_refused_as_a_bad_request(gateway: GraphGateway, world: World) -> None:
    with pytest.raises(GraphError) as caught:
        await gateway.set_retention_label(world.drive.id, world.notes.id, "No-Such-Label")
    assert caught.value.status == 400


async def test_delete_with_if_match(gateway: GraphGateway, world: World) -> None:
    item = await gateway.get_item(world.drive.id, world.notes.id)
    assert item is not None and item.etag
    world.tenant.touch(world.tenant.item(world.drive.id, world.notes.id))
    with pytest.raises(PreconditionFailed) as caught:
        await gateway.delete_item(world.drive.id, world.notes.id, if_match=item.etag)
    assert caught.value.status == 412 and "eTag" in caught.value.hint
    fresh = await gateway.get_item(world.drive.id, world.notes.id)
    assert fresh is not None
    await gateway.delete_item(world.drive.id, world.notes.id, if_match=fresh.etag)
    assert await gateway.get_item(world.drive.id, world.notes.id) is None
    assert len(world.tenant.recycle_bin) == 1


async def test_permanent_delete(gateway: GraphGateway, world: World) -> None:
    await gateway.delete_item(world.drive.id, world.contract.id, if_match=None, permanent=True)
    assert await gateway.get_item(world.drive.id, world.contract.id) is None
    assert not world.tenant.recycle_bin


async def test_retention_blocks_deletion(gateway: GraphGateway, world: World) -> None:
    await gateway.set_retention_label(world.drive.id, world.notes.id, "Keep-5y")
    with pytest.raises(RetentionBlocked) as caught:
        await gateway.delete_item(world.drive.id, world.notes.id, if_match=None)
    assert (caught.value.status, caught.value.code) == (403, "accessDenied")
    assert "retention label" in caught.value.hint


async def test_delete_without_write_permission_names_it(gateway: GraphGateway, world: World) -> None:
    world.tenant.access.permissions.clear()
    world.tenant.access.permissions.add("Files.Read.All")
    with pytest.raises(PermissionDenied) as caught:
        await gateway.delete_permission(world.drive.id, world.cv.id, "3")
    assert "Files.ReadWrite.All" in caught.value.hint


async def test_delete_permission(gateway: GraphGateway, world: World) -> None:
    perms = await gateway.list_permissions(world.drive.id, world.cv.id)
    link = next(p for p in perms if p.link_scope is not None and p.link_scope.value == "anonymous")
    await gateway.delete_permission(world.drive.id, world.cv.id, link.id)
    assert link.id not in {p.id for p in await gateway.list_permissions(world.drive.id, world.cv.id)}
    with pytest.raises(NotFound):
        await gateway.delete_permission(world.drive.id, world.cv.id, link.id)


async def test_fire_retention_event(gateway: GraphGateway, world: World) -> None:
    when = datetime(2026, 9, 4, tzinfo=UTC)
    event_id = await gateway.fire_retention_event(event_type_id="contract-end", display_name="Contract 4815",
                                                  asset_ids=("4815", "4816"), trigger_at=when)
    (event,) = world.tenant.retention_events
    assert event.id == event_id and event.event_type_id == "contract-end" and event.trigger_at == when
    assert event.queries == (("files", "ComplianceAssetID:\"4815\""), ("files", "ComplianceAssetID:\"4816\""))


async def test_retention_events_need_records_management(gateway: GraphGateway, world: World) -> None:
    world.tenant.access.permissions.discard("RecordsManagement.ReadWrite.All")
    with pytest.raises(PermissionDenied) as caught:
        await gateway.fire_retention_event(event_type_id="t", display_name="x", asset_ids=("1",),
                                           trigger_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert "RecordsManagement.ReadWrite.All" in caught.value.hint
