"""Retention labels and deletion over real HTTP: 201/200/204, If-Match 412, retention 403,
recycle bin, costs (facts §4.1, §4.2, §5, §7.1)."""

from __future__ import annotations

import httpx
import pytest
from drive_world import Library, items_url

from m365_compliance.sandbox.server import SandboxServer


def _label_url(lib: Library, item) -> str:
    return f"{items_url(lib, item)}/retentionLabel"


# ---------------------------------------------------------------------- labels
def test_apply_label_201_then_200(http: httpx.Client, lib: Library) -> None:
    first = http.patch(_label_url(lib, lib.cv), json={"name": "Rekruttering-6m"})
    assert first.status_code == 201
    body = first.json()
    assert body["name"] == "Rekruttering-6m"
    assert body["isLabelAppliedExplicitly"] is True
    assert body["labelAppliedDateTime"] == "2026-11-25T02:00:00Z"
    assert body["retentionSettings"] == {
        "behaviorDuringRetentionPeriod": "retain", "isDeleteAllowed": False, "isRecordLocked": False,
        "isMetadataUpdateAllowed": True, "isContentUpdateAllowed": True, "isLabelUpdateAllowed": True,
    }
    again = http.patch(_label_url(lib, lib.cv), json={"name": "Slett-etter-1a"})
    assert again.status_code == 200
    assert again.json()["retentionSettings"]["isDeleteAllowed"] is True
    assert http.get(_label_url(lib, lib.cv)).json()["name"] == "Slett-etter-1a"


def test_unknown_label_is_400(http: httpx.Client, lib: Library) -> None:
    response = http.patch(_label_url(lib, lib.cv), json={"name": "No such label"})
    assert response.status_code == 400
    assert lib.cv.label is None


def test_unlabelled_item_get_is_404(http: httpx.Client, lib: Library) -> None:
    response = http.get(_label_url(lib, lib.cv))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "itemNotFound"


def test_folder_label_is_inherited(http: httpx.Client, lib: Library) -> None:
    assert http.patch(_label_url(lib, lib.applicants), json={"name": "Rekruttering-6m"}).status_code == 201
    body = http.get(_label_url(lib, lib.cv)).json()
    assert body["name"] == "Rekruttering-6m" and body["isLabelAppliedExplicitly"] is False


def test_lock_and_unlock_a_record(http: httpx.Client, lib: Library) -> None:
    http.patch(_label_url(lib, lib.cv), json={"name": "Kontrakt-record"})
    locked = http.patch(_label_url(lib, lib.cv), json={"retentionSettings": {"isRecordLocked": True}})
    assert locked.status_code == 200
    settings = locked.json()["retentionSettings"]
    assert settings["isRecordLocked"] is True and settings["isContentUpdateAllowed"] is False
    assert settings["isLabelUpdateAllowed"] is False
    unlocked = http.patch(_label_url(lib, lib.cv), json={"retentionSettings": {"isRecordLocked": False}})
    assert unlocked.json()["retentionSettings"]["isRecordLocked"] is False


def test_locking_a_non_record_is_400(http: httpx.Client, lib: Library) -> None:
    http.patch(_label_url(lib, lib.cv), json={"name": "Rekruttering-6m"})
    response = http.patch(_label_url(lib, lib.cv), json={"retentionSettings": {"isRecordLocked": True}})
    assert response.status_code == 400


def test_remove_label(http: httpx.Client, lib: Library) -> None:
    http.patch(_label_url(lib, lib.cv), json={"name": "Rekruttering-6m"})
    assert http.delete(_label_url(lib, lib.cv)).status_code == 204
    assert http.get(_label_url(lib, lib.cv)).status_code == 404


def test_record_label_cannot_be_removed_by_the_app(http: httpx.Client, lib: Library) -> None:
    http.patch(_label_url(lib, lib.cv), json={"name": "Kontrakt-record"})
    response = http.delete(_label_url(lib, lib.cv))
    assert response.status_code == 403
    assert http.get(_label_url(lib, lib.cv)).json()["name"] == "Kontrakt-record"


