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
    tenant_file_schema,
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


def _applicant(data: dict) -> dict:
    return data["sites"][0]["libraries"][0]["items"][0]["children"][0]


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
    (lambda d: _applicant(d)["fields"].update(Hired="yes"), "items[0].children[0].fields.Hired", "true or false"),
    (lambda d: _applicant(d)["fields"].update(ApplicationDate="01.10.2025"),
     "items[0].children[0].fields.ApplicationDate", "2026-11-25"),
    (lambda d: _applicant(d)["fields"].update(Colour="red"), "items[0].children[0].fields.Colour",
     "'ApplicationDate', 'Hired'"),
    (lambda d: d["sites"][0]["lists"][0]["rows"][0].update(Contacts=["ghost@partner.example"]),
     "sites[0].lists[0].rows[0].Contacts[0]", "ghost@partner.example"),
    (lambda d: _applicant(d)["permissions"][0].update(type="edit"), "children[0].permissions[0].type",
     "only a sharing link"),
    (lambda d: _applicant(d)["permissions"][1].update(recipients=["rita@contoso.com"]),
     "children[0].permissions[1].recipients", "this link is 'anonymous'"),
    (lambda d: d["sites"][0]["lists"][0].update(name="documents"), "sites[0].lists[0].name", "'documents' is already"),
    (lambda d: d["sites"].append(dict(d["sites"][0])), "sites[1].name", "'hr' is already the name of another site"),
    (lambda d: _applicant(d).update(created="2025-10-02 10:00"), "children[0].created", "e.g. 2026-11-25T02:00:00Z"),
    (lambda d: d["labels"].append({"name": "Applicant 12 months"}), "labels[1].name", "must be unique"),
    (lambda d: d["users"].append({"displayName": "Twin", "mail": "rita@contoso.com"}), "users[3].key", "used twice"),
    (lambda d: d["labels"][0].update(behavior="keepForever"), "labels[0].behavior", "'retainAsRecord'"),
    (lambda d: d.update(formatVersion=2), "(top level)", "allowed keys"),
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


def test_the_error_is_a_value_error_with_a_hint():
    data = _example()
    data["users"][0]["guest"] = "no"
    with pytest.raises(ValueError) as info:
        build_tenant(data, source="mine.json")
    assert str(info.value).startswith("mine.json: users[0].guest: ")
    assert "docs/tenant-file.md" in info.value.hint


def test_person_columns_in_library_fields_hold_user_keys_in_the_file():
    data = _example()
    data["sites"][0]["libraries"][0]["columns"].append({"name": "Recruiter", "type": "person"})
    _applicant(data)["fields"]["Recruiter"] = "rita@contoso.com"
    tenant = build_tenant(data)
    folder = next(i for d in tenant.drives.values() for i in d.items.values() if i.name == "2025-10 Alex Applicant")
    assert folder.fields["Recruiter"] in tenant.users
    dumped = dump_tenant_file(tenant)
    assert _applicant(dumped)["fields"]["Recruiter"] == "rita@contoso.com"
    assert dump_tenant_file(build_tenant(dumped)) == dumped


def test_values_of_undeclared_columns_are_declared_on_export():
    tenant = load_tenant_file(EXAMPLE)
    folder = next(i for d in tenant.drives.values() for i in d.items.values() if i.name == "Applicants")
    tenant.set_fields(folder, {"Reviewed": True})
    dumped = dump_tenant_file(tenant)
    assert {"name": "Reviewed", "displayName": "Reviewed", "type": "boolean"} in \
        dumped["sites"][0]["libraries"][0]["columns"]
    assert dump_tenant_file(build_tenant(dumped)) == dumped


def test_every_shipped_example_and_the_demo_export_validate_against_the_schema():
    import jsonschema

    validator = jsonschema.Draft202012Validator(tenant_file_schema(), format_checker=jsonschema.FormatChecker())
    jsonschema.Draft202012Validator.check_schema(tenant_file_schema())
    for example in EXAMPLE.parent.glob("*.json"):
        assert not list(validator.iter_errors(json.loads(example.read_text(encoding="utf-8")))), example
    assert not list(validator.iter_errors(dump_tenant_file(build_demo_tenant().tenant)))
