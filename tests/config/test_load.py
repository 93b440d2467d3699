"""The policy file loader: every section's happy path and every way a file can be wrong."""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from m365_compliance.config import (
    CLOUDS,
    EmailSink,
    GithubSink,
    MonthDay,
    StdoutSink,
    TeamsSink,
    demo_config_text,
    load_config,
    parse_config,
    principal_kind,
    write_demo_config,
)
from m365_compliance.errors import ComplianceError, ConfigError
from m365_compliance.graph.settings import AUTHORITY_BY_GRAPH_HOST

SANDBOX = "http://127.0.0.1:8765/v1.0"
GUID = "3f2a3210-0000-4000-8000-000000000321"
APP = "00000000-0000-0000-0000-00000000c0de"

# Only what is required, against the real Graph with a client secret; everything else defaulted.
MINIMAL = f"""
[policy]
name = "Personvernerklæring"
version = "2022-07-04"

[tenant]
tenant_id = "{GUID.upper()}"
client_id = "{APP}"
organization = "TRETOEN AS"

[auth]
method = "client_secret"
client_secret_env = "M365_COMPLIANCE_CLIENT_SECRET"

[recruitment]
site_url = "https://tretoen.sharepoint.com/sites/rekruttering/"
library = "Dokumenter"
application_date_column = "Soknadsdato"

[customers]
site_url = "https://tretoen.sharepoint.com/sites/kunder"
library = "Avtaler"

[roles]
recruiters = ["Rekruttering@Tretoen.no", "{GUID}"]
management = ["ledelse@tretoen.no"]
sales = ["salg@tretoen.no"]

[register]
source = "file"
path = "data/avtaler.xlsx"

[register.columns]
customer = "Kunde"
agreement_id = "Avtale"
start = "Start"
end = "Slutt"
contacts = "Kontakter"
dpa_reference = "DBA"
dpa_deletion_days = "Slettedager"
stored_by_agreement = "Lagret"
folder = "Mappe"

[retention]
applicant_label = "Søknad 12 mnd"
"""


def minimal() -> dict[str, Any]:
    return tomllib.loads(MINIMAL)


def demo() -> dict[str, Any]:
    return tomllib.loads(demo_config_text(SANDBOX))


def build(raw: dict[str, Any], folder: Path = Path("/policies")) -> Any:
    """Load a config given as a dict (the overrides path: validated exactly like file text)."""
    return parse_config("", str(folder / "policy.toml"), overrides=raw)


