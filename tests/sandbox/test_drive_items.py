"""Drives, driveItems, children and list-item columns over real HTTP (facts §1.2, §3.2–§3.4, §7.1)."""

from __future__ import annotations

from urllib.parse import quote

import httpx
from drive_world import Library, items_url

from m365_compliance.sandbox.server import SandboxServer


def test_drive_is_a_document_library(http: httpx.Client, lib: Library) -> None:
    body = http.get(f"/drives/{lib.drive.id}").json()
    assert body["id"] == lib.drive.id
    assert body["driveType"] == "documentLibrary"
    assert body["webUrl"] == "https://tretoen.sharepoint.com/sites/rekruttering/Documents"


def test_default_library_of_a_site(http: httpx.Client, lib: Library) -> None:
    lib.tenant.add_drive(lib.site, "Kontrakter")  # a second library is not the default
    encoded = quote("tretoen.sharepoint.com:/sites/rekruttering:", safe="")
    for ref in (lib.site.id, encoded):
        assert http.get(f"/sites/{ref}/drive").json()["id"] == lib.drive.id


def test_file_has_graph_shape(http: httpx.Client, lib: Library) -> None:
    cv = lib.tenant.add_file(lib.drive, lib.ola, "søknad.pdf", size=900, created_by=lib.user.id)
    body = http.get(items_url(lib, cv)).json()
    assert body["name"] == "søknad.pdf"
    assert body["eTag"] == cv.etag and body["cTag"] == cv.ctag
    assert body["size"] == 900
    assert body["file"] == {"mimeType": "application/pdf"}
    assert "folder" not in body and "root" not in body
    assert body["createdBy"] == {"user": {"id": lib.user.id, "displayName": "Ola Hansen",
                                         "email": "ola.hansen@tretoen.no"}}
    assert body["parentReference"] == {
        "driveId": lib.drive.id, "driveType": "documentLibrary", "id": lib.ola.id, "siteId": lib.site.id,
        "path": f"/drives/{lib.drive.id}/root:/Søkere/Ola",
    }
    assert body["webUrl"].endswith("/Documents/S%C3%B8kere/Ola/s%C3%B8knad.pdf")
    assert body["createdDateTime"].endswith("Z")


def test_root_by_alias_and_by_id(http: httpx.Client, lib: Library) -> None:
    by_path = http.get(f"/drives/{lib.drive.id}/root").json()
    by_alias = http.get(f"/drives/{lib.drive.id}/items/root").json()
    by_id = http.get(items_url(lib)).json()
    assert by_path == by_alias == by_id
    assert by_path["root"] == {} and by_path["folder"] == {"childCount": 2}
    assert "id" not in by_path["parentReference"] and "path" not in by_path["parentReference"]


def test_default_library_of_a_site_by_id_and_by_path(http: httpx.Client, lib: Library) -> None:
    by_id = http.get(f"/sites/{lib.site.id}/drive/items/{lib.cv.id}").json()
    encoded = quote("tretoen.sharepoint.com:/sites/rekruttering:", safe="")
    by_path = http.get(f"/sites/{encoded}/drive/items/{lib.cv.id}").json()
    assert by_id["id"] == by_path["id"] == lib.cv.id
    assert http.get(f"/sites/{lib.site.id}/drive/root/children").json()["value"][0]["id"] == lib.applicants.id


def test_select_projects_properties(http: httpx.Client, lib: Library) -> None:
    body = http.get(items_url(lib, lib.cv), params={"$select": "id,name,eTag"}).json()
    assert body == {"id": lib.cv.id, "name": "cv.docx", "eTag": lib.cv.etag}


def test_unknown_and_deleted_items_are_404(http: httpx.Client, lib: Library) -> None:
    assert http.get(f"/drives/{lib.drive.id}/items/01NOPE").status_code == 404
    lib.tenant.delete_item(lib.notes)
    response = http.get(items_url(lib, lib.notes))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "itemNotFound"
    assert http.get("/drives/b!unknown").status_code == 404


def test_list_item_fields_sdk_encoding(http: httpx.Client, lib: Library) -> None:
    """The SDK percent-encodes the expand value (facts §3.4); date-only columns are Oslo midnight in UTC."""
    body = http.get(f"{items_url(lib, lib.ola)}?$expand=listItem%28%24expand%3Dfields%29").json()
    fields = body["listItem"]["fields"]
    assert fields["ApplicationDate"] == "2026-02-28T23:00:00Z"
    assert fields["Hired"] is False
    assert fields["FileLeafRef"] == "Ola"
    assert fields["ContentType"] == "Folder"
    assert fields["id"] == body["listItem"]["id"]
    assert fields["@odata.etag"] == body["listItem"]["eTag"]
    assert {"Created", "Modified"} <= set(fields)
    assert "_ComplianceTag" not in fields


def test_list_item_fields_select_docs_spelling(http: httpx.Client, lib: Library) -> None:
    body = http.get(items_url(lib, lib.kari), params={"expand": "listItem(expand=fields(select=ApplicationDate))"}).json()
    assert body["listItem"]["fields"] == {"@odata.etag": body["listItem"]["eTag"],
                                          "ApplicationDate": "2026-07-14T22:00:00Z"}


