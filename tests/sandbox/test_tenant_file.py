"""The tenant file: round trip with the demo, the shipped example, and clear errors naming the path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.tenant_file import (
    TenantFileError,
    build_tenant,
    dump_tenant_file,
    load_tenant_file,
)

EXAMPLE = Path(__file__).parents[2] / "m365_compliance" / "sandbox" / "examples" / "small-tenant.json"


def test_demo_round_trips_through_the_file_format():
    dumped = dump_tenant_file(build_demo_tenant().tenant)
    assert dump_tenant_file(build_tenant(json.loads(json.dumps(dumped)))) == dumped


def test_shipped_example_loads():
    tenant = load_tenant_file(EXAMPLE)
    site = tenant.site_by_path("contoso.sharepoint.com", "/sites/hr")
    drive = tenant.drive(site.drive_ids[0])
    names = {i.name for i in tenant.walk(drive)}
    assert {"Applicants", "CV.pdf"} <= names
    assert any(g.link_scope == "anonymous" for i in tenant.walk(drive) for g in i.grants or [])


def _example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("mutate, where, words", [
    (lambda d: d["sites"][0]["libraries"][0]["items"][0]["children"][0]["permissions"].append(
        {"link": "everyone"}), "sites[0].libraries[0].items[0].children[0].permissions[2]", "everyone"),
    (lambda d: d["users"][0].update(colour="blue"), "users[0]", "allowed keys"),
    (lambda d: d["users"][0].pop("mail"), "users[0]", "'mail' is a required property"),
    (lambda d: d["sites"][0].update(created="yesterday"), "sites[0].created", "yesterday"),
    (lambda d: d["groups"][0]["members"].append("nobody@contoso.com"), "groups[0].members[1]", "nobody@contoso.com"),
    (lambda d: d["sites"][0]["libraries"][0]["items"][0].update(label="Unknown"), "sites[0].libraries[0].items[0].label",
     "Unknown"),
    (lambda d: d["sites"][0]["libraries"][0]["items"][0]["children"][0]["permissions"].append({"roles": ["read"]}),
     "permissions[2]", "exactly one of"),
    (lambda d: d["access"].update(deniedSites=["nope"]), "access.deniedSites[0]", "nope"),
])
def test_bad_files_name_the_path_and_the_value(tmp_path, mutate, where, words):
    data = _example()
    mutate(data)
    path = tmp_path / "tenant.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TenantFileError) as info:
        load_tenant_file(path)
    assert where in info.value.message
    assert words in info.value.message


def test_invalid_json_gives_line_and_column(tmp_path):
    path = tmp_path / "tenant.json"
    path.write_text('{"users": [\n  {"displayName": "A",}\n]}', encoding="utf-8")
    with pytest.raises(TenantFileError, match=r"line 2, column"):
        load_tenant_file(path)


def test_duplicate_names_in_a_folder_are_refused():
    data = _example()
    folder = data["sites"][0]["libraries"][0]["items"][0]
    folder["children"].append(dict(folder["children"][0]))
    with pytest.raises(TenantFileError, match="used twice"):
        build_tenant(data)
