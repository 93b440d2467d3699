"""The policy file as typed, frozen values: what every other module reads instead of raw TOML.

One dataclass per section of the file (docs/config.md describes each key). Defaults live here and
only here: the loader passes the keys the file gives and the dataclass fills in the rest. Values
are already validated and normalised (GUIDs and mails lower-case, URLs without trailing slash,
folders without surrounding slashes, paths absolute).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import ClassVar, Literal
from zoneinfo import ZoneInfo

from m365_compliance.config.clouds import Cloud, is_loopback_url
from m365_compliance.config.kinds import MonthDay
from m365_compliance.engine.master import EMBEDDED, Master
from m365_compliance.graph.settings import AuthMethod, GatewaySettings, user_agent
from m365_compliance.rules.findings import Finding, Severity

Language = Literal["nb", "en"]
DateSource = Literal["column_then_created", "created"]
FolderMatch = Literal["register_folder_column", "customer_name"]
SiteGroupPolicy = Literal["allowed", "flag"]
RegisterSource = Literal["list", "file"]
InventoryMode = Literal["auto", "sharing-delta", "per-item"]
RemovableControl = Literal["C1", "C3"]
SinkType = Literal["teams", "email", "github", "stdout"]
FindingScope = Literal["recruitment", "customers", "register", "directory"]


@dataclass(frozen=True, slots=True)
class PolicyInfo:
    """``[policy]``: which policy this file enforces; ``version`` is journaled with every run (C9)."""

    name: str
    version: str
    language: Language = "nb"


@dataclass(frozen=True, slots=True)
class TenantConfig:
    """``[tenant]``: ``graph_url`` is the effective base URL (the override, else the cloud's v1.0).

    ``allow_custom_graph_host`` lets ``graph_url`` name a host that is neither a cloud's Graph nor loopback
    (a proxy the operator runs): the app's token goes there, so it takes a line in the reviewed file.
    """

    tenant_id: str
    client_id: str
    cloud: Cloud
    graph_url: str
    organization: str
    allow_custom_graph_host: bool = False

    @property
    def is_loopback(self) -> bool:
        """True when Graph is the sandbox on this machine (the only place ``auth.method = "none"`` may go)."""
        return is_loopback_url(self.graph_url)

    @property
    def user_agent(self) -> str:
        return user_agent(self.organization)


@dataclass(frozen=True, slots=True)
class AuthConfig:
    """``[auth]``: how the app signs in. Secrets are never here, only the names of variables holding them."""

    method: AuthMethod
    client_secret_env: str | None = None
    certificate_path: Path | None = None
    certificate_password_env: str | None = None
    managed_identity_client_id: str | None = None  # a user-assigned identity; None: system-assigned


@dataclass(frozen=True, slots=True)
class GraphConfig:
    """``[graph]``: how long one request to Graph may take, connect to last byte (graph/deadline.py)."""

    request_deadline_seconds: float = GatewaySettings.request_deadline_seconds


@dataclass(frozen=True, slots=True)
class RecruitmentScope:
    """``[recruitment]``: applicant folders sit ``folder_depth`` levels below ``folder`` (C1, C2)."""

    site_url: str
    library: str
    folder: str = ""
    folder_depth: int = 1
    application_date_column: str | None = None  # required when date_source = "column_then_created"
    hired_column: str | None = None
    date_source: DateSource = "column_then_created"
    email_column: str | None = None  # the applicant's e-mail address: finds a data subject's folder (C7)


@dataclass(frozen=True, slots=True)
class CustomerScope:
    """``[customers]``: one folder per customer below ``folder``, matched to the register (C3, C4, C5)."""

    site_url: str
    library: str
    folder: str = ""
    folder_match: FolderMatch = "register_folder_column"


@dataclass(frozen=True, slots=True)
class Roles:
    """``[roles]``: who may see what. Members are GUIDs or mails; ``technical`` also ``site-group:<name>``.

    Use :func:`m365_compliance.config.principal_kind` to tell the three forms apart.
    """

    recruiters: tuple[str, ...]
    management: tuple[str, ...]
    sales: tuple[str, ...]
    technical: tuple[str, ...] = ()
    site_group_policy: SiteGroupPolicy = "flag"


@dataclass(frozen=True, slots=True)
class RegisterColumns:
    """``[register.columns]``: the register's column (or CSV/XLSX header) name for each field."""

    customer: str
    agreement_id: str
    start: str
    end: str
    contacts: str
    dpa_reference: str
    dpa_deletion_days: str
    stored_by_agreement: str
    contact_emails: str | None = None
    folder: str | None = None  # required when customers.folder_match = "register_folder_column"

    def names(self) -> tuple[str, ...]:
        """Every configured column name, in field order (what the inventory selects)."""
        return tuple(name for name in (self.customer, self.agreement_id, self.start, self.end, self.contacts,
                                       self.dpa_reference, self.dpa_deletion_days, self.stored_by_agreement,
                                       self.contact_emails, self.folder) if name is not None)


@dataclass(frozen=True, slots=True)
class RegisterConfig:
    """``[register]``: a SharePoint list (``site_url`` + ``list_name``) or a CSV/XLSX file (``path``)."""

    source: RegisterSource
    columns: RegisterColumns
    site_url: str | None = None
    list_name: str | None = None  # the file's key is `list`
    path: Path | None = None


@dataclass(frozen=True, slots=True)
class ColumnMatch:
    """A statutory matcher on a library column: the item's ``name`` column equals ``value``."""

    name: str
    value: str | int | float | bool


@dataclass(frozen=True, slots=True)
class StatutoryClass:
    """``[[retention.statutory]]``: material bookkeeping law keeps ``years`` after the fiscal year ends (C6).

    An item belongs to the class when *any* matcher matches. Globs use :mod:`fnmatch` rules compared
    case-insensitively (``*`` also crosses ``/``): ``folders`` match the item's path below the library
    root (``Kunde AS/Bilag/2024/faktura-17.pdf`` matches ``*/Bilag/*``), ``name_patterns`` its file
    name; ``content_types`` its content type's name exactly.
    """

    name: str
    years: float
    label: str
    folders: tuple[str, ...] = ()
    name_patterns: tuple[str, ...] = ()
    content_types: tuple[str, ...] = ()
    column: ColumnMatch | None = None
    date_column: str | None = None  # the document's date (e.g. an invoice date); else its creation
    #: Classes whose holds in the same customer folder this class's items are kept at least as long as.
    #: None (the default): every class with a longer period, because without a documented link between an
    #: invoice and its agreement, any agreement in the folder may be the one the invoices refer to — and an
    #: agreement that primary documentation refers to is itself primary documentation (CONTROLS.md C6).
    follows: tuple[str, ...] | None = None

    def followed(self, classes: tuple[StatutoryClass, ...]) -> frozenset[str]:
        """The names of the classes whose folder holds extend this class's (see ``follows``)."""
        if self.follows is not None:
            return frozenset(name.casefold() for name in self.follows)
        return frozenset(c.name.casefold() for c in classes if c.years > self.years)


#: Letters, digits and ``-_./``, at most 64: enough for "321-2017-002", nothing a query language reads.
DEFAULT_ASSET_ID_PATTERN = r"[A-Za-z0-9_./-]{1,64}"


@dataclass(frozen=True, slots=True)
class Retention:
    """``[retention]``: how long applicant data lives (C2), what the law keeps (C6), contract-end events (C5)."""

    applicant_label: str
    statutory: tuple[StatutoryClass, ...] = ()
    applicant_months: int = 12
    applicant_warning_days: int = 30
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Oslo"))
    fiscal_year_end: MonthDay = MonthDay(12, 31)
    event_based: bool = False
    contract_end_event_type: str | None = None  # required when event_based
    #: What an agreement id must look like to become a retention event's asset id: it goes into the
    #: event's query, so a register cell must never be able to widen it (``x OR ComplianceAssetID:*``).
    asset_id_pattern: re.Pattern[str] = field(default_factory=lambda: re.compile(DEFAULT_ASSET_ID_PATTERN))

    def valid_asset_id(self, value: str | None) -> bool:
        return value is not None and self.asset_id_pattern.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class Limits:
    """``[limits]``: the blast radius a single run may have; a plan over a limit stops before deleting."""

    max_deletions: int = 50
    max_deletion_share: float = 0.10
    max_permission_removals: int = 25
    auto_approve_applicant_deletions: bool = False
    auto_approve_retention_events: bool = False  # a contract-end event starts disposal in Purview
    recycle_bin: bool = True
    #: No action is planned from a scope whose picture is older than this (wall time since its crawl).
    max_snapshot_age: timedelta = timedelta(hours=36)
    #: Apply refuses a plan recorded longer ago than this: the tenant has moved on since.
    max_plan_age: timedelta = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Remediation:
    """``[remediation]``: controls whose offending grants and links may be removed (opt-in; else report only)."""

    remove_grants: frozenset[RemovableControl] = frozenset()


@dataclass(frozen=True, slots=True)
class TeamsSink:
    type: ClassVar[SinkType] = "teams"
    url_env: str  # the webhook URL is a secret: only the variable's name is in the file
    reminder_days: int = 7


@dataclass(frozen=True, slots=True)
class EmailSink:
    type: ClassVar[SinkType] = "email"
    to: tuple[str, ...]
    from_user: str  # the mailbox Graph sends from
    reminder_days: int = 7


@dataclass(frozen=True, slots=True)
class GithubSink:
    type: ClassVar[SinkType] = "github"
    repo: str  # "owner/name"
    token_env: str = "GITHUB_TOKEN"
    reminder_days: int = 7
    api_url: str | None = None  # None: $GITHUB_API_URL where set (GitHub Actions), else https://api.github.com


@dataclass(frozen=True, slots=True)
class StdoutSink:
    type: ClassVar[SinkType] = "stdout"
    reminder_days: int = 7


AlertSink = TeamsSink | EmailSink | GithubSink | StdoutSink


@dataclass(frozen=True, slots=True)
class Alerts:
    """``[alerts]``: ``[[alerts.sinks]]`` says where findings go (``reminder_days`` repeats an open finding,
    0 = never); ``language`` is the language alerts are written in (the loader defaults it to the policy's)."""

    sinks: tuple[AlertSink, ...] = ()
    language: Language = "nb"
    min_severity: Severity = "low"  # findings below this severity are reported, not alerted


@dataclass(frozen=True, slots=True)
class RemoteState:
    """``[state.remote]``: where ``state save``/``state restore`` keep the state store between runs — a file
    in a SharePoint library of the tenant itself (``folder`` must exist; None = the library's root)."""

    site_url: str
    library: str
    folder: str | None = None
    file_name: str = "m365-compliance-state.sqlite"


@dataclass(frozen=True, slots=True)
class StateConfig:
    """``[state]``: the SQLite journal (C9); default ``.m365-compliance/state.sqlite`` beside the policy file."""

    path: Path
    remote: RemoteState | None = None


@dataclass(frozen=True, slots=True)
class InventoryConfig:
    """``[inventory]``: how permissions are read; a full re-read every ``full_every_days`` catches misses."""

    mode: InventoryMode = "auto"
    full_every_days: int = 7


@dataclass(frozen=True, slots=True)
class MgdcConfig:
    """``[mgdc]``: where Microsoft Graph Data Connect delivers the SharePoint datasets (a folder, or an ``abfss://``
    URL), and how old a delivery may be before it is a gap rather than a picture (MGDC lands 48 hours late)."""

    path: str | None = None
    max_age: timedelta = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """``[engine]``: where the rules are evaluated — this process, a local Dask cluster, or one at an address
    (:mod:`m365_compliance.engine.master`; docs/scale.md)."""

    master: Master = EMBEDDED


@dataclass(frozen=True, slots=True)
class RunConfig:
    """``[run]``: the nightly ``run`` fails (exit 4) when an open finding is at least ``fail_on`` severe
    ("never": only errors fail it); ``mode`` is its default when no ``--mode`` is given."""

    fail_on: Severity | Literal["never"] = "high"
    mode: Literal["dry-run", "execute"] = "dry-run"


@dataclass(frozen=True, slots=True)
class DsarConfig:
    """``[dsar]``: data-subject requests (C7). ``search_region`` is required with ``tenant_search``:
    Microsoft Search with application permissions searches one geographic region."""

    tenant_search: bool = False
    search_region: str | None = None
    due_soon_days: int = 7


@dataclass(frozen=True, slots=True)
class DeclaredException:
    """An ``[[exception]]`` of exceptions.toml beside the policy file: a finding accepted in a reviewed change.

    It names one finding (``finding_id``) or every finding of a rule in one scope (``rule_id`` and ``scope``);
    ``key`` is where it stands in the file (``exception[2]``) and ``accepted`` the day it was agreed.
    """

    key: str
    owner: str
    reason: str
    accepted: date
    expires: date  # the last day it holds
    finding_id: str | None = None
    rule_id: str | None = None
    scope: FindingScope | None = None

    def matches(self, finding: Finding) -> bool:
        if self.finding_id is not None:
            return finding.id == self.finding_id
        return finding.rule_id == self.rule_id and finding.scope == self.scope

    @property
    def target(self) -> str:
        """What it accepts, in words: ``C1-0123456789ab`` or ``c3.customer-access in customers``."""
        return self.finding_id or f"{self.rule_id} in {self.scope}"


EXCEPTIONS_FILE = "exceptions.toml"


@dataclass(frozen=True, slots=True)
class Config:
    """A loaded, validated policy file. ``source`` is the file it came from (absolute)."""

    source: Path
    policy: PolicyInfo
    tenant: TenantConfig
    auth: AuthConfig
    recruitment: RecruitmentScope
    customers: CustomerScope
    roles: Roles
    register: RegisterConfig
    retention: Retention
    state: StateConfig
    limits: Limits = Limits()
    remediation: Remediation = Remediation()
    alerts: Alerts = Alerts()
    inventory: InventoryConfig = InventoryConfig()
    run: RunConfig = RunConfig()
    dsar: DsarConfig = DsarConfig()
    graph: GraphConfig = GraphConfig()
    mgdc: MgdcConfig = MgdcConfig()
    engine: EngineConfig = EngineConfig()
    #: The accepted exceptions of ``exceptions.toml`` beside the policy file (none when it is not there).
    exceptions: tuple[DeclaredException, ...] = ()

    @property
    def exceptions_file(self) -> Path:
        """Where the policy's exceptions as code are read from: ``exceptions.toml`` beside the policy file."""
        return self.source.parent / EXCEPTIONS_FILE

    @property
    def policy_version(self) -> str:
        """The policy version in force, journaled with every run, finding and action (C9)."""
        return self.policy.version