def test_winter_date_uses_standard_time_offset(http: httpx.Client, lib: Library) -> None:
    lib.tenant.set_fields(lib.kari, {"ApplicationDate": "2026-01-15"})
    body = http.get(items_url(lib, lib.kari), params={"$expand": "listItem($expand=fields($select=ApplicationDate))"})
    assert body.json()["listItem"]["fields"]["ApplicationDate"] == "2026-01-14T23:00:00Z"


def test_labelled_item_has_compliance_tag_and_expandable_label(http: httpx.Client, lib: Library) -> None:
    lib.tenant.set_label(lib.ola, "Rekruttering-6m")
    body = http.get(items_url(lib, lib.cv), params={"$expand": "listItem($expand=fields),retentionLabel",
                                                     "$select": "id"}).json()
    assert set(body) == {"id", "listItem", "retentionLabel"}
    assert body["listItem"]["fields"]["_ComplianceTag"] == "Rekruttering-6m"
    assert body["retentionLabel"]["name"] == "Rekruttering-6m"
    assert body["retentionLabel"]["isLabelAppliedExplicitly"] is False


def test_list_item_endpoint(http: httpx.Client, lib: Library) -> None:
    plain = http.get(f"{items_url(lib, lib.ola)}/listItem").json()
    assert "fields" not in plain and plain["contentType"]["name"] == "Folder"
    expanded = http.get(f"{items_url(lib, lib.ola)}/listItem", params={"$expand": "fields($select=Hired)"}).json()
    assert expanded["fields"]["Hired"] is False


def test_shared_facet_without_prefer_marks_every_shared_item(http: httpx.Client, lib: Library) -> None:
    """Outside hierarchicalsharing, an item inheriting a non-site-group grant is shared too."""
    assert http.get(items_url(lib, lib.cv)).json()["shared"] == {"scope": "users"}
    assert "shared" not in http.get(items_url(lib, lib.notes)).json()
    assert "shared" not in http.get(items_url(lib)).json()
    lib.tenant.add_link(lib.notes, "organization")
    assert http.get(items_url(lib, lib.notes)).json()["shared"] == {"scope": "organization"}


def test_children_pages_with_absolute_next_links(http: httpx.Client, lib: Library, server: SandboxServer) -> None:
    for n in range(5):
        lib.tenant.add_file(lib.drive, lib.kari, f"doc{n}.docx")
    url: str | None = f"{items_url(lib, lib.kari)}/children?$top=2&$select=id,name"
    names: list[str] = []
    pages = 0
    while url:
        body = http.get(url).json()
        pages += 1
        names += [v["name"] for v in body["value"]]
        assert all(set(v) == {"id", "name"} for v in body["value"])
        url = body.get("@odata.nextLink")
        if url:
            assert url.startswith(server.base_url + "/")
    assert pages == 3
    assert names == [f"doc{n}.docx" for n in range(5)]


def test_children_with_list_item_expand(http: httpx.Client, lib: Library) -> None:
    body = http.get(f"{items_url(lib, lib.applicants)}/children",
                    params={"$expand": "listItem($expand=fields($select=ApplicationDate))", "$select": "id,name"}).json()
    dates = {v["name"]: v["listItem"]["fields"]["ApplicationDate"] for v in body["value"]}
    assert dates == {"Ola": "2026-02-28T23:00:00Z", "Kari": "2026-07-14T22:00:00Z"}


def test_children_server_cap(http: httpx.Client, lib: Library) -> None:
    for n in range(1001):
        lib.tenant.add_file(lib.drive, lib.kari, f"f{n}.txt")
    default = http.get(f"{items_url(lib, lib.kari)}/children", params={"$select": "id"}).json()
    assert len(default["value"]) == 200 and "@odata.nextLink" in default
    capped = http.get(f"{items_url(lib, lib.kari)}/children", params={"$select": "id", "$top": "5000"}).json()
    assert len(capped["value"]) == 1000
    rest = http.get(capped["@odata.nextLink"]).json()
    assert len(rest["value"]) == 1 and "@odata.nextLink" not in rest


def test_refused_site_is_403(http: httpx.Client, lib: Library) -> None:
    lib.tenant.access.denied_sites.add(lib.site.id)
    response = http.get(items_url(lib, lib.cv))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "accessDenied"


def test_ru_costs(http: httpx.Client, lib: Library, server: SandboxServer) -> None:
    server.app.meter.reset()
    http.get(items_url(lib, lib.cv))
    http.get(f"{items_url(lib, lib.applicants)}/children")
    http.get(f"/drives/{lib.drive.id}")
    ru = server.app.meter.snapshot()["ruByEndpoint"]
    assert ru["GET /drives/{id}/items/{id}"] == 1
    assert ru["GET /drives/{id}/items/{id}/children"] == 2
    assert ru["GET /drives/{id}"] == 1
