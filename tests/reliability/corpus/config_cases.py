"""Broken policy files: each case is the demo policy with one edit (or a file of its own under
``configs/``), and the fragments the `error:` line must contain (the key, and what is allowed).

Every case must be refused with exit 2 by ``config check`` and by ``run``, without a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CONFIGS = Path(__file__).parent / "configs"


@dataclass(frozen=True)
class ConfigCase:
    id: str
    fragments: tuple[str, ...]  # all must appear in the error output
    replace: tuple[tuple[str, str], ...] = ()  # (old, new) edits of the demo text; old must occur
    append: str = ""  # text added at the end of the demo text
    file: str | None = None  # a data file under configs/ used instead of the demo text
    directory: bool = False  # the path given is a folder
    group: str = "values"
    notes: dict[str, str] = field(default_factory=dict)


def _sub(old: str, new: str) -> tuple[tuple[str, str], ...]:
    return ((old, new),)


CASES: tuple[ConfigCase, ...] = (
    # ---- wrong types, one per section
    ConfigCase("policy-version-number", ("policy.version", "expected"), _sub('version = "2022-07-04"', "version = 7")),
    ConfigCase("tenant-id-list", ("tenant.tenant_id", "GUID"),
               _sub('tenant_id = "3f2a3210-0000-4000-8000-000000000321"', 'tenant_id = ["a"]')),
    ConfigCase("recruitment-depth-string", ("recruitment.folder_depth", "expected"),
               _sub("folder_depth = 1", 'folder_depth = "one"')),
    ConfigCase("customers-site-number", ("customers.site_url", "SharePoint site URL"),
               _sub('site_url = "https://tretoen.sharepoint.com/sites/kunder"\nlibrary = "Avtaler"',
                    'site_url = 42\nlibrary = "Avtaler"')),
    ConfigCase("roles-recruiters-string", ("roles.recruiters", "a list of"),
               _sub('recruiters = ["rekruttering@tretoen.no"]', 'recruiters = "rekruttering@tretoen.no"')),
    ConfigCase("register-columns-not-table", ("register.columns", "a table"),
               (("[register.columns]\ncustomer", "[register.unused]\ncustomer"),
                ('list = "Avtaleregister"', 'list = "Avtaleregister"\ncolumns = "Title"'))),
    ConfigCase("retention-months-float", ("retention.applicant_months", "expected"),
               _sub("applicant_months = 12", "applicant_months = 12.5")),
    ConfigCase("limits-share-string", ("limits.max_deletion_share", "expected"),
               _sub("max_deletion_share = 0.10", 'max_deletion_share = "10%"')),
    ConfigCase("limits-recycle-string", ("limits.recycle_bin", "expected"),
               _sub("recycle_bin = true", 'recycle_bin = "yes"')),
    ConfigCase("alerts-sink-not-array", ("alerts.sinks", "array of tables"),
               _sub('[[alerts.sinks]]\ntype = "stdout"\nreminder_days = 7', '[alerts]\nsinks = "stdout"')),
    ConfigCase("inventory-days-bool", ("inventory.full_every_days", "expected"),
               _sub("full_every_days = 7", "full_every_days = true")),
    ConfigCase("dsar-flag-number", ("dsar.tenant_search", "expected"), _sub("tenant_search = false", "tenant_search = 1")),
    # ---- unknown keys
    ConfigCase("unknown-top-section", ("secrets", "not a known section"), append='\n[secrets]\nx = 1\n', group="keys"),
    ConfigCase("unknown-nested-key", ("limits.max_deletes", "max_deletions"),
               _sub("max_deletions = 50", "max_deletions = 50\nmax_deletes = 5"), group="keys"),
    ConfigCase("unknown-column-key", ("register.columns.kunde", "not a known key"),
               _sub('customer = "Title"', 'customer = "Title"\nkunde = "Title"'), group="keys"),
    ConfigCase("secret-in-file", ("auth.client_secret", "environment variable"),
               _sub('method = "none"', 'method = "none"\nclient_secret = "s3cr3t-value"'), group="keys",
               notes={"absent": "s3cr3t-value"}),
    # ---- missing sections and keys
    ConfigCase("missing-tenant", ("`tenant` is missing", "a table [tenant]"), _sub("[tenant]", "[tenantx]"),
               group="missing"),
    ConfigCase("missing-register-columns-start", ("register.columns.start", "missing"),
               _sub('start = "Startdato"\n', ""), group="missing"),
    ConfigCase("missing-policy-name", ("policy.name", "missing"),
               _sub('name = "TRETOEN AS personvernerklæring"\n', ""), group="missing"),
    # ---- bad URLs
    ConfigCase("graph-http-off-loopback", ("tenant.graph_url", "loopback"),
               _sub('graph_url = "http://127.0.0.1:9/v1.0"', 'graph_url = "http://graph.example.com/v1.0"'),
               group="urls"),
    ConfigCase("graph-query-string", ("tenant.graph_url", "expected"),
               _sub('graph_url = "http://127.0.0.1:9/v1.0"', 'graph_url = "https://graph.microsoft.com/v1.0?x=1"'),
               group="urls"),
    ConfigCase("site-url-wrong-host", ("recruitment.site_url", "SharePoint site URL"),
               _sub("https://tretoen.sharepoint.com/sites/rekruttering", "https://tretoen.example.com/rekruttering"),
               group="urls"),
    ConfigCase("site-url-query", ("recruitment.site_url", "SharePoint site URL"),
               _sub("https://tretoen.sharepoint.com/sites/rekruttering",
                    "https://tretoen.sharepoint.com/sites/rekruttering?token=abc"), group="urls"),
    ConfigCase("site-url-javascript", ("customers.site_url", "SharePoint site URL"),
               _sub('site_url = "https://tretoen.sharepoint.com/sites/kunder"\nlibrary = "Avtaler"',
                    'site_url = "javascript:alert(1)"\nlibrary = "Avtaler"'), group="urls"),
    # ---- GUIDs, time zones, numbers
    ConfigCase("bad-guid", ("tenant.client_id", "GUID"),
               _sub('client_id = "00000000-0000-0000-0000-00000000c0de"', 'client_id = "not-a-guid"')),
    ConfigCase("guid-with-braces", ("tenant.tenant_id", "GUID"),
               _sub('"3f2a3210-0000-4000-8000-000000000321"', '"{3f2a3210-0000-4000-8000-000000000321}"')),
    ConfigCase("bad-timezone", ("retention.timezone", "IANA time zone"),
               _sub('timezone = "Europe/Oslo"', 'timezone = "Europe/Atlantis"')),
    ConfigCase("timezone-path-traversal", ("retention.timezone", "IANA time zone"),
               _sub('timezone = "Europe/Oslo"', 'timezone = "../../etc/passwd"')),
    ConfigCase("negative-deletions", ("limits.max_deletions", "expected"),
               _sub("max_deletions = 50", "max_deletions = -1")),
    ConfigCase("huge-months", ("retention.applicant_months", "expected"),
               _sub("applicant_months = 12", "applicant_months = 99999999999999999")),
    ConfigCase("huge-years", ("retention.statutory[0].years", "expected"), _sub("years = 5", "years = 1e308")),
    ConfigCase("nan-share", ("limits.max_deletion_share", "expected"),
               _sub("max_deletion_share = 0.10", "max_deletion_share = nan")),
    ConfigCase("duplicate-statutory", ("retention.statutory[1].name", "no other statutory class"),
               _sub('name = "secondary"', 'name = "Primary"')),
    ConfigCase("duplicate-sinks", ("alerts.sinks[1]", "no other sink has"),
               append='\n[[alerts.sinks]]\ntype = "stdout"\n'),
    ConfigCase("duplicate-key-toml", ("not valid TOML",), _sub("max_deletions = 50", "max_deletions = 50\nmax_deletions = 5"),
               group="files"),
    # ---- files that are not a policy file at all
    ConfigCase("toml-syntax-error", ("not valid TOML",), file="syntax-error.toml", group="files"),
    ConfigCase("binary-file", ("not UTF-8",), file="binary.toml", group="files"),
    ConfigCase("empty-file", ("`policy` is missing",), file="empty.toml", group="files"),
    ConfigCase("latin-1-file", ("not UTF-8", "UTF-8"), file="latin1.toml", group="files"),
    ConfigCase("bom-utf8-file", ("`policy.version` is missing",), file="bom.toml", group="files"),
    ConfigCase("directory", ("s a directory",), directory=True, group="files"),
    ConfigCase("missing-file", ("no such file",), file="does-not-exist.toml", group="files"),
)
