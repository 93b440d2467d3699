"""Sites, drives of a site, lists, columns and list items over real HTTP (facts §3.1–§3.3)."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from site_world import HOST, World

from m365_compliance.sandbox.server import SandboxServer


def _all_pages(client: httpx.Client, url: str) -> tuple[list[dict], list[str]]:
    values, links = [], []
    while url:
        body = client.get(url).raise_for_status().json()
        values += body["value"]
        url = body.get("@odata.nextLink")
        if url:
            links.append(url)
    return values, links


# ---------------------------------------------------------------------- sites
def test_site_by_id_has_graph_shape(client: httpx.Client, world: World) -> None:
    body = client.get(f"/sites/{world.site.id}").json()
    assert body["id"] == world.site.id
    assert body["name"] == "rekruttering" and body["displayName"] == "Rekruttering"
    assert body["webUrl"] == f"https://{HOST}/sites/rekruttering"
    assert body["createdDateTime"].endswith("Z")
    assert body["siteCollection"] == {"hostname": HOST}
    assert "root" not in body


@pytest.mark.parametrize("ref", [
    f"{HOST}%3A%2Fsites%2Frekruttering%3A",  # what the SDK sends for by_site_id("host:/sites/x:") (facts §3.1)
    f"{HOST}:/sites/rekruttering",
    f"{HOST}:/sites/rekruttering:",
    f"{HOST.upper()}:/sites/REKRUTTERING",
])
def test_site_by_path(client: httpx.Client, world: World, ref: str) -> None:
    response = client.get(f"/sites/{ref}")
    assert response.status_code == 200, response.text
    assert response.json()["id"] == world.site.id


def test_path_addressed_sub_resource_needs_the_closing_colon(client: httpx.Client, world: World) -> None:
    drives = client.get(f"/sites/{HOST}%3A%2Fsites%2Frekruttering%3A/drives").json()["value"]
    assert [d["id"] for d in drives] == [world.documents.id]


def test_unknown_site_is_404_itemNotFound(client: httpx.Client) -> None:
    for ref in (f"{HOST}:/sites/nope:", f"{HOST},00000000-0000-0000-0000-000000000000,1"):
        response = client.get(f"/sites/{ref}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "itemNotFound"


def test_root_site(client: httpx.Client, world: World) -> None:
    body = client.get("/sites/root").json()
    assert body["id"] == world.root.id and body["root"] == {}


def test_get_all_sites_pages_with_absolute_links(client: httpx.Client, server: SandboxServer, world: World) -> None:
    world.tenant.access.denied_sites.add(world.other.id)  # listed anyway: a refused site must show up as a gap
    values, links = _all_pages(client, "/sites/getAllSites?$top=2")
    assert sorted(v["id"] for v in values) == sorted(world.tenant.sites)
    assert len(links) == 1 and links[0].startswith(server.base_url + "/sites/getAllSites?")
    assert all(v["siteCollection"]["hostname"] == HOST for v in values)


def test_get_all_sites_needs_a_tenant_wide_sites_permission(client: httpx.Client, world: World) -> None:
    world.tenant.access.permissions = {"Sites.Selected", "Files.Read.All"}
    response = client.get("/sites/getAllSites")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "accessDenied"


def test_search_sites(client: httpx.Client, world: World) -> None:
    found = client.get("/sites", params={"search": "rekrut"}).json()["value"]
    assert [s["id"] for s in found] == [world.site.id]
    everything = client.get("/sites", params={"$search": "*"}).json()["value"]
    assert len(everything) == 3


def test_denied_site_answers_403_everywhere(client: httpx.Client, world: World) -> None:
    world.tenant.access.denied_sites.add(world.site.id)
    for url in (f"/sites/{world.site.id}", f"/sites/{world.site.id}/drives", f"/sites/{world.site.id}/lists",
                f"/sites/{world.site.id}/lists/{world.register.id}/items"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "accessDenied"
    assert client.get(f"/sites/{world.other.id}").status_code == 200


# ---------------------------------------------------------------------- drives
def test_drives_hide_system_libraries_unless_selected(client: httpx.Client, world: World) -> None:
    plain = client.get(f"/sites/{world.site.id}/drives").json()["value"]
    assert [d["name"] for d in plain] == ["Documents"]
    drive = plain[0]
    assert drive["driveType"] == "documentLibrary" and drive["id"].startswith("b!")
    assert drive["webUrl"] == f"https://{HOST}/sites/rekruttering/Documents"
    assert {"createdDateTime", "description"} <= drive.keys() and "system" not in drive
    selected = client.get(f"/sites/{world.site.id}/drives", params={"$select": "id,name,system"}).json()["value"]
    assert selected == [{"id": world.documents.id, "name": "Documents"},
                        {"id": world.hold.id, "name": "Preservation Hold Library", "system": {}}]


def test_default_drive_is_the_first_library(client: httpx.Client, world: World) -> None:
    body = client.get(f"/sites/{world.site.id}/drive").json()
    assert body["id"] == world.documents.id


# ---------------------------------------------------------------------- lists
def test_lists_include_libraries_and_filter_on_display_name(client: httpx.Client, world: World) -> None:
    everything = client.get(f"/sites/{world.site.id}/lists").json()["value"]
    templates = {item["displayName"]: item["list"]["template"] for item in everything}
    assert templates == {"Documents": "documentLibrary", "Preservation Hold Library": "documentLibrary",
                         "Søkerregister": "genericList"}
    filtered = client.get(f"/sites/{world.site.id}/lists", params={"$filter": "displayName eq 'søkerregister'"})
    assert [item["id"] for item in filtered.json()["value"]] == [world.register.id]


def test_unsupported_list_filter_is_refused_not_ignored(client: httpx.Client, world: World) -> None:
    response = client.get(f"/sites/{world.site.id}/lists", params={"$filter": "startswith(displayName,'S')"})
    assert response.status_code == 400
    assert "sandbox" in response.json()["error"]["message"]


def test_list_by_id_or_name(client: httpx.Client, world: World) -> None:
    for ref in (world.register.id, "Sokerregister"):
        body = client.get(f"/sites/{world.site.id}/lists/{ref}").json()
        assert body["id"] == world.register.id
        assert body["webUrl"] == f"https://{HOST}/sites/rekruttering/Lists/Sokerregister"


def test_columns_carry_their_type_facet(client: httpx.Client, world: World) -> None:
    listed = client.get(f"/sites/{world.site.id}/lists/{world.register.id}/columns").json()["value"]
    columns = {c["name"]: c for c in listed}
    assert columns["Deadline"]["dateTime"]["format"] == "dateOnly"
    assert columns["Received"]["dateTime"]["format"] == "dateTime"
    assert columns["Owner"]["personOrGroup"]["allowMultipleSelection"] is False
    assert columns["Reviewers"]["personOrGroup"]["allowMultipleSelection"] is True
    assert "text" in columns["Title"] and "number" in columns["Score"] and "boolean" in columns["Hired"]


# ---------------------------------------------------------------------- list items
def _items(client: httpx.Client, world: World, **params: str) -> list[dict]:
    response = client.get(f"/sites/{world.site.id}/lists/{world.register.id}/items", params=params)
    assert response.status_code == 200, response.text
    return response.json()["value"]


def test_items_without_expand_have_no_fields(client: httpx.Client, world: World) -> None:
    items = _items(client, world)
    assert [i["id"] for i in items] == ["1", "2", "3"]
    assert all("fields" not in i for i in items)
    assert items[0]["createdBy"]["user"]["email"] == "bob@tretoen.no"


@pytest.mark.parametrize("option", ["expand", "$expand"])
def test_expanded_fields_render_values_by_column_type(client: httpx.Client, world: World, option: str) -> None:
    fields = _items(client, world, **{option: "fields"})[0]["fields"]
    tenant, site = world.tenant, world.site
    assert fields["Title"] == "Ola" and fields["Score"] == 4.5 and fields["Hired"] is False
    assert fields["Deadline"] == "2026-02-28T23:00:00Z"  # midnight Europe/Oslo (CET) as UTC
    assert fields["Received"] == "2026-03-01T09:15:00Z"
    # Person columns: not returned by default, only their site-scoped lookup ids, as strings.
    assert "Owner" not in fields and "Reviewers" not in fields
    assert fields["OwnerLookupId"] == str(tenant.site_user_id(site, world.alice.id))
    assert fields["ReviewersLookupId"] == [str(tenant.site_user_id(site, u.id)) for u in (world.alice, world.bob)]
    assert fields["AuthorLookupId"] == str(tenant.site_user_id(site, world.bob.id))
    assert fields["id"] == "1" and fields["@odata.etag"]


def test_date_only_column_follows_summer_time(client: httpx.Client, world: World) -> None:
    kari = _items(client, world, expand="fields")[1]["fields"]
    assert kari["Deadline"] == "2026-06-30T22:00:00Z"  # CEST is UTC+2
    assert "OwnerLookupId" not in kari  # empty columns are left out


def test_selected_fields_expand_person_columns(client: httpx.Client, world: World) -> None:
    # The SDK sends the option URL-encoded: $expand=fields%28select%3DOwner%2CReviewers%2CDeadline%29
    query = "$expand=" + quote("fields(select=Owner,Reviewers,Deadline)", safe="")
    response = client.get(f"/sites/{world.site.id}/lists/{world.register.id}/items?{query}")
    fields = response.json()["value"][0]["fields"]
    alice_id = world.tenant.site_user_id(world.site, world.alice.id)
    assert set(fields) == {"@odata.etag", "Owner", "Reviewers", "Deadline"}
    assert fields["Owner"] == {"LookupId": alice_id, "LookupValue": "Alice Berg", "Email": "alice@tretoen.no"}
    assert [r["LookupValue"] for r in fields["Reviewers"]] == ["Alice Berg", "Bob Dahl"]
    assert fields["Deadline"] == "2026-02-28T23:00:00Z"


def test_item_paging_carries_expand_into_the_next_link(client: httpx.Client, server: SandboxServer,
                                                       world: World) -> None:
    values, links = _all_pages(client, f"/sites/{world.site.id}/lists/{world.register.id}/items?$top=2&expand=fields")
    assert [v["fields"]["Title"] for v in values] == ["Ola", "Kari", "Per"]
    assert len(links) == 1 and links[0].startswith(server.base_url) and "$expand=fields" in links[0]


def test_forged_skiptoken_is_400(client: httpx.Client, world: World) -> None:
    response = client.get(f"/sites/{world.site.id}/lists/{world.register.id}/items", params={"$skiptoken": "bogus"})
    assert response.status_code == 400


def test_single_item_and_unknown_item(client: httpx.Client, world: World) -> None:
    base = f"/sites/{world.site.id}/lists/{world.register.id}/items"
    assert client.get(f"{base}/3", params={"expand": "fields"}).json()["fields"]["Title"] == "Per"
    for missing in ("99", "abc"):
        response = client.get(f"{base}/{missing}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "itemNotFound"


def test_library_items_are_not_served_as_list_items(client: httpx.Client, world: World) -> None:
    response = client.get(f"/sites/{world.site.id}/lists/Documents/items")
    assert response.status_code == 501
    assert "driveItems" in response.json()["error"]["message"]


def test_list_costs_follow_the_ru_table(client: httpx.Client, server: SandboxServer, world: World) -> None:
    base = f"/sites/{world.site.id}/lists/{world.register.id}"
    for url in (f"/sites/{world.site.id}/lists", base, f"{base}/items", f"{base}/items/1"):
        client.get(url).raise_for_status()
    ru = server.app.meter.snapshot()["ruByEndpoint"]
    assert ru["GET /sites/{site-id}/lists"] == 2
    assert ru["GET /sites/{site-id}/lists/{list-id}"] == 1
    assert ru["GET /sites/{site-id}/lists/{list-id}/items"] == 2
    assert ru["GET /sites/{site-id}/lists/{list-id}/items/{item-id}"] == 1
