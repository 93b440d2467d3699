"""``doctor`` against the sandbox demo tenant over real HTTP: all OK as served, and for each thing a
tenant can refuse — a site, a permission, the sharing-change delta, the credential — the exact fix."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from doctor_world import (
    KUNDER,
    REKRUTTERING,
    app_token,
    by_status,
    doctor,
    load,
    policy,
    site_id,
)

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.sandbox.http.app import SandboxOptions
from m365_compliance.sandbox.server import SandboxServer

_register_commands()


def test_the_demo_tenant_is_all_ok(tmp_path, server):
    """The demo tenant holds least privilege (Sites.Selected, no tenant-wide FullControl): all OK,
    with the inventory's per-item fallback noted as the trade-off it is."""
    report = doctor(load(policy(tmp_path, server.base_url)))
    assert report.ok and not by_status(report, "MISSING") and not by_status(report, "FAILED")
    assert report.inventory_mode == "per-item fallback"
    checked = {(c.area, c.subject) for c in report.checks if c.status == "OK"}
    assert {("site", REKRUTTERING), ("site", KUNDER), ("library", "recruitment.library = 'Dokumenter'"),
            ("library", "customers.library = 'Avtaler'"), ("columns", "register list 'Avtaleregister' columns"),
            ("group", "roles.recruiters[0]"), ("group", "roles.management[0]"), ("group", "roles.sales[0]"),
            ("users", "users")} <= checked
    # The sandbox's fixed token is no JWT: roles unreadable, said so, and the probes decided.
    assert report.roles is None
    notes = by_status(report, "NOTE")
    assert [c.subject for c in notes if c.area != "inventory"] == ["roles"]
    assert ("inventory", "recruitment library delta") in {(c.area, c.subject) for c in notes}


def test_with_tenant_wide_full_control_the_inventory_reads_sharing_changes(tmp_path, server, tenant):
    tenant.access.permissions.add("Sites.FullControl.All")
    report = doctor(load(policy(tmp_path, server.base_url)))
    assert report.ok and report.inventory_mode == "sharing-change delta"
    assert [c.subject for c in by_status(report, "NOTE")] == ["roles"]
    assert ("inventory", "recruitment library delta") in {(c.area, c.subject) for c in by_status(report, "OK")}


def test_doctor_is_read_only_and_cheap(tmp_path, server):
    doctor(load(policy(tmp_path, server.base_url)))
    stats = server.app.meter.snapshot()
    assert stats["writes"] == 0
    assert stats["requests"] <= 20 and stats["ruTotal"] <= 25


def test_a_refused_site_names_the_grant_on_that_site(tmp_path, server, tenant):
    tenant.access.denied_sites.add(site_id(tenant, "rekruttering"))
    report = doctor(load(policy(tmp_path, server.base_url)))
    assert not report.ok
    (missing,) = by_status(report, "MISSING")
    assert (missing.area, missing.subject) == ("site", REKRUTTERING)
    assert missing.fix.startswith(f"grant Sites.Selected `read` on {REKRUTTERING}: POST "
                                  "/sites/tretoen.sharepoint.com:/sites/rekruttering:/permissions")
    assert '"roles": ["read"]' in missing.fix and "00000000-0000-0000-0000-00000000c0de" in missing.fix
    # The other site is still probed and fine; nothing below the refused site is guessed at.
    assert any(c.subject == KUNDER and c.status == "OK" for c in report.checks)
    assert not any(c.subject == "recruitment.library = 'Dokumenter'" for c in report.checks)


def test_for_execute_runs_the_fix_grants_write(tmp_path, server, tenant):
    tenant.access.denied_sites.add(site_id(tenant, "kunder"))
    report = doctor(load(policy(tmp_path, server.base_url)), mode="execute")
    fixes = {c.subject: c.fix for c in by_status(report, "MISSING")}
    assert fixes[KUNDER].startswith(f"grant Sites.Selected `write` on {KUNDER}")


