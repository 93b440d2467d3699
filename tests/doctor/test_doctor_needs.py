"""What the policy file needs from Entra (shared by doctor and the setup script), and token claims."""

from __future__ import annotations

from doctor_world import (
    CLIENT_ID,
    KUNDER,
    REKRUTTERING,
    TENANT_ID,
    load,
    policy,
    unsigned_jwt,
)

from m365_compliance.doctor import required_permissions, site_grants
from m365_compliance.doctor.token import read_claims

SANDBOX = "http://127.0.0.1:8765/v1.0"
_EMAIL = 'type = "email"\nto = ["personvern@tretoen.no"]\nfrom_user = "compliance@tretoen.no"'
EMAIL_SINK = ('[[alerts.sinks]]\ntype = "stdout"', f'[[alerts.sinks]]\n{_EMAIL}\n\n[[alerts.sinks]]\ntype = "stdout"')


def names(needs, *, optional=None):
    return [n.permission for n in needs if optional is None or n.optional == optional]


def test_demo_policy_needs_least_privilege_for_dry_runs(tmp_path):
    needs = required_permissions(load(policy(tmp_path, SANDBOX)), "dry-run")
    assert names(needs, optional=False) == ["Sites.Selected", "GroupMember.Read.All", "User.Read.All"]
    assert names(needs, optional=True) == ["Sites.FullControl.All"]  # mode = "auto": a trade-off, not a must
    assert "Mail.Send" not in names(needs)


def test_execute_adds_retention_events_only_when_event_based(tmp_path):
    config = load(policy(tmp_path, SANDBOX))
    assert "RecordsManagement.ReadWrite.All" in names(required_permissions(config, "execute"))
    off = load(policy(tmp_path, SANDBOX, ("event_based = true", "event_based = false"),
                      ('contract_end_event_type = "Kontraktslutt"\n', "")))
    assert "RecordsManagement.ReadWrite.All" not in names(required_permissions(off, "execute"))


def test_mail_send_only_with_an_email_sink(tmp_path):
    config = load(policy(tmp_path, SANDBOX, EMAIL_SINK))
    assert "Mail.Send" in names(required_permissions(config))


def test_inventory_mode_decides_full_control(tmp_path):
    per_item = load(policy(tmp_path, SANDBOX, ('mode = "auto"', 'mode = "per-item"')))
    assert "Sites.FullControl.All" not in names(required_permissions(per_item))
    insist = load(policy(tmp_path, SANDBOX, ('mode = "auto"', 'mode = "sharing-delta"')))
    assert names(required_permissions(insist), optional=False)[-1] == "Sites.FullControl.All"


def test_site_grants_read_for_dry_runs_write_for_execute_register_site_merged(tmp_path):
    config = load(policy(tmp_path, SANDBOX))
    read = site_grants(config, "dry-run")
    assert [(g.site_url, g.role) for g in read] == [(REKRUTTERING, "read"), (KUNDER, "read")]
    assert read[1].purposes == ("customer library 'Avtaler'", "agreement register list 'Avtaleregister'")
    assert [(g.site_url, g.role) for g in site_grants(config, "execute")] == [(REKRUTTERING, "write"),
                                                                              (KUNDER, "write")]


def test_a_register_on_its_own_site_gets_a_read_grant_even_for_execute(tmp_path):
    config = load(policy(tmp_path, SANDBOX, ('site_url = "https://tretoen.sharepoint.com/sites/kunder"\nlist',
                                             'site_url = "https://tretoen.sharepoint.com/sites/okonomi"\nlist')))
    grants = {g.site_url: g.role for g in site_grants(config, "execute")}
    assert grants["https://tretoen.sharepoint.com/sites/okonomi"] == "read" and grants[KUNDER] == "write"


def test_token_claims_are_read_without_a_signature_check():
    claims = read_claims(unsigned_jwt({"tid": TENANT_ID, "azp": CLIENT_ID.upper(), "roles": ["Sites.Selected"]}))
    assert claims is not None and claims.roles == {"Sites.Selected"} and claims.app_id == CLIENT_ID
    assert not claims.delegated
    assert read_claims(unsigned_jwt({"scp": "Sites.Read.All", "tid": TENANT_ID})).delegated
    for not_a_jwt in ("sandbox-token", "a.b.c", "", "x.e30"):
        assert read_claims(not_a_jwt) is None


def test_the_remote_state_site_needs_write_even_for_dry_runs(tmp_path):
    from m365_compliance.config.demo import write_demo_config
    from m365_compliance.config.load import load_config
    from m365_compliance.doctor.needs import site_grants

    policy = tmp_path / "policy.toml"
    write_demo_config(policy, graph_url="http://127.0.0.1:9/v1.0", state_path="s.sqlite")
    policy.write_text(policy.read_text(encoding="utf-8") + '\n[state.remote]\nsite_url = '
                      '"https://tretoen.sharepoint.com/sites/etterlevelse"\nlibrary = "Tilstand"\n', encoding="utf-8")
    grants = {g.site_url: g.role for g in site_grants(load_config(policy), "dry-run")}
    assert grants["https://tretoen.sharepoint.com/sites/etterlevelse"] == "write"
    assert grants["https://tretoen.sharepoint.com/sites/rekruttering"] == "read"
