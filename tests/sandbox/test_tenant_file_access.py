"""The tenant file's ``access`` section: Sites.Selected roles per site, the FullControl switch, other
apps, the #693 switch — loaded as grants the endpoints enforce, dumped back unchanged, errors by path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from m365_compliance.sandbox.model import APP_ID, LEAST_PRIVILEGE
from m365_compliance.sandbox.tenant_file import TenantFileError, build_tenant, dump_tenant_file

EXAMPLE = Path(__file__).parents[2] / "m365_compliance" / "sandbox" / "examples" / "small-tenant.json"
ADMIN = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


def example(**access: object) -> dict:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["sites"].append({"name": "intranet", "displayName": "Intranet"})
    data["access"] = access
    return data


def site(tenant, name: str) -> str:
    return next(s.id for s in tenant.sites.values() if s.name == name)


def test_without_an_access_section_the_app_holds_least_privilege_and_no_site():
    tenant = build_tenant(example())
    assert tenant.access.permissions == set(LEAST_PRIVILEGE)
    assert tenant.site_app_grants == {} and tenant.apps == {}


def test_site_roles_become_grants_for_the_app():
    tenant = build_tenant(example(permissions=["Sites.Selected"], sites={"hr": "write", "intranet": ["read"]}))
    assert tenant.site_roles(site(tenant, "hr"), APP_ID) == {"write"}
    assert tenant.site_roles(site(tenant, "intranet"), APP_ID) == {"read"}
    assert tenant.access.permissions == {"Sites.Selected"}


def test_the_full_control_switch_and_other_apps():
    tenant = build_tenant(example(clientId="AAAAAAAA-0000-4000-8000-000000000001", displayName="Scanner",
                                  tenantWideFullControl=True, labelledDeltaNeedsFullControl=True,
                                  apps=[{"clientId": ADMIN, "tenantWideFullControl": True,
                                         "sites": {"intranet": "manage"}}]))
    assert tenant.access.client_id == "aaaaaaaa-0000-4000-8000-000000000001"
    assert "Sites.FullControl.All" in tenant.access.permissions and tenant.quirks.labelled_delta_needs_full_control
    admin = tenant.app(ADMIN)
    assert admin is not None and admin.permissions == {"Sites.FullControl.All"}
    assert tenant.site_roles(site(tenant, "intranet"), ADMIN) == {"manage"}


def test_access_round_trips_with_grants_made_over_graph():
    tenant = build_tenant(example(sites={"hr": ["read", "write"]}, deniedSites=["intranet"],
                                  apps=[{"clientId": ADMIN, "permissions": ["Sites.FullControl.All"]}]))
    tenant.grant_site(tenant.site(site(tenant, "intranet")), "0b0b0b0b-0000-4000-8000-000000000002", ["read"],
                      display_name="Another app")
    dumped = dump_tenant_file(tenant)
    assert dumped["access"]["sites"] == {"hr": ["read", "write"]}
    assert [a["clientId"] for a in dumped["access"]["apps"]] == [ADMIN, "0b0b0b0b-0000-4000-8000-000000000002"]
    again = dump_tenant_file(build_tenant(json.loads(json.dumps(dumped))))
    assert again == dumped


@pytest.mark.parametrize("access, where, words", [
    ({"sites": {"nope": "read"}}, "access.sites.nope", "'nope' is not a site name"),
    ({"sites": {"hr": "owner"}}, "access.sites.hr", "read"),
    ({"sites": {"hr": []}}, "access.sites.hr", ""),
    ({"apps": [{"clientId": APP_ID}]}, "access.apps[0].clientId", "already the client id"),
    ({"apps": [{"clientId": "admin"}]}, "access.apps[0].clientId", "GUID"),
    ({"apps": [{"clientId": ADMIN, "sites": {"nope": "read"}}]}, "access.apps[0].sites.nope", "not a site name"),
    ({"fullControl": True}, "access", "tenantWideFullControl"),
])
def test_a_bad_access_section_names_the_path(access, where, words):
    with pytest.raises(TenantFileError) as raised:
        build_tenant(example(**access))
    message = str(raised.value)
    assert f": {where}" in message and words in message, message
