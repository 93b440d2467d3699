"""File content (download 302, simple upload) and Microsoft Search over real HTTP.

Sources: driveitem-get-content.md, driveitem-put-content.md, search-query.md, resources/searchrequest.md,
search-concept-files.md; docs/sandbox-endpoints-drives.md lists the differences.
"""

from __future__ import annotations

import httpx
from drive_world import Library, items_url

from m365_compliance.sandbox.server import SandboxServer

SEARCH = {"entityTypes": ["driveItem"], "region": "EMEA"}


def _search(http: httpx.Client, query: str, **extra: object) -> httpx.Response:
    return http.post("/search/query", json={"requests": [{**SEARCH, "query": {"queryString": query}, **extra}]})


def test_content_redirects_to_a_download_url_that_needs_no_token(http: httpx.Client, lib: Library) -> None:
    answer = http.get(f"{items_url(lib, lib.cv)}/content")
    assert answer.status_code == 302 and not answer.content
    location = answer.headers["location"]
    assert location.startswith(f"{http.base_url.scheme}://{http.base_url.host}:{http.base_url.port}/_layouts/15/")
    file = httpx.get(location)  # no Authorization header: the URL authorises itself
    assert file.status_code == 200
    assert file.content == lib.tenant.file_content(lib.cv) and len(file.content) == 48211
    assert file.headers["content-type"].startswith("application/vnd.openxmlformats")


def test_generated_content_is_stable_and_changes_with_the_ctag(http: httpx.Client, lib: Library) -> None:
    before = lib.tenant.file_content(lib.cv)
    assert lib.tenant.file_content(lib.cv) == before
    lib.tenant.touch(lib.cv)
    assert lib.tenant.file_content(lib.cv) != before and len(lib.tenant.file_content(lib.cv)) == lib.cv.size


def test_download_url_annotation_follows_select(http: httpx.Client, lib: Library) -> None:
    plain = http.get(items_url(lib, lib.cv)).json()
    assert "@microsoft.graph.downloadUrl" in plain
    assert "@microsoft.graph.downloadUrl" not in http.get(items_url(lib, lib.cv), params={"$select": "id"}).json()
    chosen = http.get(items_url(lib, lib.cv), params={"$select": "id,@microsoft.graph.downloadUrl"}).json()
    assert httpx.get(chosen["@microsoft.graph.downloadUrl"]).content == lib.tenant.file_content(lib.cv)
    assert "@microsoft.graph.downloadUrl" not in http.get(items_url(lib, lib.ola)).json()  # folders have none


def test_not_modified_folder_and_forged_or_expired_urls(http: httpx.Client, lib: Library) -> None:
    assert http.get(f"{items_url(lib, lib.cv)}/content", headers={"if-none-match": lib.cv.etag}).status_code == 304
    assert http.get(f"{items_url(lib, lib.ola)}/content").status_code == 400
    location = http.get(f"{items_url(lib, lib.cv)}/content").headers["location"]
    assert httpx.get(location[:-4] + "0000").status_code == 401
    lib.tenant.advance_clock(minutes=11)
    expired = httpx.get(location)
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_download_of_a_deleted_file_is_404(http: httpx.Client, lib: Library) -> None:
    location = http.get(f"{items_url(lib, lib.cv)}/content").headers["location"]
    lib.tenant.delete_item(lib.cv)
    assert httpx.get(location).status_code == 404
    assert http.get(f"{items_url(lib, lib.cv)}/content").status_code == 404


def test_simple_upload_creates_then_replaces(http: httpx.Client, lib: Library, server: SandboxServer) -> None:
    url = f"/drives/{lib.drive.id}/items/{lib.ola.id}:/state.json:/content"
    created = http.put(url, content=b'{"run": 1}')
    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["size"], body["parentReference"]["id"]) == ("state.json", 10, lib.ola.id)
    replaced = http.put(url, content=b'{"run": 22}')
    assert replaced.status_code == 200 and replaced.json()["id"] == body["id"]
    assert replaced.json()["eTag"] != body["eTag"] and replaced.json()["size"] == 11
    item = lib.tenant.item(lib.drive.id, body["id"])
    assert lib.tenant.file_content(item) == b'{"run": 22}'
    by_id = http.put(f"{items_url(lib, item)}/content", content=b"x")
    assert by_id.status_code == 200 and lib.tenant.file_content(item) == b"x"
    assert http.put(f"/drives/{lib.drive.id}/root:/top.txt:/content", content=b"t").status_code == 201
    assert server.app.meter.snapshot()["writes"] == 4