# ---------------------------------------------------------------------- deletion
def test_delete_goes_to_the_recycle_bin_and_can_be_restored(http: httpx.Client, lib: Library) -> None:
    assert http.delete(items_url(lib, lib.ola)).status_code == 204
    assert http.get(items_url(lib, lib.ola)).status_code == 404
    assert http.get(items_url(lib, lib.cv)).status_code == 404
    assert http.delete(items_url(lib, lib.ola)).status_code == 404  # already gone
    (entry,) = lib.tenant.recycle_bin.values()
    lib.tenant.restore(entry.id)
    assert http.get(items_url(lib, lib.cv)).json()["name"] == "cv.docx"


def test_permanent_delete_skips_the_recycle_bin(http: httpx.Client, lib: Library) -> None:
    assert http.post(f"{items_url(lib, lib.notes)}/permanentDelete").status_code == 204
    assert http.get(items_url(lib, lib.notes)).status_code == 404
    assert lib.tenant.recycle_bin == {}


def test_stale_if_match_is_412_and_leaves_the_item(http: httpx.Client, lib: Library) -> None:
    stale = lib.cv.etag
    lib.tenant.touch(lib.cv)
    response = http.delete(items_url(lib, lib.cv), headers={"If-Match": stale})
    assert response.status_code == 412
    error = response.json()["error"]
    assert error["code"] == "resourceModified"
    assert error["innerError"]["code"] == "entityTagDoesNotMatch"
    assert http.get(items_url(lib, lib.cv)).status_code == 200
    assert lib.tenant.recycle_bin == {}
    assert http.post(f"{items_url(lib, lib.cv)}/permanentDelete", headers={"If-Match": stale}).status_code == 412


@pytest.mark.parametrize("tag", ["etag", "ctag"])
def test_current_etag_or_ctag_matches(http: httpx.Client, lib: Library, tag: str) -> None:
    lib.tenant.rename(lib.cv, "cv-2.docx")  # a metadata change: new eTag, same cTag
    assert http.delete(items_url(lib, lib.cv), headers={"If-Match": getattr(lib.cv, tag)}).status_code == 204


def test_retention_label_blocks_delete(http: httpx.Client, lib: Library) -> None:
    lib.tenant.set_label(lib.cv, "Kontrakt-record")
    for response in (http.delete(items_url(lib, lib.cv)), http.post(f"{items_url(lib, lib.cv)}/permanentDelete"),
                     http.delete(items_url(lib, lib.ola))):  # a folder holding a record
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "accessDenied"
    assert http.get(items_url(lib, lib.cv)).status_code == 200


def test_folder_label_blocks_delete_of_its_items(http: httpx.Client, lib: Library) -> None:
    lib.tenant.set_label(lib.applicants, "Rekruttering-6m")
    assert http.delete(items_url(lib, lib.cv)).status_code == 403
    lib.tenant.set_label(lib.notes, "Slett-etter-1a")  # doNotRetain allows deletion
    assert http.delete(items_url(lib, lib.notes)).status_code == 204


def test_deleting_needs_write_permission(http: httpx.Client, lib: Library) -> None:
    lib.tenant.access.permissions = {"Files.Read.All"}
    assert http.delete(items_url(lib, lib.notes)).status_code == 403
    assert http.get(items_url(lib, lib.notes)).status_code == 200


def test_ru_costs(http: httpx.Client, lib: Library, server: SandboxServer) -> None:
    server.app.meter.reset()
    http.patch(_label_url(lib, lib.notes), json={"name": "Slett-etter-1a"})
    http.get(_label_url(lib, lib.notes))
    http.delete(_label_url(lib, lib.notes))
    http.delete(items_url(lib, lib.notes))
    http.post(f"{items_url(lib, lib.cv)}/permanentDelete")
    ru = server.app.meter.snapshot()["ruByEndpoint"]
    assert ru["PATCH /drives/{id}/items/{id}/retentionLabel"] == 2
    assert ru["GET /drives/{id}/items/{id}/retentionLabel"] == 1
    assert ru["DELETE /drives/{id}/items/{id}/retentionLabel"] == 2
    assert ru["DELETE /drives/{id}/items/{id}"] == 2
    assert ru["POST /drives/{id}/items/{id}/permanentDelete"] == 2