def error_of(raw: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        build(raw)
    return caught.value


# ---------------------------------------------------------------------------------------- happy paths
def test_demo_config_loads_with_the_demo_tenant_values(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(demo_config_text(SANDBOX, "state/demo.sqlite"), encoding="utf-8")
    cfg = load_config(path)

    assert cfg.source == path and cfg.policy_version == "2022-07-04" and cfg.policy.language == "nb"
    assert cfg.tenant.tenant_id == GUID and cfg.tenant.graph_url == SANDBOX and cfg.tenant.is_loopback
    assert cfg.tenant.user_agent.startswith("NONISV|TRETOEN AS|m365-compliance/")
    assert cfg.auth.method == "none"
    rec = cfg.recruitment
    assert (rec.site_url, rec.library, rec.folder, rec.folder_depth) == (
        "https://tretoen.sharepoint.com/sites/rekruttering", "Dokumenter", "Søkere", 1)
    assert (rec.application_date_column, rec.hired_column, rec.date_source) == (
        "Soknadsdato", "Ansatt", "column_then_created")
    cus = cfg.customers
    assert (cus.site_url, cus.library, cus.folder, cus.folder_match) == (
        "https://tretoen.sharepoint.com/sites/kunder", "Avtaler", "", "register_folder_column")
    assert cfg.roles.recruiters == ("rekruttering@tretoen.no",)
    assert cfg.roles.management == ("ledelse@tretoen.no",) and cfg.roles.sales == ("salg@tretoen.no",)
    assert cfg.roles.technical == ("site-group:Owners",)
    reg = cfg.register
    assert (reg.source, reg.site_url, reg.list_name, reg.path) == (
        "list", "https://tretoen.sharepoint.com/sites/kunder", "Avtaleregister", None)
    assert reg.columns.names() == ("Title", "AvtaleId", "Startdato", "Sluttdato", "Kontaktpersoner",
                                   "Databehandleravtale", "SlettingEtterDager", "LagretEtterAvtale",
                                   "KontaktEpost", "Mappe")
    ret = cfg.retention
    assert ret.applicant_label == "Søknad 12 mnd" and ret.event_based
    assert ret.contract_end_event_type == "Kontraktslutt" and ret.timezone.key == "Europe/Oslo"
    primary, secondary = ret.statutory
    assert (primary.name, primary.years, primary.label) == ("primary", 5.0, "Bokføring primær 5 år")
    assert primary.name_patterns == ("*faktura*", "*invoice*") and primary.folders == ("*/Bilag/*",)
    assert (secondary.name, secondary.years, secondary.label) == ("secondary", 3.5, "Bokføring sekundær 3,5 år")
    assert secondary.name_patterns == ("*avtale*signert*", "*kontrakt*")
    assert cfg.alerts.sinks == (StdoutSink(reminder_days=7),)
    assert cfg.state.path == tmp_path / "state" / "demo.sqlite"


def test_minimal_config_fills_every_default() -> None:
    cfg = build(minimal())
    assert cfg.policy.language == "nb"
    assert cfg.tenant.tenant_id == GUID  # GUIDs are lower-cased
    assert cfg.tenant.cloud is CLOUDS["global"] and cfg.tenant.graph_url == "https://graph.microsoft.com/v1.0"
    assert not cfg.tenant.is_loopback
    assert cfg.recruitment.site_url == "https://tretoen.sharepoint.com/sites/rekruttering"  # no trailing /
    assert (cfg.recruitment.folder, cfg.recruitment.folder_depth, cfg.recruitment.hired_column) == ("", 1, None)
    assert cfg.recruitment.date_source == "column_then_created"
    assert cfg.customers.folder == "" and cfg.customers.folder_match == "register_folder_column"
    assert cfg.roles.recruiters == ("rekruttering@tretoen.no", GUID)
    assert cfg.roles.technical == () and cfg.roles.site_group_policy == "flag"
    assert cfg.register.columns.contact_emails is None
    ret = cfg.retention
    assert (ret.applicant_months, ret.applicant_warning_days, ret.timezone.key) == (12, 30, "Europe/Oslo")
    assert ret.fiscal_year_end == MonthDay(12, 31) and not ret.event_based and ret.statutory == ()
    lim = cfg.limits
    assert (lim.max_deletions, lim.max_deletion_share, lim.max_permission_removals) == (50, 0.10, 25)
    assert not lim.auto_approve_applicant_deletions and lim.recycle_bin
    assert cfg.remediation.remove_grants == frozenset()
    assert cfg.alerts.sinks == ()
    assert cfg.state.path == Path("/policies/.m365-compliance/state.sqlite")
    assert (cfg.inventory.mode, cfg.inventory.full_every_days) == ("auto", 7)


@pytest.mark.parametrize(("section", "values", "attribute", "expected"), [
    ("policy", {"language": "en"}, "policy.language", "en"),
    ("tenant", {"cloud": "usgov"}, "tenant.graph_url", "https://graph.microsoft.us/v1.0"),
    ("tenant", {"graph_url": "https://graph.microsoft.com/beta/"}, "tenant.graph_url",
     "https://graph.microsoft.com/beta"),
    ("recruitment", {"folder": "/Søkere/2026/", "folder_depth": 2, "hired_column": "Ansatt",
                     "date_source": "created"}, "recruitment.folder", "Søkere/2026"),
    ("customers", {"folder": "Kunder", "folder_match": "customer_name"}, "customers.folder_match",
     "customer_name"),
    ("roles", {"technical": [APP, "drift@tretoen.no", "site-group: Eiere"], "site_group_policy": "allowed"},
     "roles.technical", (APP, "drift@tretoen.no", "site-group:Eiere")),
    ("retention", {"applicant_months": 6, "applicant_warning_days": 0, "timezone": "UTC",
                   "fiscal_year_end": "06-30", "event_based": True, "contract_end_event_type": "Kontraktslutt"},
     "retention.fiscal_year_end", MonthDay(6, 30)),
    ("limits", {"max_deletions": 0, "max_deletion_share": 1, "max_permission_removals": 3,
                "auto_approve_applicant_deletions": True, "recycle_bin": False}, "limits.max_deletion_share", 1.0),
    ("remediation", {"remove_grants": ["C1", "C3", "C1"]}, "remediation.remove_grants", frozenset({"C1", "C3"})),
    ("inventory", {"mode": "sharing-delta", "full_every_days": 1}, "inventory.mode", "sharing-delta"),
    ("state", {"path": "/var/lib/m365/state.sqlite"}, "state.path", Path("/var/lib/m365/state.sqlite")),
    ("run", {"fail_on": "never", "mode": "execute"}, "run.fail_on", "never"),
    ("run", {"fail_on": "medium"}, "run.mode", "dry-run"),
    ("alerts", {"min_severity": "medium"}, "alerts.min_severity", "medium"),
])
def test_each_section_reads_its_keys(section: str, values: dict[str, Any], attribute: str, expected: Any) -> None:
    raw = minimal()
    raw.setdefault(section, {}).update(values)
    value: Any = build(raw)
    for name in attribute.split("."):
        value = getattr(value, name)
    assert value == expected


@pytest.mark.parametrize(("auth", "expected"), [
    ({"method": "certificate", "certificate_path": "certs/app.pem", "certificate_password_env": "CERT_PW"},
     {"certificate_path": Path("/policies/certs/app.pem"), "certificate_password_env": "CERT_PW"}),
    ({"method": "managed_identity", "managed_identity_client_id": APP}, {"managed_identity_client_id": APP}),
    ({"method": "managed_identity"}, {"managed_identity_client_id": None}),
    ({"method": "workload_identity"}, {"client_secret_env": None}),
    ({"method": "github_oidc"}, {}),
    ({"method": "azure_cli"}, {}),
])
def test_auth_methods(auth: dict[str, Any], expected: dict[str, Any]) -> None:
    raw = minimal()
    raw["auth"] = auth
    cfg = build(raw)
    assert cfg.auth.method == auth["method"]
    for name, value in expected.items():
        assert getattr(cfg.auth, name) == value


def test_register_as_a_sharepoint_list() -> None:
    raw = minimal()
    raw["register"].update(source="list", site_url="https://tretoen.sharepoint.com/sites/kunder",
                           list="Avtaleregister")
    del raw["register"]["path"]
    reg = build(raw).register
    assert (reg.source, reg.list_name, reg.path) == ("list", "Avtaleregister", None)


def test_alert_sinks_of_every_type() -> None:
    raw = minimal()
    raw["alerts"] = {"sinks": [
        {"type": "teams", "url_env": "TEAMS_WEBHOOK"},
        {"type": "email", "to": ["Ledelse@tretoen.no"], "from_user": "compliance@tretoen.no", "reminder_days": 0},
        {"type": "github", "repo": "tretoen/m365-compliance"},
        {"type": "stdout"},
    ]}
    assert build(raw).alerts.sinks == (
        TeamsSink(url_env="TEAMS_WEBHOOK"),
        EmailSink(to=("ledelse@tretoen.no",), from_user="compliance@tretoen.no", reminder_days=0),
        GithubSink(repo="tretoen/m365-compliance", token_env="GITHUB_TOKEN"),
        StdoutSink(),
    )


def test_alert_language_follows_the_policy_unless_set() -> None:
    raw = minimal()
    assert build(raw).alerts.language == "nb"
    raw["policy"]["language"] = "en"
    assert build(raw).alerts.language == "en"
    raw["alerts"] = {"language": "nb", "sinks": [{"type": "stdout"}]}
    assert build(raw).alerts.language == "nb"
    raw["alerts"]["language"] = "de"
    error = error_of(raw)
    assert error.key == "alerts.language" and "'nb'" in error.allowed and "'en'" in error.allowed


@pytest.mark.parametrize(("given", "expected"), [
    ("https://github.example.com/api/v3/", "https://github.example.com/api/v3"),
    ("https://api.github.com", "https://api.github.com"),
    ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
])
def test_github_api_url(given: str, expected: str) -> None:
    raw = minimal()
    raw["alerts"] = {"sinks": [{"type": "github", "repo": "tretoen/compliance", "api_url": given}]}
    assert build(raw).alerts.sinks == (GithubSink(repo="tretoen/compliance", api_url=expected),)


@pytest.mark.parametrize("given", ["http://github.example.com/api/v3", "ftp://api.github.com",
                                   "https://api.github.com?x=1", "api.github.com", ""])
def test_github_api_url_must_be_https_off_loopback(given: str) -> None:
    raw = minimal()
    raw["alerts"] = {"sinks": [{"type": "github", "repo": "tretoen/compliance", "api_url": given}]}
    error = error_of(raw)
    assert error.key == "alerts.sinks[0].api_url" and "https URL" in error.allowed


def test_api_url_belongs_to_github_sinks_only() -> None:
    raw = minimal()
    raw["alerts"] = {"sinks": [{"type": "teams", "url_env": "T", "api_url": "https://api.github.com"}]}
    assert error_of(raw).key == "alerts.sinks[0].api_url"


def test_statutory_class_with_every_matcher() -> None:
    raw = minimal()
    raw["retention"]["statutory"] = [{"name": "custom", "years": 10, "label": "Arkiv 10 år",
                                      "folders": ["Arkiv/*"], "content_types": ["Faktura"],
                                      "column": {"name": "Bokføring", "value": True}}]
    (cls,) = build(raw).retention.statutory
    assert (cls.years, cls.folders, cls.content_types) == (10.0, ("Arkiv/*",), ("Faktura",))
    assert (cls.column.name, cls.column.value) == ("Bokføring", True)


def test_unquoted_toml_date_is_accepted_as_the_policy_version() -> None:
    text = MINIMAL.replace('version = "2022-07-04"', "version = 2022-07-04")
    assert tomllib.loads(text)["policy"]["version"] == date(2022, 7, 4)
    assert parse_config(text, "policy.toml").policy_version == "2022-07-04"


# ---------------------------------------------------------------------------------------- clouds
@pytest.mark.parametrize(("cloud", "graph", "login"), [
    ("global", "https://graph.microsoft.com", "https://login.microsoftonline.com"),
    ("usgov", "https://graph.microsoft.us", "https://login.microsoftonline.us"),
    ("usgov-dod", "https://dod-graph.microsoft.us", "https://login.microsoftonline.us"),
    ("china", "https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn"),
])
def test_cloud_selects_graph_and_sign_in_hosts(cloud: str, graph: str, login: str) -> None:
    raw = minimal()
    raw["tenant"]["cloud"] = cloud
    tenant = build(raw).tenant
    assert tenant.cloud.name == cloud and tenant.graph_url == f"{graph}/v1.0"
    assert tenant.cloud.login_url == login and tenant.cloud.scope == f"{graph}/.default"


def test_cloud_table_agrees_with_the_gateways_authority_table() -> None:
    for cloud in CLOUDS.values():
        assert f"https://{AUTHORITY_BY_GRAPH_HOST[cloud.graph_host]}" == cloud.login_url


def test_graph_url_override_keeps_the_clouds_sign_in() -> None:
    raw = minimal()
    raw["tenant"].update(cloud="china", graph_url=SANDBOX)
    raw["auth"] = {"method": "none"}
    tenant = build(raw).tenant
    assert tenant.graph_url == SANDBOX and tenant.cloud.login_url == "https://login.chinacloudapi.cn"


# ---------------------------------------------------------------------------------------- errors
def test_wrong_type_names_key_value_and_what_is_allowed() -> None:
    raw = minimal()
    raw["limits"] = {"max_deletions": "ten"}
    error = error_of(raw)
    assert str(error) == "/policies/policy.toml: `limits.max_deletions` = 'ten': expected an integer ≥ 0"
    assert (error.key, error.value, error.allowed) == ("limits.max_deletions", "ten", "an integer ≥ 0")
    assert isinstance(error, ComplianceError) and error.hint


@pytest.mark.parametrize(("section", "key", "value", "expected_key"), [
    ("limits", "max_deletions", True, "limits.max_deletions"),  # a bool is not an integer
    ("limits", "max_deletions", 5.0, "limits.max_deletions"),
    ("limits", "max_deletions", -1, "limits.max_deletions"),
    ("limits", "max_deletion_share", 1.5, "limits.max_deletion_share"),
    ("limits", "recycle_bin", "yes", "limits.recycle_bin"),
    ("limits", "max_snapshot_age", 36, "limits.max_snapshot_age"),  # a bare number: hours or days?
    ("limits", "max_snapshot_age", "0h", "limits.max_snapshot_age"),
    ("limits", "max_snapshot_age", "31d", "limits.max_snapshot_age"),
    ("limits", "max_plan_age", "1 week", "limits.max_plan_age"),
    ("limits", "auto_approve_retention_events", "yes", "limits.auto_approve_retention_events"),
    ("retention", "asset_id_pattern", "[a-z", "retention.asset_id_pattern"),
    ("retention", "asset_id_pattern", "[0-9]*", "retention.asset_id_pattern"),  # matches the empty value
    ("policy", "language", "no", "policy.language"),
    ("tenant", "tenant_id", "not-a-guid", "tenant.tenant_id"),
    ("tenant", "cloud", "germany", "tenant.cloud"),
    ("tenant", "organization", "Bjørn | Co", "tenant.organization"),
    ("recruitment", "folder_depth", 0, "recruitment.folder_depth"),
    ("recruitment", "folder", "Søkere/../Lønn", "recruitment.folder"),
    ("roles", "recruiters", ["rekruttering@tretoen.no", "site-group:Owners"], "roles.recruiters[1]"),
    ("roles", "sales", "salg@tretoen.no", "roles.sales"),
    ("retention", "fiscal_year_end", "02-29", "retention.fiscal_year_end"),
    ("retention", "fiscal_year_end", "31-12", "retention.fiscal_year_end"),
    ("remediation", "remove_grants", ["C2"], "remediation.remove_grants[0]"),
    ("inventory", "mode", "delta", "inventory.mode"),
    ("register", "path", "register.json", "register.path"),
    ("auth", "client_secret_env", "1PASSWORD", "auth.client_secret_env"),
])
def test_wrong_values_are_refused(section: str, key: str, value: Any, expected_key: str) -> None:
    raw = minimal()
    raw.setdefault(section, {})[key] = value
    error = error_of(raw)
    assert error.key == expected_key and f"`{expected_key}`" in str(error) and "expected " in str(error)


def test_the_safety_limits_and_the_asset_id_pattern_are_read() -> None:
    from datetime import timedelta

    raw = minimal()
    raw["limits"] = {"max_snapshot_age": "12h", "max_plan_age": "3d", "auto_approve_retention_events": True}
    raw.setdefault("retention", {})["asset_id_pattern"] = "321-[0-9]{4}-[0-9]{3}"
    config = build(raw)
    assert config.limits.max_snapshot_age == timedelta(hours=12) and config.limits.max_plan_age == timedelta(days=3)
    assert config.limits.auto_approve_retention_events
    assert config.retention.valid_asset_id("321-2017-002") and not config.retention.valid_asset_id("321-2017-002x")
    defaults = build(minimal())
    assert defaults.limits.max_snapshot_age == timedelta(hours=36) and defaults.limits.max_plan_age == timedelta(days=7)
    assert not defaults.limits.auto_approve_retention_events
    assert not defaults.retention.valid_asset_id("321 OR ComplianceAssetID:*") and not defaults.retention.valid_asset_id("")


def test_unknown_key_is_named_with_the_allowed_keys_and_a_suggestion() -> None:
    raw = minimal()
    raw["limits"] = {"max_deletion": 10}
    error = error_of(raw)
    assert error.key == "limits.max_deletion" and error.value == 10
    assert "did you mean `max_deletions`?" in str(error)
    for known in ("max_deletions", "max_deletion_share", "max_permission_removals",
                  "auto_approve_applicant_deletions", "recycle_bin"):
        assert known in error.allowed


@pytest.mark.parametrize(("place", "expected_key"), [
    (lambda raw: raw.update(limit={"max_deletions": 1}), "limit"),
    (lambda raw: raw["register"]["columns"].update(colour="Farge"), "register.columns.colour"),
    (lambda raw: raw["retention"].update(statutory=[{"name": "a", "years": 1, "label": "L",
                                                     "name_patterns": ["*"], "pattern": "*"}]),
     "retention.statutory[0].pattern"),
    (lambda raw: raw.update(alerts={"sinks": [{"type": "stdout", "url_env": "X"}]}), "alerts.sinks[0].url_env"),
])
def test_unknown_sections_and_nested_keys(place: Any, expected_key: str) -> None:
    raw = minimal()
    place(raw)
    error = error_of(raw)
    assert error.key == expected_key and "is not a known" in str(error)


@pytest.mark.parametrize(("section", "key", "secret_key"), [
    ("auth", "client_secret", "auth.client_secret_env"),
    ("auth", "certificate_password", "auth.certificate_password_env"),
])
def test_a_secret_in_the_file_is_refused_and_not_echoed(section: str, key: str, secret_key: str) -> None:
    raw = minimal()
    raw[section][key] = "hunter2-very-secret"
    error = error_of(raw)
    assert error.key == f"{section}.{key}" and secret_key in str(error)
    assert "hunter2" not in str(error) + error.hint + repr(error.value)


def test_a_secret_in_an_alert_sink_is_refused() -> None:
    raw = minimal()
    raw["alerts"] = {"sinks": [{"type": "teams", "url_env": "T", "url": "https://hook.example/secret-token"}]}
    error = error_of(raw)
    assert error.key == "alerts.sinks[0].url" and "secret-token" not in str(error)


@pytest.mark.parametrize(("remove", "expected_key"), [
    (("tenant", "tenant_id"), "tenant.tenant_id"),
    (("tenant",), "tenant"),
    (("retention", "applicant_label"), "retention.applicant_label"),
    (("register", "columns", "dpa_reference"), "register.columns.dpa_reference"),
    (("register", "columns", "folder"), "register.columns.folder"),  # folder_match reads it
    (("register", "path"), "register.path"),  # source = "file" needs it
    (("auth", "client_secret_env"), "auth.client_secret_env"),  # method = "client_secret" needs it
    (("recruitment", "application_date_column"), "recruitment.application_date_column"),
    (("roles", "management"), "roles.management"),
])
def test_missing_required_keys(remove: tuple[str, ...], expected_key: str) -> None:
    raw = minimal()
    table = raw
    for name in remove[:-1]:
        table = table[name]
    del table[remove[-1]]
    error = error_of(raw)
    assert error.key == expected_key and error.value is None
    assert str(error).startswith(f"/policies/policy.toml: `{expected_key}` is missing: expected ")


def test_missing_key_points_at_a_misspelling() -> None:
    raw = minimal()
    raw["tenant"]["tenant_idd"] = raw["tenant"].pop("tenant_id")
    assert "(found `tenant.tenant_idd`: a misspelling?)" in str(error_of(raw))


@pytest.mark.parametrize(("key", "url"), [
    ("recruitment.site_url", "http://tretoen.sharepoint.com/sites/rekruttering"),
    ("recruitment.site_url", "https://tretoen.sharepoint.com/rekruttering"),
    ("customers.site_url", "https://tretoen.sharepoint.com/sites/kunder/Avtaler"),
    ("customers.site_url", "tretoen.sharepoint.com/sites/kunder"),
    ("tenant.graph_url", "https://graph.microsoft.com"),
    ("tenant.graph_url", "https://graph.microsoft.com/v2.0"),
    ("tenant.graph_url", "https://graph.microsoft.com/v1.0?x=1"),
    ("tenant.graph_url", "ftp://graph.microsoft.com/v1.0"),
])
def test_bad_urls(key: str, url: str) -> None:
    section, name = key.split(".")
    raw = minimal()
    raw[section][name] = url
    error = error_of(raw)
    assert error.key == key and error.value == url


@pytest.mark.parametrize("url", ["http://graph.microsoft.com/v1.0", "http://10.0.0.5:8765/v1.0"])
def test_plain_http_only_on_loopback(url: str) -> None:
    raw = minimal()
    raw["tenant"]["graph_url"] = url
    error = error_of(raw)
    assert error.key == "tenant.graph_url" and "is not a loopback host" in str(error)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/v1.0", "http://localhost:9/beta", "http://[::1]:8765/v1.0"])
def test_loopback_http_is_allowed(url: str) -> None:
    raw = minimal()
    raw["tenant"]["graph_url"] = url
    assert build(raw).tenant.is_loopback


def test_auth_none_against_real_graph_is_an_error() -> None:
    raw = demo()
    del raw["tenant"]["graph_url"]
    error = error_of(raw)
    assert error.key == "auth.method" and error.value == "none"
    assert "https://graph.microsoft.com/v1.0" in str(error) and "sandbox" in error.hint


def test_auth_key_for_another_method_is_an_error() -> None:
    raw = minimal()
    raw["auth"]["certificate_path"] = "app.pem"
    error = error_of(raw)
    assert error.key == "auth.certificate_path" and "'certificate'" in str(error)


def test_bad_timezone() -> None:
    raw = minimal()
    raw["retention"]["timezone"] = "Europe/Olso"
    error = error_of(raw)
    assert error.key == "retention.timezone" and "IANA time zone" in error.allowed


def test_statutory_class_without_a_matcher() -> None:
    raw = minimal()
    raw["retention"]["statutory"] = [{"name": "primary", "years": 5, "label": "L", "folders": []}]
    error = error_of(raw)
    assert error.key == "retention.statutory[0]" and "has no matcher" in str(error)
    assert "name_patterns" in error.allowed


@pytest.mark.parametrize(("change", "expected_key"), [
    ({"years": 0}, "retention.statutory[1].years"),
    ({"name": "PRIMARY"}, "retention.statutory[1].name"),  # names are unique, case-insensitively
    ({"column": {"name": "X"}}, "retention.statutory[1].column.value"),
    ({"name_patterns": ["*a*", ""]}, "retention.statutory[1].name_patterns[1]"),
])
def test_statutory_class_errors_name_the_class(change: dict[str, Any], expected_key: str) -> None:
    raw = demo()
    raw["retention"]["statutory"][1].update(change)
    assert error_of(raw).key == expected_key


def test_event_based_needs_an_event_type() -> None:
    raw = demo()
    del raw["retention"]["contract_end_event_type"]
    assert error_of(raw).key == "retention.contract_end_event_type"


def test_register_keys_of_the_other_source_are_refused() -> None:
    raw = demo()
    raw["register"]["path"] = "register.csv"
    error = error_of(raw)
    assert error.key == "register.path" and "register.source" in str(error)


# ---------------------------------------------------------------------------------------- files and paths
def test_relative_paths_resolve_against_the_policy_files_folder(tmp_path: Path, monkeypatch: Any) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    text = MINIMAL + '\n[state]\npath = "../state/run.sqlite"\n'
    (folder / "policy.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # a relative path to the file itself works too
    cfg = load_config(Path("policies/policy.toml"))
    assert cfg.source == folder / "policy.toml"
    assert cfg.register.path == folder / "data" / "avtaler.xlsx"
    assert cfg.state.path == folder / ".." / "state" / "run.sqlite"


@pytest.mark.parametrize(("content", "fragment"), [
    (None, "no such file"),
    (b"[policy\nname = 1", "not valid TOML"),
    (b"\xff\xfe[policy]", "not UTF-8"),
])
def test_unreadable_files_are_config_errors(tmp_path: Path, content: bytes | None, fragment: str) -> None:
    path = tmp_path / "policy.toml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError, match=fragment) as caught:
        load_config(path)
    assert caught.value.key is None


def test_a_folder_is_not_a_policy_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(tmp_path)


def test_overrides_take_dotted_and_nested_keys_and_are_validated() -> None:
    cfg = parse_config(MINIMAL, "/policies/policy.toml",
                       overrides={"tenant.graph_url": SANDBOX, "limits": {"max_deletions": 3}})
    assert cfg.tenant.graph_url == SANDBOX and cfg.limits.max_deletions == 3
    assert cfg.tenant.organization == "TRETOEN AS"  # the rest of [tenant] is kept
    with pytest.raises(ConfigError, match="tenant.graph_url"):
        parse_config(MINIMAL, "policy.toml", overrides={"tenant.graph_url": "http://example.com/v1.0"})


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in _leaves(value, (*path, key))]
    if isinstance(node, list) and node and isinstance(node[0], dict):
        return [leaf for index, value in enumerate(node) for leaf in _leaves(value, (*path, index))]
    return [path]


@pytest.mark.parametrize("bad", [7, -1, 2.5, True, "x", "", [], ["x"], [3], {}, {"a": 1}, date(2026, 1, 1)])
def test_no_bad_value_anywhere_escapes_as_anything_but_a_config_error(bad: Any) -> None:
    raw = demo()
    for path in _leaves(raw):
        mutated = copy.deepcopy(raw)
        parent = mutated
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = bad
        try:
            build(mutated)
        except ConfigError as error:
            assert error.key is not None and f"`{error.key}`" in str(error), path


# ---------------------------------------------------------------------------------------- small values, demo
def test_month_day_next_fiscal_year_end() -> None:
    end = MonthDay(12, 31)
    assert end.on_or_after(date(2026, 3, 1)) == date(2026, 12, 31)
    assert end.on_or_after(date(2026, 12, 31)) == date(2026, 12, 31)
    assert MonthDay(6, 30).on_or_after(date(2026, 7, 1)) == date(2027, 6, 30)
    assert str(MonthDay(6, 3)) == "06-03"


def test_principal_kind() -> None:
    assert [principal_kind(r) for r in (GUID, "salg@tretoen.no", "site-group:Owners")] == [
        "object_id", "mail", "site_group"]


def test_write_demo_config_escapes_values_and_refuses_a_bad_url(tmp_path: Path) -> None:
    path = tmp_path / "out" / "policy.toml"
    cfg = write_demo_config(path, graph_url=SANDBOX, state_path='st"ate\\x.sqlite')
    assert load_config(path) == cfg and cfg.state.path == path.parent / 'st"ate\\x.sqlite'
    other = tmp_path / "other" / "policy.toml"
    with pytest.raises(ConfigError, match="tenant.graph_url"):
        write_demo_config(other, graph_url="http://example.com/v1.0")
    assert not other.exists()


def test_docs_show_the_demo_config_verbatim() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "config.md").read_text(encoding="utf-8")
    assert demo_config_text(SANDBOX) in docs
    for section in ("[policy]", "[tenant]", "[auth]", "[recruitment]", "[customers]", "[roles]", "[register]",
                    "[register.columns]", "[retention]", "[[retention.statutory]]", "[limits]", "[remediation]",
                    "[[alerts.sinks]]", "[state]", "[inventory]", "[dsar]", "[engine]"):
        assert f"## `{section}`" in docs


@pytest.mark.parametrize(("section", "key", "value"), [
    ("run", "fail_on", "critical"), ("run", "mode", "apply"), ("alerts", "min_severity", "urgent")])
def test_run_and_alert_thresholds_are_checked(section: str, key: str, value: str) -> None:
    raw = minimal()
    raw.setdefault(section, {})[key] = value
    with pytest.raises(ConfigError) as caught:
        build(raw)
    assert key in str(caught.value) and value in str(caught.value)