def test_upload_refusals(http: httpx.Client, lib: Library) -> None:
    assert http.put(f"/drives/{lib.drive.id}/items/{lib.applicants.id}:/Ola:/content", content=b"x").status_code == 409
    bad = http.put(f"/drives/{lib.drive.id}/items/{lib.ola.id}:/a|b.txt:/content", content=b"x")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalidRequest"
    lib.tenant.access.permissions.clear()
    lib.tenant.access.permissions.add("Files.Read.All")
    assert http.put(f"/drives/{lib.drive.id}/items/{lib.ola.id}:/c.txt:/content", content=b"x").status_code == 403


def test_search_finds_names_paths_authors_and_text(http: httpx.Client, lib: Library) -> None:
    lib.tenant.add_file(lib.drive, lib.kari, "letter.txt", content=b"Dear Kari Nordmann,\nthanks.")
    body = _search(http, '"kari nordmann" OR cv.docx').json()
    container = body["value"][0]["hitsContainers"][0]
    names = [h["resource"]["name"] for h in container["hits"]]
    assert names == ["cv.docx", "letter.txt"] and container["total"] == 2 and not container["moreResultsAvailable"]
    hit = container["hits"][0]
    assert hit["resource"]["@odata.type"] == "#microsoft.graph.driveItem" and hit["hitId"] == lib.cv.id
    assert hit["resource"]["parentReference"]["driveId"] == lib.drive.id
    assert body["value"][0]["searchTerms"] == ["kari nordmann", "cv.docx"]
    by_author = _search(http, "ola.hansen@tretoen.no").json()["value"][0]["hitsContainers"][0]
    assert by_author["total"] == 0
    lib.tenant.add_file(lib.drive, lib.kari, "signed.pdf", created_by=lib.user.id)
    by_author = _search(http, "ola.hansen@tretoen.no").json()["value"][0]["hitsContainers"][0]
    assert [h["resource"]["name"] for h in by_author["hits"]] == ["signed.pdf"]
    both = _search(http, "Ola cv").json()["value"][0]["hitsContainers"][0]  # implicit AND: Ola's cv only
    assert [h["resource"]["name"] for h in both["hits"]] == ["cv.docx"]


def test_search_pages_with_from_and_size(http: httpx.Client, lib: Library) -> None:
    for n in range(5):
        lib.tenant.add_file(lib.drive, lib.kari, f"rapport {n}.docx")
    first = _search(http, "rapport", size=2).json()["value"][0]["hitsContainers"][0]
    rest = _search(http, "rapport", **{"from": 2, "size": 10}).json()["value"][0]["hitsContainers"][0]
    assert first["total"] == 5 and first["moreResultsAvailable"] and len(first["hits"]) == 2
    assert not rest["moreResultsAvailable"] and len(rest["hits"]) == 3
    assert [h["rank"] for h in rest["hits"]] == [3, 4, 5]


def test_search_needs_a_region_and_a_permission(http: httpx.Client, lib: Library) -> None:
    missing = http.post("/search/query", json={"requests": [{"entityTypes": ["driveItem"],
                                                              "query": {"queryString": "cv"}}]})
    assert missing.status_code == 400
    assert missing.json()["error"]["message"] == ("SearchRequest Invalid (Region is required when request with "
                                                  "application permission.)")
    assert _search(http, "cv", entityTypes=["message"]).status_code == 400
    lib.tenant.access.permissions.clear()
    lib.tenant.access.permissions.add("Sites.Selected")
    assert _search(http, "cv").status_code == 403
    lib.tenant.access.permissions.add("Files.Read.All")
    assert _search(http, "cv").status_code == 200


def test_search_leaves_out_denied_sites(http: httpx.Client, lib: Library) -> None:
    assert _search(http, "cv").json()["value"][0]["hitsContainers"][0]["total"] == 1
    lib.tenant.access.denied_sites.add(lib.site.id)
    assert _search(http, "cv").json()["value"][0]["hitsContainers"][0]["total"] == 0