def _set_role(tenant, name: str, role: str) -> None:
    site = tenant.sites[site_id(tenant, name)]
    grant = next(g for g in tenant.site_grants(site) if g.app_id == tenant.access.client_id)
    tenant.update_site_grant(site, grant.id, [role])


def _roles(report) -> dict[str, tuple[str, str | None]]:
    return {c.subject: (c.status, c.fix) for c in report.checks if c.area == "site role"}


def test_for_execute_the_demo_roles_are_probed_and_enough_without_a_write(tmp_path, server, tenant):
    report = doctor(load(policy(tmp_path, server.base_url)), mode="execute")
    assert report.ok and _roles(report) == {"recruitment site role": ("OK", None), "customers site role": ("OK", None)}
    assert server.app.meter.snapshot()["writes"] == 0


def test_for_execute_a_read_only_grant_is_named_with_the_role_it_lacks(tmp_path, server, tenant):
    """The attack: a site granted only `read` passes every read probe; the role probe still catches it."""
    _set_role(tenant, "kunder", "read")
    before = tenant.seq
    report = doctor(load(policy(tmp_path, server.base_url)), mode="execute")
    status, fix = _roles(report)["customers site role"]
    assert status == "MISSING" and fix.startswith(f"raise the app's Sites.Selected grant on {KUNDER} to `write`")
    assert _roles(report)["recruitment site role"] == ("OK", None) and not report.ok
    assert tenant.seq == before and server.app.meter.snapshot()["writes"] == 0  # nothing changed
    assert doctor(load(policy(tmp_path, server.base_url))).ok  # a dry-run night needs only `read`


def test_removing_grants_needs_fullcontrol_and_the_probe_tells(tmp_path, server, tenant):
    path = policy(tmp_path, server.base_url, ("remove_grants = []", 'remove_grants = ["C1"]'))
    status, fix = _roles(doctor(load(path), mode="execute"))["recruitment site role"]
    assert status == "MISSING" and "to `fullcontrol`" in fix
    _set_role(tenant, "rekruttering", "fullcontrol")
    assert _roles(doctor(load(path), mode="execute"))["recruitment site role"] == ("OK", None)
    assert server.app.meter.snapshot()["writes"] == 0


def test_missing_group_member_permission_is_named_with_admin_consent(tmp_path, server, tenant):
    tenant.access.permissions.discard("GroupMember.Read.All")
    report = doctor(load(policy(tmp_path, server.base_url)))
    missing = by_status(report, "MISSING")
    assert {c.subject for c in missing} == {"roles.recruiters[0]", "roles.management[0]", "roles.sales[0]"}
    for check in missing:
        assert "add the application permission GroupMember.Read.All and grant admin consent" in check.fix
        assert "98830695-27a2-44f7-8c18-0c3ebc9698f6=Role" in check.fix and "admin-consent" in check.fix


def test_without_full_control_the_inventory_falls_back_per_item_with_the_trade_off(tmp_path, server, tenant):
    assert "Sites.FullControl.All" not in tenant.access.permissions  # the demo's least privilege
    report = doctor(load(policy(tmp_path, server.base_url)))
    assert report.ok and report.inventory_mode == "per-item fallback"
    notes = [c for c in by_status(report, "NOTE") if c.area == "inventory"]
    assert len(notes) == 2
    assert all("5 RU per item" in c.detail and "Sites.FullControl.All" in c.detail for c in notes)


def test_a_policy_insisting_on_the_sharing_delta_makes_the_fallback_missing(tmp_path, server, tenant):
    config = load(policy(tmp_path, server.base_url, ('mode = "auto"', 'mode = "sharing-delta"')))
    report = doctor(config)
    missing = [c for c in by_status(report, "MISSING") if c.area == "inventory"]
    assert missing and all("Sites.FullControl.All" in c.fix and "admin-consent" in c.fix for c in missing)


