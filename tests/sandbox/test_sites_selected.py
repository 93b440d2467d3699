"""Sites.Selected in the sandbox: every operation the gateway performs, under each role on the site.

The matrix runs roles {none, read, write, manage, fullcontrol} against the gateway's operations.
Allowed: 2xx. Refused: 403 ``accessDenied`` "Access denied" in Graph's error body, and the tenant
unchanged (its change sequence, items, labels, grants, recycle bin; the meter counts no write).
Role semantics and their sources: docs/permissions.md; assumptions: docs/sandbox.md.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from m365_compliance.sandbox.model import APP_ID, AppAccess, Drive, Item, RetentionLabelDef, Site, SpList
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.tenant import Tenant

ROLES = ("none", "read", "write", "manage", "fullcontrol")
ADMIN = "0a0a0a0a-0000-4000-8000-00000000ad00"
SHARING = "deltashowremovedasdeleted, deltatraversepermissiongaps, deltashowsharingchanges"


@dataclass
class World:
    tenant: Tenant
    site: Site
    other: Site
    drive: Drive
    folder: Item
    file: Item
    labelled: Item
    shared: Item
    grant_id: str
    register: SpList


def build(t: Tenant) -> World:
    user = t.add_user("Rita Recruiter", "rita@contoso.com")
    site = t.add_site("hr", "HR", owners=[user.id])
    other = t.add_site("finance", "Finance", owners=[user.id])
    t.add_drive(other, "Documents")
    drive = t.add_drive(site, "Documents")
    folder = t.add_folder(drive, None, "Applicants")
    file = t.add_file(drive, folder, "cv.pdf", content=b"cv")
    labelled = t.add_file(drive, folder, "letter.pdf", content=b"letter")
    shared = t.add_file(drive, folder, "notes.txt", content=b"notes")
    t.add_label(RetentionLabelDef("Applicant 12 months", "doNotRetain", 365))
    t.add_label(RetentionLabelDef("Contract record", "retainAsRecord", 3650))
    t.set_label(labelled, "Applicant 12 months")
    t.break_inheritance(shared)
    grant = t.grant(shared, ("read",), user_id=user.id)
    register = t.add_list(site, "Register", [])
    t.add_list_item(register, {"Title": "Partner AS"})
    t.add_app(AppAccess(client_id=ADMIN, display_name="SharePoint administration",
                        permissions={"Sites.FullControl.All"}))
    return World(t, site, other, drive, folder, file, labelled, shared, grant.id, register)


@pytest.fixture
def tenant() -> Tenant:
    return Tenant()  # the default: least privilege, Sites.Selected with no site granted


@pytest.fixture
def world(tenant: Tenant) -> World:
    return build(tenant)


@pytest.fixture
def http(server: SandboxServer, world: World) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        yield client


def token(app_id: str) -> dict[str, str]:
    """An Authorization header with a JWT naming ``app_id`` as Entra's app-only tokens do (unsigned)."""
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    jwt = f"{part({'typ': 'JWT', 'alg': 'RS256'})}.{part({'appid': app_id, 'idtyp': 'app'})}.c2ln"
    return {"Authorization": f"Bearer {jwt}"}


def grant(w: World, role: str, site: Site | None = None) -> None:
    if role != "none":
        w.tenant.grant_site(site or w.site, APP_ID, [role])


def state(t: Tenant) -> tuple[object, ...]:
    """What a refused call must leave alone."""
    drives = {d.id: sorted(d.items) for d in t.drives.values()}
    labels = {i.id: i.label.name for d in t.drives.values() for i in d.items.values() if i.label is not None}
    grants = {i.id: sorted(g.id for g in i.grants) for d in t.drives.values() for i in d.items.values()
              if i.grants is not None}
    return t.seq, drives, labels, grants, len(t.recycle_bin), {s: dict(g) for s, g in t.site_app_grants.items()}


def item(w: World, it: Item) -> str:
    return f"/drives/{w.drive.id}/items/{it.id}"


# ---------------------------------------------------------------------- the operations
@dataclass(frozen=True)
class Op:
    name: str
    needs: str  # read | write | fullcontrol
    call: Callable[[httpx.Client, World], httpx.Response]
    status: int


