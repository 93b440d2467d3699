"""Rows as Microsoft documents them (and as real tenants have them) become the picture a crawl would give:
who reaches each file, through which scope — never an exposure dropped, never a guess where rows are missing."""

from __future__ import annotations

from typing import Any

from m365_compliance.mgdc.picture import LibraryAddress, build_picture
from m365_compliance.model import LinkScope, PrincipalKind

SITE = "11111111-1111-1111-1111-111111111111"
ADDRESS = LibraryAddress(SITE, "sites/kunder", "Dokumenter")
GRAPH_SITE = f"tretoen.sharepoint.com,{SITE},22222222-2222-2222-2222-222222222222"


def file(item: str, folder: str, name: str, scope: str, **extra: Any) -> dict[str, Any]:
    return {"SiteId": SITE, "ItemId": item, "DirName": folder, "FileName": name, "ScopeId": scope,
            "SnapshotDate": "2026-12-03T00:00:00Z", "Operation": "Full", **extra}


def grant(kind: str, url: str, scope: str, role: str, *people: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"SiteId": SITE, "ItemType": kind, "ItemURL": url, "ScopeId": scope, "RoleDefinition": role,
            "SharedWith": list(people), "SnapshotDate": "2026-12-03T00:00:00Z", "Operation": "Full", **extra}


USER = {"Type": "Internal", "TypeV2": "InternalUser", "Name": "Kari", "Email": "kari@tretoen.no",
        "AadObjectId": "AAAAAAAA-0000-0000-0000-000000000001"}
GUEST = {"Type": "External", "TypeV2": "B2BUser", "Name": "Ola", "Email": "ola@kunde.example",
         "AadObjectId": "aaaaaaaa-0000-0000-0000-000000000002"}
INVITED = {"Type": "External", "TypeV2": "ExternalUser", "Name": "per@kunde.example", "Email": "per@kunde.example"}
OWNERS = {"Type": "SharePointGroup", "TypeV2": "SharePointGroup", "Name": "Kunder Owners"}
EVERYONE = {"Type": "SecurityGroup", "TypeV2": "SecurityGroup", "Name": "Everyone except external users"}


def picture(files: list[dict[str, Any]], rows: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    return build_picture("b!drive", ADDRESS, files, rows, {"kunder owners": "3"}, GRAPH_SITE)


def grantees(pic, item_id: str) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(g.kind.value, g.id) for p in pic.permissions[item_id] for g in p.grantees}


def test_a_library_that_inherits_takes_its_webs_grants_not_a_subsites() -> None:
    pic = picture([file("f1", "Dokumenter", "a.pdf", "web-scope")],
                  [grant("Web", "sites/kunder", "web-scope", "FullControl", OWNERS),
                   grant("Web", "sites/kunder/underside", "sub-scope", "Read", EVERYONE)])
    root = pic.by_path[""]
    assert grantees(pic, root) == {("siteGroup", f"{GRAPH_SITE}/3")}
    assert pic.items["f1"].parent_id == root and pic.items["f1"].shared_scope is None


def test_a_file_under_another_scope_than_its_folder_is_a_root_of_its_own() -> None:
    """A folder with unique permissions that the delivery does not list: the file's ScopeId still says who."""
    pic = picture([file("f1", "Dokumenter/Kunde AS", "avtale.pdf", "hidden-scope")],
                  [grant("List", "sites/kunder/Dokumenter", "list-scope", "FullControl", OWNERS),
                   grant("Folder", "sites/kunder/Dokumenter/Annet", "hidden-scope", "Read", GUEST)])
    assert pic.items["f1"].shared_scope == ""
    assert grantees(pic, "f1") == {("guest", GUEST["AadObjectId"])}


def test_a_scope_without_rows_is_unreadable_not_empty() -> None:
    pic = picture([file("f1", "Dokumenter", "a.pdf", "nobody-knows")],
                  [grant("List", "sites/kunder/Dokumenter", "list-scope", "Read", USER)])
    assert "f1" in pic.unreadable and "f1" not in pic.permissions


def test_every_recipient_shape_is_someone() -> None:
    odd = {"Type": "Robot", "Name": "?"}
    pic = picture([file("f1", "Dokumenter", "a.pdf", "list-scope")],
                  [grant("List", "sites/kunder/Dokumenter", "list-scope", "Contribute", USER, GUEST, INVITED, EVERYONE,
                         OWNERS, odd)])
    kinds = {(p.grantees[0].kind, p.roles) for p in pic.permissions[pic.by_path[""]]}
    assert kinds == {(PrincipalKind.USER, ("write",)), (PrincipalKind.GUEST, ("write",)),
                     (PrincipalKind.INVITATION, ("write",)), (PrincipalKind.EVERYONE, ("write",)),
                     (PrincipalKind.SITE_GROUP, ("write",)), (PrincipalKind.UNRESOLVED, ("write",))}
    user = next(g for p in pic.permissions[pic.by_path[""]] for g in p.grantees if g.kind is PrincipalKind.USER)
    assert user.id == USER["AadObjectId"].lower()


