"""Load the policy file (TOML) into a validated :class:`~m365_compliance.config.schema.Config`.

Every problem — an unreadable file, bad TOML, an unknown or missing key, a wrong value, a
combination that makes no sense — is a :class:`~m365_compliance.errors.ConfigError` naming the key,
the value and what is allowed; nothing else escapes for a bad file. Paths in the file are relative
to the file's folder.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, cast, get_args

from m365_compliance.config.clouds import CLOUD_NAMES, CLOUDS, GRAPH_HOSTS, is_graph_url
from m365_compliance.config.kinds import (
    API_URL,
    ENGINE_MASTER,
    ENV_NAME,
    FILE_NAME,
    FLAG,
    FOLDER,
    GLOB,
    GRAPH_URL,
    GROUP,
    GUID,
    MAIL,
    MONTH_DAY,
    ORGANIZATION,
    PATTERN,
    PRINCIPAL,
    REPO,
    SCALAR,
    SITE_URL,
    TEXT,
    TIMEZONE,
    VERSION,
    Kind,
    choice,
    duration,
    file_path,
    integer,
    number,
    user_info_hidden,
)
from m365_compliance.config.exceptions_file import read_exceptions
from m365_compliance.config.reader import FILE_HINT, Problems, SectionFailed, Table
from m365_compliance.config.schema import (
    EXCEPTIONS_FILE,
    Alerts,
    AlertSink,
    AuthConfig,
    ColumnMatch,
    Config,
    CustomerScope,
    DateSource,
    DsarConfig,
    EmailSink,
    EngineConfig,
    FolderMatch,
    GithubSink,
    GraphConfig,
    InventoryConfig,
    InventoryMode,
    MgdcConfig,
    Language,
    Limits,
    PolicyInfo,
    RecruitmentScope,
    RegisterColumns,
    RegisterConfig,
    RegisterSource,
    Remediation,
    RemoteState,
    RemovableControl,
    Retention,
    Roles,
    RunConfig,
    SinkType,
    SiteGroupPolicy,
    StateConfig,
    StatutoryClass,
    StdoutSink,
    TeamsSink,
    TenantConfig,
)
from m365_compliance.errors import ConfigError
from m365_compliance.graph.settings import AUTH_METHODS, AuthMethod
from m365_compliance.private_files import path_problem, shown
from m365_compliance.rules.findings import SEVERITIES, Severity
from m365_compliance.state.store import SIDE_FILE_ROOM, SQLITE_PATH_MAX

DEFAULT_STATE_PATH = ".m365-compliance/state.sqlite"

#: Upper bounds for periods: beyond them date arithmetic overflows, and no policy keeps data that long.
_MAX_MONTHS = 1200
_MAX_DAYS = 36500
_MAX_DEPTH = 50
_MAX_DEADLINE = 3600  # seconds one Graph request may take: an hour is already far past any healthy answer

#: Which auth.method uses each optional [auth] key; a key set for another method is an error.
_AUTH_KEY_METHODS = {
    "client_secret_env": ("client_secret",),
    "certificate_path": ("certificate",),
    "certificate_password_env": ("certificate",),
    "managed_identity_client_id": ("managed_identity",),
}
_AUTH_REQUIRED = {"client_secret": "client_secret_env", "certificate": "certificate_path"}


def load_config(path: Path, *, overrides: Mapping[str, Any] | None = None) -> Config:
    """Read and validate the policy file at ``path``; ``overrides`` as in :func:`parse_config`."""
    problem = path_problem(path)
    if problem is not None:  # quoted short: the whole value may be kilobytes
        raise ConfigError(f"{shown(path)}: cannot be the policy file: {problem}", value=str(path),
                          allowed="the path of a policy file", hint="Give the path of the policy file.")
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # a BOM (Notepad) is not TOML
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file", value=str(path), allowed="the path of a policy file",
                          hint="Give the path of the policy file; docs/config.md has a complete example "
                               "to start from.") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}): TOML files are UTF-8",
                          value=str(path), allowed="a UTF-8 text file", hint="Save the file as UTF-8.") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})", value=str(path),
                          allowed="a readable policy file",
                          hint="Check the path and that it is a file you may read.") from None
    return parse_config(text, str(path), overrides=overrides)


def parse_config(text: str, source: str, *, overrides: Mapping[str, Any] | None = None) -> Config:
    """Validate policy-file ``text``; ``source`` names it in messages and anchors relative paths.

    ``overrides`` replace values as if written in the file, before validation: keys are dotted
    (``{"tenant.graph_url": "http://127.0.0.1:8765/v1.0"}``) or nested mappings; relative paths in
    them are relative to the file's folder, like the file's own.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}", allowed="TOML (https://toml.io)",
                          hint=FILE_HINT) from None
    if overrides:
        _merge(raw, overrides)
    file = Path(source).absolute()
    return _config(Table(raw, "", source), file)