def test_a_token_graph_refuses_is_a_credential_failure_and_stops_the_probes(tmp_path, tenant):
    with SandboxServer(tenant, SandboxOptions(require_token=True, token="the-token-the-tenant-accepts")) as server:
        report = doctor(load(policy(tmp_path, server.base_url)))
    (failed,) = by_status(report, "FAILED")
    assert failed.area == "credential" and failed.subject == "auth.method = none"
    assert "401" in failed.detail and "InvalidAuthenticationToken" in failed.detail
    assert 'auth.method "none" sends the sandbox\'s fixed token' in failed.fix
    # The token was issued (the credential works), Graph refused it on the first probe, and probing stopped.
    assert [(c.area, c.status) for c in report.checks] == [("credential", "OK"), ("token", "NOTE"),
                                                           ("credential", "FAILED")]


def test_a_credential_without_its_environment_names_the_variables(tmp_path, server):
    config = load(policy(tmp_path, server.base_url, ('method = "none"', 'method = "github_oidc"')))
    report = doctor(config, environ={})
    (failed,) = report.checks
    assert (failed.area, failed.status) == ("credential", "FAILED")
    assert "ACTIONS_ID_TOKEN_REQUEST_URL" in failed.detail
    assert "id-token: write" in failed.fix and "https://token.actions.githubusercontent.com" in failed.fix
    assert "repo:OWNER/REPO:ref:refs/heads/BRANCH" in failed.fix
    assert server.app.meter.snapshot()["requests"] == 0


def test_the_tokens_roles_are_compared_with_what_the_policy_needs(tmp_path, server, tenant):
    tenant.access.permissions.discard("GroupMember.Read.All")
    roles = {"Sites.Selected", "User.Read.All", "Sites.FullControl.All", "Mail.ReadWrite"}
    report = doctor(load(policy(tmp_path, server.base_url)), credential=app_token(roles))
    assert report.roles == frozenset(roles)
    checks = {(c.area, c.subject): c for c in report.checks}
    assert checks[("token", "tid/appid")].status == "OK"
    assert checks[("permission", "Sites.Selected")].status == "OK"
    assert checks[("permission", "Sites.FullControl.All")].status == "OK"
    missing = checks[("permission", "GroupMember.Read.All")]
    assert missing.status == "MISSING" and "admin-consent" in missing.fix
    assert checks[("permission", "Mail.ReadWrite")].status == "NOTE"  # more than the policy needs
    assert ("permission", "Mail.Send") not in checks  # no e-mail sink in the demo policy
    assert ("permission", "RecordsManagement.ReadWrite.All") not in checks  # events fire only when executing


def test_execute_with_event_based_retention_needs_records_management(tmp_path, server):
    roles = {"Sites.Selected", "GroupMember.Read.All", "User.Read.All"}
    report = doctor(load(policy(tmp_path, server.base_url)), mode="execute", credential=app_token(roles))
    checks = {(c.area, c.subject): c for c in report.checks}
    assert checks[("permission", "RecordsManagement.ReadWrite.All")].status == "MISSING"
    assert checks[("permission", "Sites.FullControl.All")].status == "NOTE"  # optional in auto mode
    assert not report.ok


def test_a_token_of_another_app_is_named(tmp_path, server):
    other = "11111111-2222-3333-4444-555555555555"
    report = doctor(load(policy(tmp_path, server.base_url)), credential=app_token({"Sites.Selected"}, appid=other))
    (failed,) = [c for c in by_status(report, "FAILED") if c.area == "token"]
    assert other in failed.detail and "client_id" in failed.fix


def test_a_wrong_register_column_names_the_key(tmp_path, server):
    config = load(policy(tmp_path, server.base_url, ('agreement_id = "AvtaleId"', 'agreement_id = "AvtaleNr"')))
    report = doctor(config)
    (missing,) = by_status(report, "MISSING")
    assert missing.subject == "register.columns.agreement_id" and "'AvtaleNr'" in missing.detail
    assert "AvtaleId" in missing.fix