OPS = (
    Op("resolve the site", "read", lambda h, w: h.get(f"/sites/{w.site.hostname}:/sites/hr"), 200),
    Op("list the site's libraries", "read", lambda h, w: h.get(f"/sites/{w.site.id}/drives"), 200),
    Op("read the library's delta", "read", lambda h, w: h.get(f"/drives/{w.drive.id}/root/delta"), 200),
    Op("list a folder's children", "read", lambda h, w: h.get(item(w, w.folder) + "/children"), 200),
    Op("read an item", "read", lambda h, w: h.get(item(w, w.file)), 200),
    Op("list an item's permissions", "read", lambda h, w: h.get(item(w, w.shared) + "/permissions"), 200),
    Op("read an item's retention label", "read", lambda h, w: h.get(item(w, w.labelled) + "/retentionLabel"), 200),
    Op("download a file", "read", lambda h, w: h.get(item(w, w.file) + "/content"), 302),
    Op("read the list's items", "read",
       lambda h, w: h.get(f"/sites/{w.site.id}/lists/{w.register.id}/items", params={"expand": "fields"}), 200),
    Op("apply a retention label", "write",
       lambda h, w: h.patch(item(w, w.file) + "/retentionLabel", json={"name": "Applicant 12 months"}), 201),
    Op("rename an item", "write", lambda h, w: h.patch(item(w, w.file), json={"name": "cv-2.pdf"}), 200),
    Op("delete an item", "write", lambda h, w: h.delete(item(w, w.file)), 204),
    Op("permanently delete an item", "write", lambda h, w: h.post(item(w, w.file) + "/permanentDelete"), 204),
    Op("upload a file (the state store)", "write",
       lambda h, w: h.put(item(w, w.folder) + ":/state.sqlite:/content", content=b"state"), 201),
    Op("remove a permission", "fullcontrol",
       lambda h, w: h.delete(item(w, w.shared) + f"/permissions/{w.grant_id}"), 204),
    Op("apply a record label", "fullcontrol",
       lambda h, w: h.patch(item(w, w.file) + "/retentionLabel", json={"name": "Contract record"}), 201),
)
#: Which roles meet which need (docs/permissions.md; "manage" is write plus managing the site itself).
ALLOWED = {"read": {"read", "write", "manage", "fullcontrol"}, "write": {"write", "manage", "fullcontrol"},
           "fullcontrol": {"fullcontrol"}}


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("accessDenied", "Access denied")
    assert {"date", "request-id", "client-request-id"} <= set(error["innerError"])


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_can_do_what_it_allows_and_nothing_else(http, server, world, role, op):
    grant(world, role)
    before = state(world.tenant)
    response = op.call(http, world)
    if role in ALLOWED[op.needs]:
        assert response.status_code == op.status, response.text
        assert (state(world.tenant) != before) == (op.needs != "read")  # a write changed something
    else:
        assert_refused(response)
        assert state(world.tenant) == before
        assert server.app.meter.snapshot()["writes"] == 0


# ---------------------------------------------------------------------- what a role never gives
@pytest.mark.parametrize("role", ROLES)
def test_sharing_change_delta_needs_tenant_wide_full_control(http, world, role):
    grant(world, role)
    response = http.get(f"/drives/{world.drive.id}/root/delta", headers={"Prefer": SHARING})
    if role == "none":
        assert_refused(response)
        return
    assert response.status_code == 200
    assert "deltashowsharingchanges" not in response.headers.get("Preference-Applied", "")
    world.tenant.access.permissions.add("Sites.FullControl.All")
    honoured = http.get(f"/drives/{world.drive.id}/root/delta", headers={"Prefer": SHARING})
    assert "deltashowsharingchanges" in honoured.headers["Preference-Applied"]


@pytest.mark.parametrize("role", ROLES)
def test_labelled_library_delta_needs_full_control_when_the_tenant_reproduces_693(http, world, role):
    world.tenant.quirks.labelled_delta_needs_full_control = True
    grant(world, role)
    labelled = http.get(f"/drives/{world.drive.id}/root/delta")
    if role == "fullcontrol":
        assert labelled.status_code == 200
    else:
        assert_refused(labelled)
    world.tenant.quirks.labelled_delta_needs_full_control = False
    assert http.get(f"/drives/{world.drive.id}/root/delta").status_code == (403 if role == "none" else 200)


def test_without_labelled_items_the_693_switch_changes_nothing(http, world):
    world.tenant.quirks.labelled_delta_needs_full_control = True
    world.tenant.remove_label(world.labelled)
    grant(world, "read")
    assert http.get(f"/drives/{world.drive.id}/root/delta").status_code == 200


