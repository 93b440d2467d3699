"""The sandbox tenant written as the MGDC SharePoint datasets: documented fields only, joins that hold, and
every kind of grantee with the documented ``Type``/``TypeV2``, in JSON lines and in Parquet."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.mgdc.arrow_schema import arrow_schema
from m365_compliance.mgdc.fields import DATASETS, FILES, GROUPS, PERMISSIONS, SITES, Field
from m365_compliance.sandbox.demo import STRAY_GUEST, build_demo_tenant
from m365_compliance.sandbox.http.serialize import drive_item, list_item_id
from m365_compliance.sandbox.mgdc_access_rows import LINK_SCOPES
from m365_compliance.sandbox.mgdc_export import MgdcExport, write_mgdc
from m365_compliance.sandbox.mgdc_rows import link_id, scope_id
from m365_compliance.sandbox.model import Grant, Item
from m365_compliance.sandbox.tenant import Tenant

DAY = date(2026, 11, 25)
PER_PART, PER_CHUNK = 100, 30  # small, so the demo's files span several parts of several row groups
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
GUID_FIELDS = {"ptenant", "Id", "SiteId", "WebId", "ListId", "ItemId", "UniqueId", "ScopeId", "LinkId",
               "GroupId", "GroupLinkId", "HubSiteId", "AadObjectId"}
INVITED = "ekstern.revisor@partner.example"
APP = ("7f1d2c3b-0000-4000-8000-00000000a99a", "Skanner")
Rows = dict[str, list[dict[str, Any]]]


# ---------------------------------------------------------------------- the tenant and its two exports
@pytest.fixture(scope="module")
def tenant() -> Tenant:
    """The demo tenant plus the grantees it lacks: a pending invitation, both Everyone claims, an application,
    an existingAccess link and a specific-people link to a guest, on a new folder and a file in it."""
    demo = build_demo_tenant()
    t = demo.tenant
    drive = t.drives[demo.manifest.customers_drive]
    folder = t.add_folder(drive, None, "Delt med revisor")
    report = t.add_file(drive, folder, "Årsrapport 2026.xlsx", size=4096)
    t.grant(folder, ("read",), invitation=INVITED)
    t.grant(folder, ("read",), claim="everyone-except-external")
    t.grant(folder, ("write",), application=APP)
    t.grant(report, ("read",), claim="everyone")
    t.add_link(report, "existingAccess", "view")
    t.add_link(report, "users", "edit", recipients=[demo.manifest.users[STRAY_GUEST]],
               expires=datetime(2027, 1, 31, 12, tzinfo=UTC))
    return t


@pytest.fixture(scope="module")
def jsonl(tenant: Tenant, tmp_path_factory: pytest.TempPathFactory) -> MgdcExport:
    return write_mgdc(tenant, tmp_path_factory.mktemp("jsonl"), snapshot_date=DAY, fmt="jsonl",
                      rows_per_part=PER_PART, chunk_rows=PER_CHUNK)


@pytest.fixture(scope="module")
def rows(jsonl: MgdcExport) -> Rows:
    return {d.name: read_json_lines(d.folder) for d in jsonl.datasets}


def read_json_lines(folder: Path) -> list[dict[str, Any]]:
    """Every part of a dataset folder in name order, one JSON object per line, as an MGDC reader reads it."""
    found = []
    for part in sorted(folder.glob("*.json")):
        for line in part.read_bytes().decode("utf-8").splitlines():
            value = json.loads(line)
            assert isinstance(value, dict), line
            found.append(value)
    return found


def live_items(tenant: Tenant) -> list[Item]:
    return [i for d in tenant.drives.values() for i in d.items.values()]


def scope_of(tenant: Tenant, item: Item) -> str:
    return scope_id(tenant.permission_root(item).guid)


# ---------------------------------------------------------------------- documented fields and formats
def test_the_field_lists_are_the_documented_ones() -> None:
    """Top-level counts of the schema tables (46, 23, 25, 10) and the ids the datasets are requested by."""
    assert [(d.id, len(d.fields)) for d in DATASETS.values()] == [
        ("BasicDataSet_v0.SharePointSites_v1", 46), ("BasicDataSet_v0.SharePointPermissions_v1", 23),
        ("BasicDataSet_v0.SharePointFiles_v1", 25), ("BasicDataSet_v0.SharePointGroups_v1", 10)]
    assert PERMISSIONS.field("SharedWith").child_names == {"Type", "Name", "Email", "AadObjectId", "UPN", "TypeV2",
                                                           "UserCount", "UserLoginName"}
    assert all("dataconnect-solutions: Datasets/data-connect-dataset-sharepoint" in d.source
               for d in DATASETS.values())


def _check(value: Any, field: Field, where: str) -> None:
    if field.type == "struct":
        assert isinstance(value, dict), where
        assert set(value) <= field.child_names, (where, set(value) - field.child_names)
        for child in field.children:
            if child.name in value:
                _check(value[child.name], child, f"{where}.{child.name}")
    elif field.type == "list":
        assert isinstance(value, list), where
        for n, element in enumerate(value):
            _check(element, Field(field.name, "struct", field.children), f"{where}[{n}]")
    elif field.type in ("int", "int64"):
        assert isinstance(value, int) and not isinstance(value, bool), where
    elif field.type == "boolean":
        assert isinstance(value, bool), where
    elif field.type == "datetime":
        assert isinstance(value, str) and ISO.match(value), (where, value)
    else:
        assert isinstance(value, str) and value, (where, value)
        if field.name in GUID_FIELDS:
            assert GUID.match(value), (where, value)


def test_every_row_has_only_documented_fields_of_the_documented_types(rows: Rows) -> None:
    for name, dataset in DATASETS.items():
        assert rows[name], name
        for n, row in enumerate(rows[name]):
            assert set(row) <= dataset.names, (name, n, set(row) - dataset.names)
            for field in dataset.fields:
                if field.name in row:
                    _check(row[field.name], field, f"{name}[{n}].{field.name}")
            assert row["SnapshotDate"] == "2026-11-25T00:00:00Z" and row["Operation"] == "Full"
            assert row["ptenant"] == "3f2a3210-0000-4000-8000-000000000321"


def test_json_lines_are_utf8_objects_one_per_line_without_nulls(jsonl: MgdcExport) -> None:
    for dataset in jsonl.datasets:
        for part in dataset.files:
            raw = part.read_bytes()
            assert raw.endswith(b"\n")
            for line in raw.decode("utf-8").split("\n")[:-1]:
                assert line.startswith("{") and line.endswith("}")
                assert _values(json.loads(line)).isdisjoint({None, "", "null"}), line  # a field unknown is left out
    files = jsonl.dataset("files").files[0].read_text(encoding="utf-8")
    assert '"DirName":"Avtaler/' in files and '"SensitivityLabelInfo":{}' in files  # unescaped UTF-8, empty struct


def _values(value: Any) -> set[Any]:
    """Every scalar anywhere in a JSON value."""
    if isinstance(value, dict):
        return set().union(*map(_values, value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*map(_values, value)) if value else set()
    return {value}


def test_each_dataset_is_a_folder_of_numbered_parts(jsonl: MgdcExport, rows: Rows) -> None:
    for dataset in jsonl.datasets:
        assert dataset.folder == jsonl.out_dir / DATASETS[dataset.name].id
        names = sorted(p.name for p in dataset.folder.iterdir())
        expected = max(1, -(-dataset.rows // PER_PART))
        assert names == [f"part-{n:05}.json" for n in range(expected)], dataset.name
        assert dataset.rows == len(rows[dataset.name])
    assert len(jsonl.dataset("files").files) >= 3  # readers must cope with several files


def _plain(value: Any) -> Any:
    """A Parquet value as JSON has it: no nulls (omitted), instants as ISO text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        assert value.tzinfo is not None
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def test_parquet_round_trips_to_the_same_records(tenant: Tenant, rows: Rows, tmp_path: Path) -> None:
    written = write_mgdc(tenant, tmp_path, snapshot_date=DAY, fmt="parquet", rows_per_part=PER_PART,
                         chunk_rows=PER_CHUNK)
    for dataset in written.datasets:
        assert [p.name for p in dataset.files] == [f"part-{n:05}.parquet" for n in range(len(dataset.files))]
        records = []
        for part in dataset.files:
            file = pq.ParquetFile(part)
            assert file.schema_arrow == arrow_schema(DATASETS[dataset.name])
            assert file.metadata.num_rows <= PER_PART
            assert all(file.metadata.row_group(g).num_rows <= PER_CHUNK for g in range(file.num_row_groups))
            records += [_plain(r) for r in file.read().to_pylist()]
        assert records == rows[dataset.name], dataset.name
    assert pq.ParquetFile(written.dataset("files").files[0]).num_row_groups == -(-PER_PART // PER_CHUNK)


# ---------------------------------------------------------------------- what the rows say about the tenant
def test_counts_are_the_tenants_files_sites_and_site_groups(tenant: Tenant, rows: Rows) -> None:
    files = [i for i in live_items(tenant) if not i.is_folder]
    assert len(rows["files"]) == len(files)
    assert {r["ItemId"] for r in rows["files"]} == {i.guid for i in files}
    assert len(rows["sites"]) == len(tenant.sites)
    assert len(rows["groups"]) == sum(len(s.site_groups) for s in tenant.sites.values())
    for site in tenant.sites.values():
        _, collection, web = site.id.split(",")
        row = next(r for r in rows["sites"] if r["Id"] == collection)
        assert (row["RootWeb"]["Id"], row["Url"], row["RootWeb"]["Title"]) == (web, site.web_url, site.display_name)
        assert row["StorageMetrics"]["TotalFileCount"] == sum(r["SiteId"] == collection for r in rows["files"])


def test_a_file_row_places_the_file_as_graph_does(tenant: Tenant, rows: Rows) -> None:
    """SiteId/WebId from the Graph site id, ListId the library, DirName the web-relative folder of its webUrl,
    ScopeId the nearest permission root's scope (recomputable from its UniqueId)."""
    by_guid = {i.guid: i for i in live_items(tenant)}
    for row in rows["files"]:
        item = by_guid[row["ItemId"]]
        drive = tenant.drives[item.drive_id]
        site = tenant.site(drive.site_id)
        web_url = unquote(drive_item(tenant, item)["webUrl"])
        assert web_url == f"{row['SiteUrl']}/{row['DirName']}/{row['FileName']}"
        assert row["SiteId"] == site.id.split(",")[1] and row["WebId"] == site.id.split(",")[2]
        assert row["ListId"] == drive.list_id and row["ScopeId"] == scope_of(tenant, item)
        assert (row["SizeInBytes"], row["MajorVersion"], row["MinorVersion"]) == (item.size, item.version, 0)
        assert row["Extension"] == item.name.rsplit(".", 1)[1]
        author = tenant.users.get(item.created_by)
        assert row["Author"] == ({"Email": author.mail, "Name": author.display_name} if author
                                 else {"Name": "SharePoint App"})


def test_every_files_scope_has_permission_rows(rows: Rows) -> None:
    scopes = {(r["SiteId"], r["ScopeId"]) for r in rows["permissions"]}
    assert {(r["SiteId"], r["ScopeId"]) for r in rows["files"]} <= scopes


def _expected_rows(grants: list[Grant]) -> int:
    """One per role among the direct grants an MGDC row can name (not applications), plus one per link."""
    roles = {role for g in grants if not g.is_link and g.application is None for role in g.roles}
    return len(roles) + sum(g.is_link for g in grants)


def test_every_item_with_unique_permissions_has_its_rows(tenant: Tenant, rows: Rows) -> None:
    by_scope = Counter((r["UniqueId"], r["ScopeId"]) for r in rows["permissions"])
    unique = [i for i in live_items(tenant) if i.grants is not None]
    assert len(unique) > 25
    for item in unique:
        assert item.grants
        assert by_scope[(item.guid, scope_id(item.guid))] == _expected_rows(item.grants), item.name
    assert sum(by_scope.values()) == len(rows["permissions"])
    for row in rows["permissions"]:
        item = next(i for i in unique if i.guid == row["UniqueId"])
        drive = tenant.drives[item.drive_id]
        kind = "List" if item.parent_id is None else "Folder" if item.is_folder else "File"
        assert row["ItemType"] == kind
        path = drive.name + ("" if item.parent_id is None else tenant.path_of(item))
        assert row["ItemURL"] == tenant.site(drive.site_id).path.lstrip("/") + "/" + path
        assert row.get("ListItemId") == (None if kind == "List" else int(list_item_id(item)))
        assert ("FileExtension" in row) == (kind == "File")
        assert sum(c["Count"] for c in row["SharedWithCount"]) == len(row["SharedWith"])
        assert {c["Type"] for c in row["SharedWithCount"]} == {e["Type"] for e in row["SharedWith"]}


def test_direct_grants_of_one_role_share_a_row(tenant: Tenant, rows: Rows) -> None:
    """A customer folder: FullControl for Owners; Contribute for management, sales and the contact persons."""
    folder = next(i for i in live_items(tenant) if i.is_folder and i.grants and any(g.user_id for g in i.grants)
                  and any(g.site_group_id for g in i.grants) and sum("write" in g.roles for g in i.grants) > 2)
    assert folder.grants is not None
    mine = [r for r in rows["permissions"] if r["UniqueId"] == folder.guid]
    assert sorted(r["RoleDefinition"] for r in mine) == sorted({_role(g) for g in folder.grants})
    contribute = next(r for r in mine if r["RoleDefinition"] == "Contribute")
    writers = [g for g in folder.grants if "write" in g.roles]
    assert len(contribute["SharedWith"]) == len(writers) > 2
    users: set[str] = set()
    for g in writers:
        users |= {g.user_id} if g.user_id else {m for m in tenant.transitive_members(g.group_id or "")
                                                if m in tenant.users}
    assert contribute["TotalUserCount"] == len(users)
    owners = next(r for r in mine if r["RoleDefinition"] == "FullControl")
    assert [e["Type"] for e in owners["SharedWith"]] == ["SharePointGroup"]


def _role(grant: Grant) -> str:
    return {"read": "Read", "write": "Contribute", "owner": "FullControl"}[grant.roles[0]]


def test_a_link_row_matches_its_grant(tenant: Tenant, rows: Rows) -> None:
    links = [(i, g) for i in live_items(tenant) for g in i.grants or () if g.is_link]
    assert {g.link_scope for _, g in links} == {"anonymous", "organization", "users", "existingAccess"}
    for item, grant in links:
        row = next(r for r in rows["permissions"]
                   if r.get("LinkId") == link_id(grant.id) and r["UniqueId"] == item.guid)
        assert row["LinkScope"] == LINK_SCOPES[grant.link_scope or ""]
        assert row["RoleDefinition"] == ("Contribute" if grant.link_type == "edit" else "Read")
        assert [e["Email"] for e in row["SharedWith"]] == [tenant.users[u].mail for u in grant.link_recipients]
        assert row.get("ShareExpirationTime") == (grant.expires.strftime("%Y-%m-%dT%H:%M:%SZ")
                                                  if grant.expires else None)
        assert row["ShareCreatedTime"] == grant.created.strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[union-attr]
    assert {r["LinkScope"] for r in rows["permissions"] if "LinkId" in r} == {
        "Anyone", "Organization", "SpecificPeople", "ExistingAccess"}
    assert all("LinkScope" not in r for r in rows["permissions"] if "LinkId" not in r)


def _entries(rows: Rows) -> list[dict[str, Any]]:
    return [e for r in rows["permissions"] for e in r["SharedWith"]]


def test_each_kind_of_grantee_has_the_documented_type(tenant: Tenant, rows: Rows) -> None:
    entries = _entries(rows)
    guest = next(u for u in tenant.users.values() if u.mail == STRAY_GUEST)
    member = next(u for u in tenant.users.values() if u.mail == "sofie.johansen@tretoen.no")
    group = next(g for g in tenant.groups.values() if g.display_name == "Salg")

    def one(**match: Any) -> dict[str, Any]:
        found = [e for e in entries if all(e.get(k) == v for k, v in match.items())]
        assert found, match
        return found[0]

    assert one(AadObjectId=guest.id) == {"Type": "External", "TypeV2": "B2BUser", "Name": guest.display_name,
                                         "Email": guest.mail, "UPN": guest.user_principal_name,
                                         "AadObjectId": guest.id, "UserCount": 1}
    assert "#EXT#" in guest.user_principal_name
    assert one(AadObjectId=member.id) == {
        "Type": "Internal", "TypeV2": "InternalUser", "Name": member.display_name, "Email": member.mail,
        "UPN": member.user_principal_name, "AadObjectId": member.id, "UserCount": 1}
    assert one(Email=INVITED) == {"Type": "External", "TypeV2": "ExternalUser", "Name": INVITED, "Email": INVITED,
                                  "UserCount": 1}
    salg = one(AadObjectId=group.id)
    assert (salg["Type"], salg["TypeV2"], salg["Name"], salg["Email"]) == ("SecurityGroup", "SecurityGroup", "Salg",
                                                                           group.mail)
    assert salg["UserCount"] == len({m for m in tenant.transitive_members(group.id) if m in tenant.users})
    owners = one(Name="Kunder Owners")
    assert (owners["Type"], owners["TypeV2"]) == ("SharePointGroup", "SharePointGroup") and "Email" not in owners
    for claim in ("Everyone except external users", "Everyone"):
        assert one(Name=claim) == {"Type": "SecurityGroup", "TypeV2": "SecurityGroup", "Name": claim}
    assert not [e for e in entries if APP[0] in e.values() or APP[1] in e.values()]  # applications: no entry
    assert {e["Type"] for e in entries} == {"Internal", "External", "SecurityGroup", "SharePointGroup"}
    assert {e["TypeV2"] for e in entries} == {"InternalUser", "ExternalUser", "B2BUser", "SecurityGroup",
                                              "SharePointGroup"}


def test_a_claim_leaves_the_total_user_count_out(rows: Rows) -> None:
    with_claim = [r for r in rows["permissions"]
                  if any(e["Name"].startswith("Everyone") for e in r["SharedWith"])]
    assert with_claim and all("TotalUserCount" not in r for r in with_claim)


def test_group_rows_list_each_site_groups_members(tenant: Tenant, rows: Rows) -> None:
    for site in tenant.sites.values():
        site_id = site.id.split(",")[1]
        for site_group in site.site_groups.values():
            row = next(r for r in rows["groups"] if r["SiteId"] == site_id and r["GroupId"] == int(site_group.id))
            assert row["DisplayName"] == site_group.display_name and row["GroupType"] == "SharePointGroup"
            assert row["GroupLinkId"] == "00000000-0000-0000-0000-000000000000"
            assert row["Owner"] == {"Type": "SharePointGroup", "Name": site.site_groups["3"].display_name,
                                    "TypeV2": "SharePointGroup"}
            assert [m["AadObjectId"] for m in row["Members"]] == site_group.members
            for member in row["Members"]:
                kinds = {("User", "InternalUser"), ("User", "B2BUser")} if member["AadObjectId"] in tenant.users \
                    else {("SecurityGroup", "SecurityGroup")}
                assert (member["Type"], member["TypeV2"]) in kinds
    assert any(m["Type"] == "SecurityGroup" for r in rows["groups"] for m in r["Members"])
    assert any(m["Type"] == "User" for r in rows["groups"] for m in r["Members"])


# ---------------------------------------------------------------------- edges, re-export, the command line
def test_a_scope_with_only_an_application_has_no_rows_and_keeps_its_files(tmp_path: Path) -> None:
    t = Tenant()
    site = t.add_site("arkiv", "Arkiv")
    drive = t.add_drive(site, "Dokumenter")
    folder = t.add_folder(drive, None, "Skannet")
    t.break_inheritance(folder, copy=False)
    t.grant(folder, ("write",), application=APP)
    file = t.add_file(drive, folder, "side 1.pdf")
    written = write_mgdc(t, tmp_path, snapshot_date=DAY)
    permissions = read_json_lines(written.dataset("permissions").folder)
    assert {r["ItemType"] for r in permissions} == {"List"}  # the root's three site groups, nothing else
    assert sorted(r["RoleDefinition"] for r in permissions) == ["Contribute", "FullControl", "Read"]
    [row] = read_json_lines(written.dataset("files").folder)
    assert (row["ItemId"], row["ScopeId"], row["DirName"]) == (file.guid, scope_id(folder.guid), "Dokumenter/Skannet")
    assert row["Author"] == {"Name": "SharePoint App"}
    assert read_json_lines(written.dataset("groups").folder)[0]["Members"] == []


def test_a_new_export_replaces_the_parts_of_the_last(tenant: Tenant, tmp_path: Path) -> None:
    write_mgdc(tenant, tmp_path, snapshot_date=DAY, rows_per_part=PER_PART)
    again = write_mgdc(tenant, tmp_path, snapshot_date=DAY + timedelta(days=1), fmt="parquet")
    folder = again.dataset("files").folder
    assert sorted(p.name for p in folder.iterdir()) == ["part-00000.parquet"]
    assert not list(tmp_path.rglob(".*.tmp"))


def test_the_command_writes_the_four_folders(tmp_path: Path) -> None:
    _register_commands()
    runner = CliRunner()
    out = tmp_path / "mgdc"
    result = runner.invoke(cli, ["sandbox", "export", "--demo", "--mgdc", str(out), "--snapshot-date", "2026-11-20",
                                 "--mgdc-format", "parquet"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(d.id for d in (SITES, PERMISSIONS, FILES, GROUPS))
    sites = pq.read_table(out / SITES.id / "part-00000.parquet").to_pylist()
    assert [s["SnapshotDate"] for s in sites] == [datetime(2026, 11, 20, tzinfo=UTC)] * 2
    default = tmp_path / "default"
    before = datetime.now(UTC).strftime("%Y-%m-%dT00:00:00Z")
    result = runner.invoke(cli, ["sandbox", "export", "--demo", "--mgdc", str(default)])
    assert result.exit_code == 0, result.output
    [row, *_] = read_json_lines(default / GROUPS.id)
    assert row["SnapshotDate"] in {before, datetime.now(UTC).strftime("%Y-%m-%dT00:00:00Z")}  # today, UTC
    for args in (["--mgdc", str(tmp_path / "both"), str(tmp_path / "t.json")], [],
                 ["--mgdc-format", "parquet", str(tmp_path / "t.json")]):
        refused = runner.invoke(cli, ["sandbox", "export", "--demo", *args])
        assert refused.exit_code == 2, args
        assert "--mgdc" in refused.output
    assert not (tmp_path / "both").exists() and not (tmp_path / "t.json").exists()


def test_dataset_typing_in_the_schema_matches_the_documented_types() -> None:
    """int → int32, int64 → int64, datetimes as UTC timestamps: the Parquet files carry the documented types."""
    schema = arrow_schema(FILES)
    assert str(schema.field("MajorVersion").type) == "int32"
    assert str(schema.field("SizeInBytes").type) == "int64"
    assert str(schema.field("TimeCreated").type) == "timestamp[ms, tz=UTC]"
    assert schema.names == [f.name for f in FILES.fields]
