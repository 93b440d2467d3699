"""Content and search through the real gateway: download (302 and downloadUrl), simple upload, Microsoft Search."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from graph_world import FakeClock, World, in_process

from m365_compliance.graph import GraphError, GraphGateway, NotFound, PermissionDenied

pytestmark = pytest.mark.anyio


async def test_download_follows_the_download_url(gateway: GraphGateway, world: World, tmp_path: Path) -> None:
    size = await gateway.download_to(world.drive.id, world.cv.id, tmp_path / "cv.pdf")
    assert (tmp_path / "cv.pdf").read_bytes() == world.tenant.file_content(world.cv) and size > 0


async def test_download_to_streams_into_a_private_file(gateway: GraphGateway, world: World, tmp_path: Path) -> None:
    world.tenant.write_content(world.notes, b"notes about someone\n" * 1000)
    target = tmp_path / "notes.docx"
    size = await gateway.download_to(world.drive.id, world.notes.id, target)
    assert size == 20_000 and target.read_bytes() == world.tenant.file_content(world.notes)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


async def test_download_refusals(gateway: GraphGateway, world: World, tmp_path: Path) -> None:
    with pytest.raises(GraphError) as folder:
        await gateway.download_to(world.drive.id, world.folder.id, tmp_path / "x")
    assert folder.value.code == "noDownloadUrl"
    world.tenant.delete_item(world.notes)
    with pytest.raises(NotFound):
        await gateway.download_to(world.drive.id, world.notes.id, tmp_path / "y")


async def test_the_download_url_gets_no_token(world: World, clock: FakeClock, tmp_path: Path) -> None:
    gw, recorder = in_process(world, clock)
    async with gw:
        await gw.download_to(world.drive.id, world.cv.id, tmp_path / "cv.pdf")
    (_, item_path, item_headers), (_, file_path, file_headers) = recorder.requests
    assert item_path.endswith(f"/items/{world.cv.id}") and file_path == "/_layouts/15/download.aspx"
    assert "authorization" in item_headers and "authorization" not in file_headers


async def test_upload_small_creates_and_replaces(gateway: GraphGateway, world: World) -> None:
    first = await gateway.upload_small(world.drive.id, world.folder.id, "state æ.json", b'{"n": 1}')
    again = await gateway.upload_small(world.drive.id, world.folder.id, "state æ.json", b'{"n": 12}')
    assert (first.name, first.size, first.parent_id) == ("state æ.json", 8, world.folder.id)
    assert again.id == first.id and again.etag != first.etag and again.size == 9
    assert world.tenant.file_content(world.tenant.item(world.drive.id, first.id)) == b'{"n": 12}'
    with pytest.raises(GraphError) as bad:
        await gateway.upload_small(world.drive.id, world.folder.id, "a?b", b"")
    assert bad.value.status == 400


async def test_search_pages_and_maps_hits(gateway: GraphGateway, world: World) -> None:
    hits = await gateway.search_drive_items('"doc-" OR cv.pdf', region="EMEA", page_size=2)
    assert [h.name for h in hits] == ["cv.pdf", *(f"doc-{n}.txt" for n in range(5))]
    assert {(h.drive_id, h.site_id, h.is_folder) for h in hits} == {(world.drive.id, world.site.id, False)}
    assert hits[0].item_id == world.cv.id and hits[0].web_url.endswith("/S%C3%B8kere/cv.pdf")
    assert len(await gateway.search_drive_items('"doc-"', region="EMEA", page_size=2, limit=3)) == 3


async def test_search_without_permission_names_what_to_grant(gateway: GraphGateway, world: World) -> None:
    world.tenant.access.permissions.discard("Sites.FullControl.All")
    with pytest.raises(PermissionDenied) as denied:
        await gateway.search_drive_items("cv", region="EMEA")
    assert denied.value.status == 403 and "Files.Read.All or Sites.Read.All" in denied.value.permission