def test_tenant_wide_full_control_is_enough_for_the_693_library(http, world):
    world.tenant.quirks.labelled_delta_needs_full_control = True
    world.tenant.access.permissions = {"Files.ReadWrite.All"}
    assert_refused(http.get(f"/drives/{world.drive.id}/root/delta"))
    world.tenant.access.permissions.add("Sites.FullControl.All")
    assert http.get(f"/drives/{world.drive.id}/root/delta").status_code == 200


def test_a_grant_without_sites_selected_consent_gives_nothing(http, world):
    grant(world, "fullcontrol")
    world.tenant.access.permissions.discard("Sites.Selected")
    assert_refused(http.get(f"/sites/{world.site.id}"))
    assert_refused(http.get(item(world, world.file)))


def test_a_grant_covers_its_own_site_only(http, world):
    grant(world, "fullcontrol")
    assert http.get(f"/sites/{world.site.id}").status_code == 200
    assert_refused(http.get(f"/sites/{world.other.id}/drives"))
    assert_refused(http.get("/sites/getAllSites"))  # enumeration is not available under Sites.Selected


def test_a_denied_site_stays_denied_whatever_its_grant(http, world):
    grant(world, "fullcontrol")
    world.tenant.access.denied_sites.add(world.site.id)
    assert_refused(http.get(item(world, world.file)))


def test_retention_events_and_mail_are_tenant_wide_permissions_not_site_roles(http, world):
    grant(world, "fullcontrol")
    event = {"displayName": "Contract 1 ended", "eventQueries": [{"queryType": "files", "query": "x"}],
             "eventTriggerDateTime": "2026-11-25T00:00:00Z"}
    assert http.post("/security/triggers/retentionEvents", json=event).status_code == 403
    user = next(iter(world.tenant.users))
    mail = {"message": {"subject": "s", "body": {"contentType": "text", "content": "c"},
                        "toRecipients": [{"emailAddress": {"address": "rita@contoso.com"}}]}}
    assert http.post(f"/users/{user}/sendMail", json=mail).status_code == 403
    assert world.tenant.retention_events == [] and world.tenant.outbox == []


def test_tenant_wide_permissions_still_work_without_any_grant(http, world):
    world.tenant.access.permissions = {"Files.ReadWrite.All"}
    assert http.delete(item(world, world.shared) + f"/permissions/{world.grant_id}").status_code == 204
    world.tenant.access.permissions = {"Files.Read.All"}
    assert http.get(item(world, world.file)).status_code == 200
    assert_refused(http.delete(item(world, world.file)))


# ---------------------------------------------------------------------- grants over Graph
def post_grant(http: httpx.Client, w: World, roles: list[str], *, by: str = ADMIN, **identity: str) -> httpx.Response:
    application = {"id": identity.get("app_id", APP_ID), "displayName": "m365-compliance"}
    body = {"roles": roles, "grantedToIdentities": [{"application": application}]}
    return http.post(f"/sites/{w.site.hostname}:/sites/hr:/permissions", json=body, headers=token(by))


def test_an_admin_app_grants_a_site_and_the_app_can_then_read_it(http, world):
    assert_refused(http.get(f"/sites/{world.site.id}"))
    created = post_grant(http, world, ["read"])
    assert created.status_code == 201, created.text
    body = created.json()
    identity = [{"application": {"id": APP_ID, "displayName": "m365-compliance"}}]
    assert body["roles"] == ["read"] and body["grantedToIdentities"] == identity == body["grantedToIdentitiesV2"]
    assert base64.b64decode(body["id"]).decode() == f"i:0i.t|ms.sp.ext|{APP_ID}@{world.tenant.tenant_id}"
    assert body["@deprecated.GrantedToIdentities"].startswith("GrantedToIdentities has been deprecated")
    assert http.get(f"/sites/{world.site.id}").status_code == 200
    assert_refused(http.delete(item(world, world.file)))  # read is not write