def _merge(raw: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split(".")
        table = raw
        for name in parents:
            if not isinstance(table.get(name), dict):
                table[name] = {}
            table = table[name]
        if isinstance(value, Mapping) and isinstance(table.get(leaf), dict):
            _merge(table[leaf], value)
        else:
            table[leaf] = _plain(value)


def _plain(value: Any) -> Any:
    """Mappings as dicts all the way down: the reader accepts tables only as dicts, as tomllib makes them."""
    return {k: _plain(v) for k, v in value.items()} if isinstance(value, Mapping) else value


def _config(top: Table, file: Path) -> Config:
    """Every section, each checked even when another failed; all their errors at once (:class:`Problems`).

    A section that needs another's value (auth the tenant's URL, the register the customers' folder match,
    alerts the policy's language) is still checked when that one failed, without the checks that need it."""
    base_dir = file.parent
    problems = Problems()
    section = problems.section
    policy = section(lambda: _policy(top.table("policy")))
    tenant = section(lambda: _tenant(top.table("tenant")))
    auth = section(lambda: _auth(top.table("auth"), tenant, base_dir))
    recruitment = section(lambda: _recruitment(top.table("recruitment")))
    customers = section(lambda: _customers(top.table("customers")))
    roles = section(lambda: _roles(top.table("roles")))
    register = section(lambda: _register(top.table("register"), customers, base_dir))
    retention = section(lambda: _retention(top.table("retention"), problems))
    limits = section(lambda: _limits(top.table("limits", required=False)))
    remediation = section(lambda: _remediation(top.table("remediation", required=False)))
    alerts = section(lambda: _alerts(top.table("alerts", required=False), policy, problems))
    state = section(lambda: _state(top.table("state", required=False), base_dir))
    inventory = section(lambda: _inventory(top.table("inventory", required=False)))
    run = section(lambda: _run(top.table("run", required=False)))
    dsar = section(lambda: _dsar(top.table("dsar", required=False)))
    graph = section(lambda: _graph(top.table("graph", required=False)))
    mgdc = section(lambda: _mgdc(top.table("mgdc", required=False), base_dir))
    engine = section(lambda: _engine(top.table("engine", required=False)))
    section(top.close)
    exceptions = read_exceptions(Path(top.source).parent / EXCEPTIONS_FILE, problems)  # named as the policy is
    problems.raise_any()
    assert (policy and tenant and auth and recruitment and customers and roles and register and retention and limits
            and remediation and alerts and state and inventory and run and dsar and graph and mgdc
            and engine)  # no problem: all built
    return Config(source=file, policy=policy, tenant=tenant, auth=auth, recruitment=recruitment,
                  customers=customers, roles=roles, register=register, retention=retention, state=state,
                  limits=limits, remediation=remediation, alerts=alerts, inventory=inventory, run=run, dsar=dsar,
                  graph=graph, mgdc=mgdc, engine=engine, exceptions=exceptions)


def _policy(t: Table) -> PolicyInfo:
    policy = PolicyInfo(name=t.get("name", TEXT), version=t.get("version", VERSION),
                        **t.given(language=choice(get_args(Language))))
    t.close()
    return policy


def _tenant(t: Table) -> TenantConfig:
    tenant_id, client_id = t.get("tenant_id", GUID), t.get("client_id", GUID)
    cloud = CLOUDS[t.get("cloud", choice(CLOUD_NAMES), "global")]
    _no_user_info(t, "graph_url")
    graph_url = t.get("graph_url", GRAPH_URL, cloud.graph_base_url)
    tenant = TenantConfig(tenant_id=tenant_id, client_id=client_id, cloud=cloud, graph_url=graph_url,
                          organization=t.get("organization", ORGANIZATION),
                          **t.given(allow_custom_graph_host=FLAG))
    t.close()
    if not (tenant.is_loopback or is_graph_url(graph_url) or tenant.allow_custom_graph_host):
        hosts = ", ".join(sorted(GRAPH_HOSTS))
        raise t.invalid("graph_url", graph_url, f"a Microsoft Graph host ({hosts}) or a loopback sandbox",
                        "the app's Graph token would be sent to that host",
                        hint="Point tenant.graph_url at the cloud's Graph (or leave it out). Only for a proxy you "
                             "run and trust: set `allow_custom_graph_host = true` under [tenant].")
    return tenant


def _no_user_info(t: Table, name: str) -> None:
    """Refuse a URL with ``user:password@`` before it is read: quoted in the message (as every refused value
    is) or accepted, the password would reach terminals, reports and the state store."""
    hidden = user_info_hidden(t.raw(name))
    if hidden is not None:
        key = t.child_key(name)
        raise ConfigError(f"{t.source}: `{key}` holds a user name or password ({hidden}): expected a URL without "
                          "one", key=key, value="<redacted>", allowed="a URL without user:password@",
                          hint=f"Remove the user:password@ part of `{key}`: the tool signs in as [auth] says, never "
                               "with a password in a URL. If the password is real and the file was ever committed, "
                               "change it.")


def _auth(t: Table, tenant: TenantConfig | None, base_dir: Path) -> AuthConfig:
    method = cast(AuthMethod, t.get("method", choice(AUTH_METHODS)))
    kinds: dict[str, Kind[Any]] = {"client_secret_env": ENV_NAME, "certificate_path": file_path(base_dir),
             "certificate_password_env": ENV_NAME, "managed_identity_client_id": GUID}
    options = t.given(**kinds)
    t.close(secrets={"client_secret": "client_secret_env", "certificate_password": "certificate_password_env"})
    for name in options:
        if method not in _AUTH_KEY_METHODS[name]:
            uses = " or ".join(repr(m) for m in _AUTH_KEY_METHODS[name])
            raise t.invalid(name, t.raw(name), f"no `{t.child_key(name)}` with `auth.method` = {method!r}",
                            f"it is used only with {uses}", hint="Remove the key or change auth.method.")
    needed = _AUTH_REQUIRED.get(method)
    if needed is not None and needed not in options:
        raise t.missing(needed, kinds[needed].expected, f"`auth.method` = {method!r} needs it")
    if method == "none" and tenant is not None and not tenant.is_loopback:
        real = ", ".join(repr(m) for m in AUTH_METHODS if m != "none")
        raise t.invalid("method", method, f"one of {real}",
                        f"'none' sends no token and is allowed only when `tenant.graph_url` is a loopback "
                        f"sandbox URL, not {tenant.graph_url}",
                        hint="Choose a real sign-in method, or point tenant.graph_url at the sandbox "
                             "(http://127.0.0.1:<port>/v1.0).")
    return AuthConfig(method=method, **options)


def _recruitment(t: Table) -> RecruitmentScope:
    _no_user_info(t, "site_url")
    scope = RecruitmentScope(
        site_url=t.get("site_url", SITE_URL), library=t.get("library", TEXT),
        **t.given(folder=FOLDER, folder_depth=integer(1, _MAX_DEPTH), application_date_column=TEXT, hired_column=TEXT,
                  date_source=choice(get_args(DateSource)), email_column=TEXT))
    t.close()
    if scope.date_source == "column_then_created" and scope.application_date_column is None:
        raise t.missing("application_date_column", TEXT.expected,
                        "`recruitment.date_source` = 'column_then_created' reads it")
    return scope


def _customers(t: Table) -> CustomerScope:
    _no_user_info(t, "site_url")
    scope = CustomerScope(site_url=t.get("site_url", SITE_URL), library=t.get("library", TEXT),
                          **t.given(folder=FOLDER, folder_match=choice(get_args(FolderMatch))))
    t.close()
    return scope


def _roles(t: Table) -> Roles:
    roles = Roles(recruiters=t.items("recruiters", GROUP), management=t.items("management", GROUP),
                  sales=t.items("sales", GROUP), technical=t.items("technical", PRINCIPAL, ()),
                  **t.given(site_group_policy=choice(get_args(SiteGroupPolicy))))
    t.close()
    return roles


def _register(t: Table, customers: CustomerScope | None, base_dir: Path) -> RegisterConfig:
    source = cast(RegisterSource, t.get("source", choice(get_args(RegisterSource))))
    _no_user_info(t, "site_url")
    kinds: dict[str, Kind[Any]] = {"site_url": SITE_URL, "list": TEXT, "path": file_path(base_dir, (".csv", ".xlsx"))}
    where = t.given(**kinds)
    columns = _register_columns(t.table("columns"), customers)
    t.close()
    needs, excludes = (("site_url", "list"), ("path",)) if source == "list" else (("path",), ("site_url", "list"))
    for name in needs:
        if name not in where:
            raise t.missing(name, kinds[name].expected, f"`register.source` = {source!r} needs it")
    for name in excludes:
        if name in where:
            raise t.invalid(name, t.raw(name), f"no `{t.child_key(name)}` with `register.source` = {source!r}",
                            hint="Remove the key or change register.source.")
    return RegisterConfig(source=source, columns=columns, site_url=where.get("site_url"),
                          list_name=where.get("list"), path=where.get("path"))


def _register_columns(t: Table, customers: CustomerScope | None) -> RegisterColumns:
    required = ("customer", "agreement_id", "start", "end", "contacts", "dpa_reference", "dpa_deletion_days",
                "stored_by_agreement")
    columns = RegisterColumns(**{name: t.get(name, TEXT) for name in required},
                              **t.given(contact_emails=TEXT, folder=TEXT))
    t.close()
    if customers is not None and customers.folder_match == "register_folder_column" and columns.folder is None:
        raise t.missing("folder", TEXT.expected, "`customers.folder_match` = 'register_folder_column' reads it")
    return columns


def _retention(t: Table, problems: Problems) -> Retention:
    values = t.given(applicant_months=integer(1, _MAX_MONTHS),
                     applicant_warning_days=integer(0, _MAX_DAYS), timezone=TIMEZONE,
                     fiscal_year_end=MONTH_DAY)
    label = t.get("applicant_label", TEXT)
    values |= t.given(event_based=FLAG, contract_end_event_type=TEXT, asset_id_pattern=PATTERN)
    classes = [problems.section(lambda s=s: _statutory(s)) for s in t.tables("statutory")]
    t.close()
    if None in classes:  # each class's own errors are kept; the checks across classes need them all
        raise SectionFailed
    statutory = tuple(c for c in classes if c is not None)
    retention = Retention(applicant_label=label, statutory=statutory, **values)
    if retention.event_based and retention.contract_end_event_type is None:
        raise t.missing("contract_end_event_type", TEXT.expected, "`retention.event_based` = true fires it")
    seen: set[str] = set()
    for index, cls in enumerate(statutory):
        if cls.name.casefold() in seen:
            raise t.invalid(f"statutory[{index}].name", cls.name, "a name no other statutory class uses")
        seen.add(cls.name.casefold())
    for index, cls in enumerate(statutory):
        unknown = [n for n in cls.follows or () if n.casefold() not in seen or n.casefold() == cls.name.casefold()]
        if unknown:
            raise t.invalid(f"statutory[{index}].follows", unknown[0], "the name of another statutory class")
    return retention


_MATCHERS = ("folders", "name_patterns", "content_types", "column")


def _statutory(t: Table) -> StatutoryClass:
    name, years, label = t.get("name", TEXT), t.get("years", number(above=0, maximum=_MAX_MONTHS / 12)), t.get("label", TEXT)
    matchers: dict[str, Any] = {"folders": t.items("folders", GLOB, ()),
                                "name_patterns": t.items("name_patterns", GLOB, ()),
                                "content_types": t.items("content_types", TEXT, ())}
    date_column = t.given(date_column=TEXT)
    if t.has("follows"):
        date_column["follows"] = t.items("follows", TEXT, ())
    column_table = t.table("column", required=False)
    if t.has("column"):
        matchers["column"] = ColumnMatch(name=column_table.get("name", TEXT),
                                         value=column_table.get("value", SCALAR))
        column_table.close()
    t.close()
    if not any(matchers.values()):
        allowed = "at least one of " + ", ".join(_MATCHERS)
        raise ConfigError(f"{t.source}: `{t.key}` ({name!r}) has no matcher: expected {allowed}",
                          key=t.key, value=name, allowed=allowed,
                          hint="Say which items the class keeps, e.g. name_patterns = [\"*faktura*\"].")
    return StatutoryClass(name=name, years=years, label=label, **matchers, **date_column)


def _limits(t: Table) -> Limits:
    limits = Limits(**t.given(max_deletions=integer(0), max_deletion_share=number(minimum=0, maximum=1),
                              max_permission_removals=integer(0), auto_approve_applicant_deletions=FLAG,
                              auto_approve_retention_events=FLAG, recycle_bin=FLAG,
                              max_snapshot_age=duration(timedelta(hours=1), timedelta(days=30)),
                              max_plan_age=duration(timedelta(hours=1), timedelta(days=90))))
    t.close()
    return limits


def _remediation(t: Table) -> Remediation:
    controls = t.items("remove_grants", choice(get_args(RemovableControl)), ())
    t.close()
    return Remediation(remove_grants=frozenset(controls))  # type: ignore[arg-type]  # checked by choice()


def _alerts(t: Table, policy: PolicyInfo | None, problems: Problems) -> Alerts:
    default_language = policy.language if policy is not None else PolicyInfo.__dataclass_fields__["language"].default
    language = cast(Language, t.get("language", choice(get_args(Language)), default_language))
    min_severity = cast(Severity, t.get("min_severity", choice(SEVERITIES), "low"))
    built = [problems.section(lambda s=s: _sink(s)) for s in t.tables("sinks")]
    t.close()
    if None in built:
        raise SectionFailed
    sinks = tuple(s for s in built if s is not None)
    seen: list[AlertSink] = []
    for index, sink in enumerate(sinks):
        target = dataclasses.replace(sink, reminder_days=0)  # same kind and destination: told twice
        if target in seen:
            raise t.invalid(f"sinks[{index}]", sink.type,
                            f"a sink whose type and destination no other sink has (same as sinks[{seen.index(target)}])",
                            hint="Remove the repeated [[alerts.sinks]] entry.")
        seen.append(target)
    return Alerts(sinks=sinks, language=language, min_severity=min_severity)


def _sink(t: Table) -> AlertSink:
    kind = t.get("type", choice(get_args(SinkType)))
    reminder = t.given(reminder_days=integer(0, _MAX_DAYS))
    sink: AlertSink
    if kind == "teams":
        sink = TeamsSink(url_env=t.get("url_env", ENV_NAME), **reminder)
    elif kind == "email":
        to = t.items("to", MAIL)
        if not to:
            raise t.invalid("to", [], f"a non-empty list of {MAIL.expected}")
        sink = EmailSink(to=to, from_user=t.get("from_user", MAIL), **reminder)
    elif kind == "github":
        _no_user_info(t, "api_url")
        sink = GithubSink(repo=t.get("repo", REPO), **t.given(token_env=ENV_NAME, api_url=API_URL), **reminder)
    else:
        sink = StdoutSink(**reminder)
    t.close(secrets={"url": "url_env", "token": "token_env"})
    return sink


def _state(t: Table, base_dir: Path) -> StateConfig:
    store = file_path(base_dir, room=SIDE_FILE_ROOM, path_max=SQLITE_PATH_MAX)  # SQLite's limit, its side files
    path = t.get("path", store, base_dir / DEFAULT_STATE_PATH)
    remote = None
    if t.has("remote"):
        r = t.table("remote")
        _no_user_info(r, "site_url")
        remote = RemoteState(site_url=r.get("site_url", SITE_URL), library=r.get("library", TEXT),
                             **r.given(folder=FOLDER, file_name=FILE_NAME))
        r.close()
    t.close()
    return StateConfig(path=path, remote=remote)


def _run(t: Table) -> RunConfig:
    fail_on = t.get("fail_on", choice((*SEVERITIES, "never")), "high")
    mode = t.get("mode", choice(("dry-run", "execute")), "dry-run")
    t.close()
    return RunConfig(fail_on=fail_on, mode=mode)  # type: ignore[arg-type]  # checked by choice()


def _inventory(t: Table) -> InventoryConfig:
    inventory = InventoryConfig(**t.given(mode=choice(get_args(InventoryMode)), full_every_days=integer(1, _MAX_DAYS)))
    t.close()
    return inventory


def _graph(t: Table) -> GraphConfig:
    graph = GraphConfig(**t.given(request_deadline_seconds=number(minimum=1, maximum=_MAX_DEADLINE)))
    t.close()
    return graph


def _mgdc(t: Table, base_dir: Path) -> MgdcConfig:
    path = t.get("path", TEXT, None)
    mgdc = MgdcConfig(**t.given(max_age=duration(timedelta(hours=1), timedelta(days=21))))
    t.close()
    if path is not None and "://" not in path:  # a local folder: relative to the policy file, like other paths
        path = str((base_dir / path).resolve())
    return dataclasses.replace(mgdc, path=path)


def _engine(t: Table) -> EngineConfig:
    engine = EngineConfig(**t.given(master=ENGINE_MASTER))
    t.close()
    return engine


def _dsar(t: Table) -> DsarConfig:
    dsar = DsarConfig(**t.given(tenant_search=FLAG, search_region=TEXT, due_soon_days=integer(0, _MAX_DAYS)))
    t.close()
    if dsar.tenant_search and dsar.search_region is None:
        raise t.missing("search_region", TEXT.expected, "`dsar.tenant_search` = true searches with application "
                        "permissions, which need the tenant's region (e.g. \"EMEA\"; see docs/dsar.md)")
    return dsar