def test_links_keep_their_audience_and_an_unknown_scope_is_unknown() -> None:
    pic = picture([file("f1", "Dokumenter", "a.pdf", "file-scope")],
                  [grant("List", "sites/kunder/Dokumenter", "list-scope", "Read", USER),
                   grant("File", "sites/kunder/Dokumenter/a.pdf", "file-scope", "Read", LinkId="L1", LinkScope="Anyone",
                         ShareExpirationTime="2027-01-01T00:00:00Z"),
                   grant("File", "sites/kunder/Dokumenter/a.pdf", "file-scope", "Contribute", GUEST, LinkId="L2",
                         LinkScope="SpecificPeople"),
                   grant("File", "sites/kunder/Dokumenter/a.pdf", "file-scope", "Read", LinkId="L3",
                         LinkScope="Tenant-wide-new")])
    links = {p.id: p for p in pic.permissions["f1"]}
    assert links["mgdc-link-l1"].link_scope is LinkScope.ANONYMOUS and links["mgdc-link-l1"].expires is not None
    assert links["mgdc-link-l2"].link_scope is LinkScope.USERS and links["mgdc-link-l2"].roles == ("write",)
    assert links["mgdc-link-l3"].link_scope is LinkScope.UNKNOWN


def test_a_library_whose_name_starts_like_another_takes_none_of_its_rows() -> None:
    pic = picture([file("f1", "Dokumenter", "a.pdf", "s"), file("f2", "Dokumenter2", "b.pdf", "s")],
                  [grant("List", "sites/kunder/Dokumenter", "s", "Read", USER),
                   grant("List", "sites/kunder/Dokumenter2", "s2", "Read", GUEST)])
    assert "f2" not in pic.items
    assert grantees(pic, pic.by_path[""]) == {("user", USER["AadObjectId"].lower())}


def test_one_folder_spelt_two_ways_is_one_folder() -> None:
    pic = picture([file("f1", "Dokumenter/Søkere", "a.pdf", "s"), file("f2", "DOKUMENTER/SØKERE", "b.pdf", "s")],
                  [grant("List", "sites/kunder/Dokumenter", "s", "Read", USER)])
    assert pic.items["f1"].parent_id == pic.items["f2"].parent_id == pic.by_path["søkere"]


def test_rows_of_one_key_are_all_kept_and_one_link_said_twice_is_both() -> None:
    """A role may come as one row per recipient; a link id may stand on two rows that disagree."""
    pic = picture([file("f1", "Dokumenter", "a.pdf", "file-scope")],
                  [grant("List", "sites/kunder/Dokumenter", "s", "Read", USER),
                   grant("File", "sites/kunder/Dokumenter/a.pdf", "file-scope", "Read", GUEST),
                   grant("File", "sites/kunder/Dokumenter/a.pdf", "file-scope", "Read", USER),
                   grant("File", "sites/kunder/Dokumenter/a.pdf", "file-scope", "Read", LinkId="L1",
                         LinkScope="Anyone"),
                   grant("File", "sites/kunder/Dokumenter/a.pdf", "file-scope", "Read", USER, LinkId="L1",
                         LinkScope="SpecificPeople")])
    perms = pic.permissions["f1"]
    assert ("guest", GUEST["AadObjectId"]) in grantees(pic, "f1")
    assert {p.link_scope for p in perms if p.is_link} == {LinkScope.ANONYMOUS, LinkScope.USERS}


def test_a_file_only_the_permissions_name_is_still_pictured_with_its_grants() -> None:
    pic = picture([], [grant("List", "sites/kunder/Dokumenter", "s", "Read", USER),
                       grant("File", "sites/kunder/Dokumenter/Kunde AS/cv.pdf", "f-scope", "Read", LinkId="L9",
                             LinkScope="Anyone", UniqueId="F9")])
    assert pic.items["f9"].name == "cv.pdf" and pic.items["f9"].shared_scope == ""
    assert pic.permissions["f9"][0].link_scope is LinkScope.ANONYMOUS


def test_a_link_without_an_id_and_a_role_granted_to_nobody_are_still_grants() -> None:
    pic = picture([file("f1", "Dokumenter", "a.pdf", "f-scope")],
                  [grant("List", "sites/kunder/Dokumenter", "s", "Read", USER),
                   grant("File", "sites/kunder/Dokumenter/a.pdf", "f-scope", "Read", LinkScope="Anyone"),
                   grant("File", "sites/kunder/Dokumenter/a.pdf", "f-scope", "Contribute")])
    kinds = {(p.link_scope, p.grantees[0].kind if p.grantees else None) for p in pic.permissions["f1"]}
    assert kinds == {(LinkScope.ANONYMOUS, None), (None, PrincipalKind.UNRESOLVED)}