def test_cli_table_exit_codes_and_json_shape(tmp_path, server, tenant):
    path = policy(tmp_path, server.base_url)
    ok = CliRunner().invoke(cli, ["doctor", "--config", str(path)])
    assert ok.exit_code == 0, ok.output
    assert "All " in ok.output and "checks OK" in ok.output
    tenant.access.denied_sites.add(site_id(tenant, "rekruttering"))
    bad = CliRunner().invoke(cli, ["doctor", "--config", str(path), "--json"])
    assert bad.exit_code == 1
    assert bad.stderr.splitlines() == [f"error: 1 missing, 0 failed of {len(json.loads(bad.stdout)['checks'])} checks: "
                                       "apply each fix shown, then run doctor again."], bad.stderr
    body = json.loads(bad.stdout)  # stdout is the JSON alone: the verdict line is on stderr
    assert set(body) == {"ok", "policyVersion", "authMethod", "mode", "roles", "inventoryMode", "counts", "checks"}
    assert body["ok"] is False and body["counts"]["MISSING"] == 1 and body["mode"] == "dry-run"
    assert all(set(c) == {"area", "subject", "status", "detail", "fix"} for c in body["checks"])
    assert {c["status"] for c in body["checks"]} <= {"OK", "NOTE", "MISSING", "FAILED"}


def test_a_bad_policy_file_is_exit_2(tmp_path):
    bad = tmp_path / "policy.toml"
    bad.write_text("[tenant]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["doctor", "--config", str(bad)])
    assert result.exit_code == 2 and "Traceback" not in result.output


@pytest.mark.parametrize("refuse", ["nothing", "site-and-groups"])
def test_no_personal_data_in_the_output(tmp_path, server, tenant, refuse):
    if refuse != "nothing":
        tenant.access.denied_sites.add(site_id(tenant, "kunder"))
        tenant.access.permissions.discard("GroupMember.Read.All")
    path = policy(tmp_path, server.base_url)
    output = "".join(CliRunner().invoke(cli, ["doctor", "--config", str(path), *flags]).output
                     for flags in ([], ["--json"]))
    people = [u.display_name for u in tenant.users.values()] + [u.mail for u in tenant.users.values() if u.mail]
    people += [g.mail for g in tenant.groups.values() if g.mail] + [g.display_name for g in tenant.groups.values()]
    names = [i.name for d in tenant.drives.values() for i in d.items.values() if i.parent_id is not None]
    leaked = [text for text in people + names if text and text in output]
    assert not leaked


def test_a_delta_refused_on_a_labelled_library_names_the_raise_to_fullcontrol(tmp_path, server, tenant):
    """docs-contrib #693 reproduced: the site and library read fine, delta is 403. The fix is raising the
    existing grant (PATCH), not a new grant (which Graph refuses with 409 for an app that has one)."""
    tenant.quirks.labelled_delta_needs_full_control = True  # the demo's customer library holds records
    report = doctor(load(policy(tmp_path, server.base_url)))
    refused = {c.subject: c for c in by_status(report, "MISSING") if c.area == "inventory"}
    check = refused["customers library delta"]
    assert "#693" in check.detail and check.fix.startswith(f"raise the app's Sites.Selected grant on {KUNDER} to "
                                                           "`fullcontrol`: PATCH")
    assert "POST" not in check.fix


def test_without_a_grant_the_693_fix_names_the_tenant_wide_permission_too(tmp_path, server, tenant):
    """The app reads through a tenant-wide permission and holds no Sites.Selected grant: a PATCH alone would
    point at a grant that does not exist, so the fix names Sites.FullControl.All as well."""
    tenant.quirks.labelled_delta_needs_full_control = True
    tenant.access.permissions = {"Sites.Read.All", "GroupMember.Read.All", "User.Read.All"}
    report = doctor(load(policy(tmp_path, server.base_url)))
    check = {c.subject: c for c in by_status(report, "MISSING")}["customers library delta"]
    assert "Sites.FullControl.All" in check.fix and "no grant on that site" in check.fix
