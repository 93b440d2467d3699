"""driveItem delta over real HTTP: URL forms, paging, incremental changes, Prefer values, 410 (facts §1, §10)."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from drive_world import SHARING_PREFER, Library, follow

from m365_compliance.sandbox.http.resources.delta import ENUMERATIONS
from m365_compliance.sandbox.server import SandboxServer


def _delta(lib: Library) -> str:
    return f"/drives/{lib.drive.id}/root/delta"


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def _ids(values: list[dict]) -> list[str]:
    return [v["id"] for v in values]


def _by_id(values: list[dict]) -> dict[str, dict]:
    return {v["id"]: v for v in values}  # the last occurrence wins, as facts §1.2 says


def _changes(http: httpx.Client, link: str, **headers: str) -> tuple[dict[str, dict], str]:
    values, next_delta, _pages = follow(http, link, **headers)
    return _by_id(values), next_delta


# ---------------------------------------------------------------------- URL forms
def test_every_url_form_enumerates_the_same_items(http: httpx.Client, lib: Library) -> None:
    site_path = quote("tretoen.sharepoint.com:/sites/rekruttering:", safe="")
    forms = [
        f"/drives/{lib.drive.id}/root/delta",
        f"/drives/{lib.drive.id}/root/delta()",
        f"/drives/{lib.drive.id}/items/root/delta()",
        f"/drives/{lib.drive.id}/items/{lib.root.id}/delta",
        f"/sites/{lib.site.id}/drive/root/delta",
        f"/sites/{site_path}/drive/items/root/delta()",
    ]
    results = [_ids(follow(http, form)[0]) for form in forms]
    assert all(r == results[0] for r in results)
    assert len(results[0]) == 6


def test_every_token_form_gives_the_same_changes(http: httpx.Client, lib: Library) -> None:
    _values, link, _ = follow(http, _delta(lib))
    token = _token(link)
    lib.tenant.rename(lib.notes, "notater.txt")
    base = f"/drives/{lib.drive.id}"
    forms = [
        link,
        f"{base}/root/delta?token={token}",
        f"{base}/items/root/delta(token='{token}')",
        f"{base}/root/delta(token={token})",
        f"{base}/root/delta?(token='{token}')",
    ]
    for form in forms:
        changes, _ = _changes(http, form)
        assert changes[lib.notes.id]["name"] == "notater.txt", form


def test_delta_below_a_subfolder_is_refused(http: httpx.Client, lib: Library) -> None:
    response = http.get(f"/drives/{lib.drive.id}/items/{lib.applicants.id}/delta")
    assert response.status_code == 400
    assert http.get(f"/drives/{lib.drive.id}/items/01NOPE/delta").status_code == 404


# ---------------------------------------------------------------------- full enumeration
def test_full_enumeration_is_preorder_without_paths(http: httpx.Client, lib: Library, server: SandboxServer) -> None:
    values, link, _ = follow(http, _delta(lib))
    assert values[0]["id"] == lib.root.id and values[0]["root"] == {}
    seen: set[str] = set()
    for value in values:
        parent = value["parentReference"].get("id")
        assert parent is None or parent in seen, "parents come before their children"
        assert "path" not in value["parentReference"]
        seen.add(value["id"])
    assert link.startswith(server.base_url + "/drives/")


def test_paging_is_absolute_and_consistent_under_writes(http: httpx.Client, lib: Library,
                                                         server: SandboxServer) -> None:
    first = http.get(_delta(lib), params={"$top": "2"}).json()
    assert len(first["value"]) == 2
    assert "@odata.deltaLink" not in first
    assert first["@odata.nextLink"].startswith(server.base_url + "/")
    added = lib.tenant.add_file(lib.drive, lib.kari, "late.docx")  # after the enumeration started
    rest, link, pages = follow(http, first["@odata.nextLink"])
    ids = _ids(first["value"] + rest)
    assert pages == 2  # 6 items at 2 a page: the first page plus two more
    assert len(ids) == len(set(ids)) == 6 and added.id not in ids
    changes, _ = _changes(http, link)
    assert added.id in changes


def test_server_page_cap(http: httpx.Client, lib: Library) -> None:
    for n in range(250):
        lib.tenant.add_file(lib.drive, lib.kari, f"f{n}.txt")
    first = http.get(_delta(lib), params={"$select": "id"}).json()
    assert len(first["value"]) == 200
    second = http.get(first["@odata.nextLink"]).json()
    assert len(second["value"]) == 256 - 200 and "@odata.deltaLink" in second
    assert set(second["value"][0]) == {"id"}  # $select travels with the nextLink


def test_evicted_enumeration_answers_410(http: httpx.Client, lib: Library) -> None:
    first = http.get(_delta(lib), params={"$top": "2"}).json()
    ENUMERATIONS.clear()
    response = http.get(first["@odata.nextLink"])
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "resyncRequired"


# ---------------------------------------------------------------------- token=latest, incremental
def test_token_latest_is_empty_with_a_delta_link(http: httpx.Client, lib: Library) -> None:
    for url in (f"{_delta(lib)}?token=latest", f"/drives/{lib.drive.id}/items/root/delta(token='latest')"):
        body = http.get(url).json()
        assert body["value"] == [] and "@odata.deltaLink" in body and "@odata.nextLink" not in body
    lib.tenant.touch(lib.cv)
    changes, _ = _changes(http, body["@odata.deltaLink"])
    assert lib.cv.id in changes


def test_nothing_changed_gives_an_empty_page(http: httpx.Client, lib: Library) -> None:
    _values, link, _ = follow(http, _delta(lib))
    changes, again = _changes(http, link)
    assert changes == {}
    assert again.startswith(link.split("?")[0])


def test_create_appears_after_its_parent_chain(http: httpx.Client, lib: Library) -> None:
    _values, link, _ = follow(http, _delta(lib))
    new = lib.tenant.add_file(lib.drive, lib.kari, "ny.docx")
    values, _, _ = follow(http, link)
    assert _ids(values) == [lib.root.id, lib.applicants.id, lib.kari.id, new.id]
    assert values[-1]["name"] == "ny.docx" and "path" not in values[-1]["parentReference"]


def test_delta_exclude_parent_header(http: httpx.Client, lib: Library) -> None:
    _values, link, _ = follow(http, _delta(lib))
    new = lib.tenant.add_file(lib.drive, lib.kari, "ny.docx")
    values, _, _ = follow(http, link, deltaExcludeParent="true")
    assert _ids(values) == [new.id]


def test_modify_rename_and_move(http: httpx.Client, lib: Library) -> None:
    _values, link, _ = follow(http, _delta(lib))
    lib.tenant.touch(lib.cv, size=50000)
    changes, link = _changes(http, link)
    assert changes[lib.cv.id]["eTag"] == lib.cv.etag and changes[lib.cv.id]["size"] == 50000
    lib.tenant.rename(lib.notes, "notater.txt")
    changes, link = _changes(http, link)
    assert changes[lib.notes.id]["name"] == "notater.txt"
    assert lib.cv.id not in changes
    lib.tenant.move(lib.cv, lib.kari)
    changes, link = _changes(http, link)
    assert changes[lib.cv.id]["parentReference"]["id"] == lib.kari.id


def test_delete_reports_tombstones(http: httpx.Client, lib: Library) -> None:
    _values, link, _ = follow(http, _delta(lib))
    lib.tenant.delete_item(lib.ola)
    values, _, _ = follow(http, link)
    changes = _by_id(values)
    assert changes[lib.cv.id] == {"id": lib.cv.id, "deleted": {"state": "deleted"}, "file": {},
                                  "parentReference": {"driveId": lib.drive.id, "driveType": "documentLibrary"}}
    assert changes[lib.ola.id]["folder"] == {} and changes[lib.ola.id]["deleted"] == {"state": "deleted"}
    assert "name" not in changes[lib.ola.id] and "cTag" not in changes[lib.ola.id]
    assert _ids(values).index(lib.cv.id) < _ids(values).index(lib.ola.id)


def test_restored_item_comes_back_live(http: httpx.Client, lib: Library) -> None:
    entry = lib.tenant.delete_item(lib.notes)
    _values, link, _ = follow(http, _delta(lib))
    assert entry is not None
    lib.tenant.restore(entry.id)
    changes, _ = _changes(http, link)
    assert changes[lib.notes.id]["name"] == "notes.txt" and "deleted" not in changes[lib.notes.id]


def test_select_without_deleted_strips_the_facet(http: httpx.Client, lib: Library) -> None:
    """The real pitfall (facts §1.3): a tombstone then arrives as just id + file facet."""
    _values, link, _ = follow(http, f"{_delta(lib)}?$select=id,name,file,folder")
    lib.tenant.delete_item(lib.notes)
    changes, _ = _changes(http, link)
    assert changes[lib.notes.id] == {"id": lib.notes.id, "file": {}}


def test_select_with_deleted_keeps_the_facet(http: httpx.Client, lib: Library) -> None:
    _values, link, _ = follow(http, f"{_delta(lib)}?$select=id,deleted,file")
    lib.tenant.delete_item(lib.notes)
    changes, _ = _changes(http, link)
    assert changes[lib.notes.id] == {"id": lib.notes.id, "deleted": {"state": "deleted"}, "file": {}}


def test_quirk_off_keeps_deleted_without_select(http: httpx.Client, lib: Library) -> None:
    lib.tenant.quirks.strip_deleted_without_select = False
    _values, link, _ = follow(http, f"{_delta(lib)}?$select=id")
    lib.tenant.delete_item(lib.notes)
    changes, _ = _changes(http, link)
    assert changes[lib.notes.id] == {"id": lib.notes.id, "deleted": {"state": "deleted"}}


# ---------------------------------------------------------------------- sharing Prefer values
def test_permission_change_is_invisible_without_sharing_prefer(http: httpx.Client, lib: Library) -> None:
    _values, link, _ = follow(http, _delta(lib))
    lib.tenant.add_link(lib.cv, "anonymous")
    changes, _ = _changes(http, link)
    assert changes == {}


def test_permission_change_with_sharing_prefer_is_annotated(http: httpx.Client, lib: Library) -> None:
    _values, link, _ = follow(http, _delta(lib), Prefer=SHARING_PREFER)
    lib.tenant.add_link(lib.cv, "anonymous")
    lib.tenant.touch(lib.notes)
    response = http.get(link, headers={"Prefer": SHARING_PREFER})
    changes = _by_id(response.json()["value"])
    assert changes[lib.cv.id]["@microsoft.graph.sharedChanged"] == "True"
    assert changes[lib.cv.id]["shared"] == {"scope": "anonymous"}
    assert "@microsoft.graph.sharedChanged" not in changes[lib.notes.id]
    applied = {v.strip() for v in response.headers["Preference-Applied"].split(",")}
    assert applied == {"deltashowremovedasdeleted", "deltatraversepermissiongaps", "deltashowsharingchanges"}


def test_prefer_is_case_insensitive(http: httpx.Client, lib: Library) -> None:
    _values, link, _ = follow(http, _delta(lib))
    lib.tenant.add_link(lib.cv, "organization")
    changes, _ = _changes(http, link, Prefer=SHARING_PREFER.upper())
    assert lib.cv.id in changes


# ``deltashowsharingchanges`` without both companions is malformed (onedrive-api-docs #1298, facts §1.4).
MISSING_COMPANIONS = ("Must also prefer deltashowremovedasdeleted and deltatraversepermissiongaps when "
                      "preferring deltashowsharingchanges.")


@pytest.mark.parametrize("prefer", [
    "deltashowsharingchanges",
    "deltashowsharingchanges, deltashowremovedasdeleted",
    "deltashowsharingchanges, deltatraversepermissiongaps",
    "DeltaShowSharingChanges, hierarchicalsharing",
])
def test_sharing_changes_without_both_companions_is_400(http: httpx.Client, lib: Library, prefer: str) -> None:
    response = http.get(_delta(lib), headers={"Prefer": prefer})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("invalidRequest", MISSING_COMPANIONS)
    assert "Preference-Applied" not in response.headers


@pytest.mark.parametrize("prefer", [
    None,
    SHARING_PREFER,
    "deltashowremovedasdeleted, deltatraversepermissiongaps",  # the companions alone ask for nothing wrong
    "hierarchicalsharing",
])
def test_delta_with_all_three_or_without_sharing_changes_is_200(http: httpx.Client, lib: Library,
                                                                prefer: str | None) -> None:
    response = http.get(_delta(lib), headers={"Prefer": prefer} if prefer else {})
    assert response.status_code == 200, response.text
    assert "@odata.deltaLink" in response.json()


def test_missing_companions_fail_before_the_token_is_read(http: httpx.Client, lib: Library) -> None:
    """The 400 comes first: no page, no link, no 410 for an expired token; the token still serves after."""
    _values, link, _ = follow(http, _delta(lib), Prefer=SHARING_PREFER)
    lib.tenant.add_link(lib.cv, "anonymous")
    refused = http.get(link, headers={"Prefer": "deltashowsharingchanges"})
    assert refused.status_code == 400
    assert set(refused.json()) == {"error"}
    changes, _ = _changes(http, link, Prefer=SHARING_PREFER)
    assert changes[lib.cv.id]["@microsoft.graph.sharedChanged"] == "True"
    lib.tenant.expire_delta_tokens(lib.drive)
    assert http.get(link, headers={"Prefer": "deltashowsharingchanges"}).status_code == 400
    assert http.get(link, headers={"Prefer": SHARING_PREFER}).status_code == 410


def test_missing_companions_are_400_even_for_an_app_that_would_not_get_them(http: httpx.Client,
                                                                            lib: Library) -> None:
    lib.tenant.access.permissions = {"Sites.Read.All"}
    assert http.get(_delta(lib), headers={"Prefer": "deltashowsharingchanges"}).status_code == 400


def test_prefer_values_on_separate_header_lines_count_together(http: httpx.Client, lib: Library) -> None:
    """HTTP lets a list header be split over several lines (RFC 9110 §5.3); the companions still count."""
    headers = [("Prefer", value) for value in SHARING_PREFER.split(", ")]
    response = http.get(_delta(lib), headers=headers)
    assert response.status_code == 200, response.text
    applied = {v.strip() for v in response.headers["Preference-Applied"].split(",")}
    assert applied == set(SHARING_PREFER.split(", "))


def test_shared_changed_not_on_folders_by_default(http: httpx.Client, lib: Library) -> None:
    _values, link, _ = follow(http, _delta(lib))
    lib.tenant.add_link(lib.kari, "organization")
    changes, _ = _changes(http, link, Prefer=SHARING_PREFER)
    assert lib.kari.id in changes and "@microsoft.graph.sharedChanged" not in changes[lib.kari.id]
    lib.tenant.quirks.shared_changed_files_only = False
    changes, _ = _changes(http, link, Prefer=SHARING_PREFER)
    assert changes[lib.kari.id]["@microsoft.graph.sharedChanged"] == "True"


def test_sharing_prefer_needs_full_control(http: httpx.Client, lib: Library) -> None:
    lib.tenant.access.permissions = {"Sites.Read.All"}
    _values, link, _ = follow(http, _delta(lib))
    lib.tenant.add_link(lib.cv, "anonymous")
    response = http.get(link, headers={"Prefer": SHARING_PREFER + ", hierarchicalsharing"})
    assert response.json()["value"] == []
    assert response.headers["Preference-Applied"] == "hierarchicalsharing"


def test_hierarchical_sharing_marks_permission_roots_only(http: httpx.Client, lib: Library) -> None:
    lib.tenant.break_inheritance(lib.kari)  # unique, but nothing beyond what it inherited
    lib.tenant.add_link(lib.cv, "anonymous")
    values, _, _ = follow(http, _delta(lib), Prefer="hierarchicalsharing")
    shared = {v["id"]: v.get("shared") for v in values}
    assert shared[lib.root.id] == {}
    assert shared[lib.applicants.id] == {"scope": "users"}  # a group grant
    assert shared[lib.kari.id] == {"scope": "users"}  # copied the group grant when it broke inheritance
    assert shared[lib.cv.id] == {"scope": "anonymous"}
    assert shared[lib.ola.id] is None and shared[lib.notes.id] is None


def test_hierarchical_sharing_empty_facet_on_unshared_root(http: httpx.Client, lib: Library) -> None:
    lib.tenant.break_inheritance(lib.notes)
    values, _, _ = follow(http, _delta(lib), Prefer="hierarchicalsharing")
    assert _by_id(values)[lib.notes.id]["shared"] == {}  # unique permissions, site groups only


def test_without_hierarchical_sharing_every_shared_item_has_the_facet(http: httpx.Client, lib: Library) -> None:
    values, _, _ = follow(http, _delta(lib))
    shared = {v["id"]: v.get("shared") for v in values}
    assert shared[lib.cv.id] == {"scope": "users"} and shared[lib.ola.id] == {"scope": "users"}
    assert shared[lib.root.id] is None and shared[lib.notes.id] is None


def test_removed_sharing_leaves_an_empty_facet_on_the_root(http: httpx.Client, lib: Library) -> None:
    link_grant = lib.tenant.add_link(lib.notes, "anonymous")
    prefer = SHARING_PREFER + ", hierarchicalsharing"
    _values, link, _ = follow(http, _delta(lib), Prefer=prefer)
    lib.tenant.remove_grant(lib.notes, link_grant.id)
    changes, _ = _changes(http, link, Prefer=prefer)
    assert changes[lib.notes.id]["shared"] == {}
    assert changes[lib.notes.id]["@microsoft.graph.sharedChanged"] == "True"


# ---------------------------------------------------------------------- 410
def test_expired_token_answers_410_with_a_restart_location(http: httpx.Client, lib: Library,
                                                           server: SandboxServer) -> None:
    _values, link, _ = follow(http, _delta(lib))
    lib.tenant.expire_delta_tokens(lib.drive)
    response = http.get(link)
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "resyncRequired"
    location = response.headers["Location"]
    assert location.startswith(server.base_url + "/")
    values, fresh, _ = follow(http, location)
    assert len(values) == 6
    assert http.get(fresh).status_code == 200  # a token issued after the expiry is valid


@pytest.mark.parametrize("token", ["garbage!", "eyJ4IjoxfQ", "2021-09-29T20:00:00Z"])
def test_unknown_tokens_answer_410(http: httpx.Client, lib: Library, token: str) -> None:
    response = http.get(_delta(lib), params={"token": token})
    assert response.status_code == 410
    assert "Location" in response.headers


def test_token_of_another_drive_answers_410(http: httpx.Client, lib: Library) -> None:
    other = lib.tenant.add_drive(lib.site, "Kontrakter")
    _values, link, _ = follow(http, _delta(lib))
    assert http.get(f"/drives/{other.id}/root/delta", params={"token": _token(link)}).status_code == 410


def test_tokens_are_opaque(http: httpx.Client, lib: Library) -> None:
    _values, link, _ = follow(http, _delta(lib))
    token = _token(link)
    assert not token.isdigit() and "{" not in token and ":" not in token


# ---------------------------------------------------------------------- expand, costs
def test_list_item_expand_on_delta(http: httpx.Client, lib: Library) -> None:
    values, _, _ = follow(http, f"{_delta(lib)}?$expand=listItem($expand=fields($select=ApplicationDate))")
    assert _by_id(values)[lib.ola.id]["listItem"]["fields"]["ApplicationDate"] == "2026-02-28T23:00:00Z"


def test_ru_costs(http: httpx.Client, lib: Library, server: SandboxServer) -> None:
    meter = server.app.meter
    name = "GET /drives/{id}/root/delta"

    def cost(url: str) -> tuple[int, dict]:
        before = meter.snapshot()["ruByEndpoint"].get(name, 0)
        body = http.get(url).json()
        return meter.snapshot()["ruByEndpoint"][name] - before, body

    ru, first = cost(f"{_delta(lib)}?$top=4")
    assert ru == 2
    ru, last = cost(first["@odata.nextLink"])
    assert ru == 2  # a page of a full enumeration
    ru, _ = cost(last["@odata.deltaLink"])
    assert ru == 1
    ru, _ = cost(f"{_delta(lib)}?token=latest")
    assert ru == 1