def test_grants_are_listed_updated_and_revoked(http, world):
    grant_id = post_grant(http, world, ["write"]).json()["id"]
    base = f"/sites/{world.site.id}/permissions"
    listed = http.get(base, headers=token(ADMIN))
    assert [(p["id"], p["roles"]) for p in listed.json()["value"]] == [(grant_id, ["write"])]
    assert http.get(f"{base}/{grant_id}", headers=token(ADMIN)).json()["roles"] == ["write"]
    updated = http.patch(f"{base}/{grant_id}", json={"roles": ["fullcontrol"]}, headers=token(ADMIN))
    assert updated.status_code == 200 and updated.json()["roles"] == ["fullcontrol"]
    assert http.delete(item(world, world.shared) + f"/permissions/{world.grant_id}").status_code == 204
    assert http.delete(f"{base}/{grant_id}", headers=token(ADMIN)).status_code == 204
    assert_refused(http.get(item(world, world.file)))
    assert http.get(f"{base}/{grant_id}", headers=token(ADMIN)).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_only_tenant_wide_full_control_manages_grants(http, world, role):
    """Even a site's own fullcontrol grant cannot list or make grants (msgraph-sdk-dotnet #1591)."""
    grant(world, role)
    before = state(world.tenant)
    assert_refused(post_grant(http, world, ["fullcontrol"], by=APP_ID))
    assert_refused(http.get(f"/sites/{world.site.id}/permissions"))
    assert state(world.tenant) == before


@pytest.mark.parametrize(("body", "status"), [
    ({"roles": ["owner"], "grantedToIdentities": [{"application": {"id": APP_ID}}]}, 400),
    ({"roles": [], "grantedToIdentities": [{"application": {"id": APP_ID}}]}, 400),
    ({"roles": ["read"], "grantedToIdentities": [{"user": {"id": APP_ID}}]}, 400),
    ({"roles": ["read"], "grantedToIdentities": [{"application": {"id": "not-a-guid"}}]}, 400),
    ({"roles": ["read"]}, 400),
])
def test_a_bad_grant_is_400_and_grants_nothing(http, world, body, status):
    response = http.post(f"/sites/{world.site.id}/permissions", json=body, headers=token(ADMIN))
    assert response.status_code == status and response.json()["error"]["code"] == "invalidRequest"
    assert world.tenant.site_app_grants.get(world.site.id, {}) == {}


def test_a_second_grant_for_the_same_app_is_409_and_keeps_the_first(http, world):
    assert post_grant(http, world, ["read"]).status_code == 201
    again = post_grant(http, world, ["fullcontrol"])
    assert again.status_code == 409
    assert world.tenant.site_roles(world.site.id, APP_ID) == {"read"}


def test_grants_use_v2_identities_too_and_unknown_sites_are_404(http, world):
    body = {"roles": ["read"], "grantedToIdentitiesV2": [{"application": {"id": APP_ID.upper()}}]}
    assert http.post(f"/sites/{world.site.id}/permissions", json=body, headers=token(ADMIN)).status_code == 201
    assert world.tenant.site_roles(world.site.id, APP_ID) == {"read"}
    missing = http.post("/sites/contoso.sharepoint.com:/sites/nowhere:/permissions", json=body, headers=token(ADMIN))
    assert missing.status_code == 404


def test_a_token_of_an_app_the_tenant_does_not_know_is_refused(http, world):
    grant(world, "fullcontrol")
    stranger = "11111111-2222-4333-8444-555555555555"
    assert_refused(http.get(f"/sites/{world.site.id}", headers=token(stranger)))
    assert http.get(f"/sites/{world.site.id}", headers=token(APP_ID)).status_code == 200


# ---------------------------------------------------------------------- doctor's probes
PROBE = {"If-Match": '"m365-compliance-probe"'}


@pytest.mark.parametrize("role", ROLES)
def test_the_role_probes_change_nothing_and_tell_the_role(http, world, role):
    """An update or a removal under a tag no item has: 403 below the role, 412 at or above it (authorization
    before preconditions, RFC 9110 §13.2.1), the tenant untouched either way."""
    grant(world, role)
    before = state(world.tenant)
    change = http.patch(f"/drives/{world.drive.id}/root", json={}, headers=PROBE)
    remove = http.delete(f"/drives/{world.drive.id}/root/permissions/m365-compliance-probe", headers=PROBE)
    assert change.status_code == (412 if role in ALLOWED["write"] else 403)
    assert remove.status_code == (412 if role in ALLOWED["fullcontrol"] else 403)
    assert state(world.tenant) == before


def test_an_update_the_sandbox_cannot_make_is_refused_not_dropped(http, world):
    grant(world, "write")
    response = http.patch(item(world, world.file), json={"description": "x"})
    assert response.status_code == 400 and "description" in response.json()["error"]["message"]
