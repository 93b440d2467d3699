"""What a loaded policy file says, in plain lines, and what in it deserves a second look.

Loading already refused everything that is wrong; these warnings are settings that are valid but
risky or not ready on this machine (a register file not there yet, a secret's variable unset).
Lines carry counts and names of settings, not the people in the roles.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from m365_compliance.config.clouds import is_graph_url, is_loopback_url
from m365_compliance.config.schema import (
    AlertSink,
    Config,
    EmailSink,
    GithubSink,
    StatutoryClass,
    TeamsSink,
)
from m365_compliance.engine.master import Embedded, LocalWorkers, Master
from m365_compliance.engine.opening import dask_installed

POLICY_APPLICANT_MONTHS = 12  # P6: "inntil 12 måneder"
_LANGUAGES = {"nb": "Norwegian bokmål", "en": "English"}
_AUTH = {
    "client_secret": "client secret",
    "certificate": "certificate",
    "workload_identity": "workload identity federation (AZURE_FEDERATED_TOKEN_FILE)",
    "github_oidc": "GitHub Actions OIDC token (federated credential)",
    "managed_identity": "managed identity",
    "azure_cli": "the Azure CLI's signed-in account",
    "none": "none: no token is sent (sandbox on loopback only)",
}


def check_config(config: Config, environ: Mapping[str, str] | None = None, today: date | None = None) -> list[str]:
    """One line per section of the file, then one ``warning: …`` line per doubtful setting.

    ``environ`` (default: this process's environment) is where named secret variables are looked for;
    ``today`` (default: today in the policy's time zone) is what exceptions.toml's expiries are read against.
    """
    env = os.environ if environ is None else environ
    day = today or datetime.now(config.retention.timezone).date()
    return summary_lines(config) + [f"warning: {text}" for text in config_warnings(config, env)
                                    + exception_warnings(config, day)]


def summary_lines(config: Config) -> list[str]:
    p, t, a = config.policy, config.tenant, config.auth
    r, c, roles, reg, ret = config.recruitment, config.customers, config.roles, config.register, config.retention
    lim = config.limits
    sandbox = " (sandbox on loopback)" if t.is_loopback else ""
    auth = _AUTH[a.method]
    if a.client_secret_env:
        auth += f" from ${a.client_secret_env}"
    if a.certificate_path:
        auth += f" {a.certificate_path}" + (f", password from ${a.certificate_password_env}"
                                            if a.certificate_password_env else "")
    if a.method == "managed_identity":
        auth += f", client id {a.managed_identity_client_id}" if a.managed_identity_client_id else ", system-assigned"
    dates = (f"column {r.application_date_column!r}, else folder creation" if r.date_source == "column_then_created"
             else "folder creation")
    match = "the register's folder column" if c.folder_match == "register_folder_column" else "customer name"
    where = (f"SharePoint list {reg.list_name!r} on {reg.site_url}" if reg.source == "list" else f"file {reg.path}")
    contract_end = (f"retention event {ret.contract_end_event_type!r}" if ret.event_based
                    else "the tool's own timer (no retention event)")
    remediation = ("report only" if not config.remediation.remove_grants else
                   "removes offending grants and links for " + ", ".join(sorted(config.remediation.remove_grants)))
    lines = [
        f"policy: {p.name}, version {p.version}; reports in {_LANGUAGES[p.language]}",
        f"tenant: {t.tenant_id} ({t.organization}), {t.cloud.name} cloud; Graph {t.graph_url}{sandbox}; "
        f"sign-in {t.cloud.login_url} as app {t.client_id}, scope {t.cloud.scope}",
        f"auth: {auth}",
        f"recruitment (C1, C2): {r.site_url}, library {r.library!r}, folder {_folder(r.folder)}; "
        f"applicant folders {r.folder_depth} level(s) below; application date from {dates}; "
        + (f"hired column {r.hired_column!r}" if r.hired_column else "no hired column"),
        f"customers (C3, C4, C5): {c.site_url}, library {c.library!r}, folder {_folder(c.folder)}; "
        f"customer folders matched by {match}",
        f"roles: recruiters {len(roles.recruiters)}, management {len(roles.management)}, sales {len(roles.sales)}, "
        f"technical {len(roles.technical)}; grants to SharePoint site groups are "
        + ("allowed" if roles.site_group_policy == "allowed" else "flagged"),
        f"register: {where}; {len(reg.columns.names())} columns mapped",
        f"retention (C2): applicant data kept {ret.applicant_months} months, warned {ret.applicant_warning_days} "
        f"days before, label {ret.applicant_label!r}; dates in {ret.timezone.key}; fiscal year ends "
        f"{ret.fiscal_year_end}; contract end (C5) by {contract_end}",
        *(_statutory_line(cls) for cls in ret.statutory),
        f"limits: at most {lim.max_deletions} deletions and {lim.max_deletion_share:.0%} of a scope per run, "
        f"{lim.max_permission_removals} permission removals; applicant deletions "
        + ("auto-approved" if lim.auto_approve_applicant_deletions else "need approval")
        + ("; retention events auto-approved" if lim.auto_approve_retention_events else
           "; retention events need approval")
        + ("; deletions go to the recycle bin" if lim.recycle_bin else "; deletions are permanent")
        + f"; nothing planned from a picture older than {_duration(lim.max_snapshot_age)}, no plan applied "
          f"after {_duration(lim.max_plan_age)}",
        f"remediation: {remediation}",
        "alerts: " + (", ".join(_sink_text(s) for s in config.alerts.sinks) or "none")
        + (f"; written in {_LANGUAGES[config.alerts.language]}" if config.alerts.sinks else ""),
        f"state: {config.state.path}",
        f"inventory: mode {config.inventory.mode}, full re-read every {config.inventory.full_every_days} days",
        "data-subject requests (C7): applicant e-mail "
        + (f"column {r.email_column!r}" if r.email_column else "not configured (found by name and register only)")
        + "; tenant-wide search "
        + (f"on (region {config.dsar.search_region})" if config.dsar.tenant_search else "off")
        + f"; due soon {config.dsar.due_soon_days} days before the deadline",
        f"engine: {_engine_text(config.engine.master)}",
    ]
    if config.exceptions:
        by_rule = sum(1 for d in config.exceptions if d.rule_id is not None)
        lines.append(f"exceptions: {len(config.exceptions)} in {config.exceptions_file} "
                     f"({len(config.exceptions) - by_rule} by finding id, {by_rule} by rule and scope)")
    return lines


def config_warnings(config: Config, environ: Mapping[str, str]) -> list[str]:
    """Valid but doubtful settings, each a sentence saying what follows from it."""
    t, ret, lim = config.tenant, config.retention, config.limits
    found: list[str] = []
    host = urlsplit(t.graph_url).hostname
    if not t.is_loopback and not is_graph_url(t.graph_url):
        found.append(f"tenant.graph_url {t.graph_url} is not Microsoft Graph (allowed by "
                     f"tenant.allow_custom_graph_host): the app's Graph token is sent to {host}")
    elif not t.is_loopback and host != t.cloud.graph_host:
        found.append(f"tenant.graph_url {t.graph_url} is not the {t.cloud.name} cloud's Graph "
                     f"({t.cloud.graph_url}), but tokens are asked from {t.cloud.login_url}")
    elif t.allow_custom_graph_host:
        found.append(f"tenant.allow_custom_graph_host = true is not needed for {host}: remove it, so that a later "
                     "graph_url on another host is refused again")
    if t.graph_url.endswith("/beta"):
        found.append("tenant.graph_url uses /beta: Microsoft may change beta APIs without notice")
    files = (("register.path", config.register.path), ("auth.certificate_path", config.auth.certificate_path))
    for name, path in files:
        if path is not None and not path.is_file():
            found.append(f"{name} {path} does not exist here")
    for name, variable in _secret_variables(config):
        if variable not in environ:
            found.append(f"{name}: environment variable {variable} is not set here "
                         "(it must be where the tool runs)")
    for role in ("recruiters", "management", "sales"):
        if not getattr(config.roles, role):
            found.append(f"roles.{role} is empty: every grant that relies on this role is a violation")
    if ret.applicant_months > POLICY_APPLICANT_MONTHS:
        found.append(f"retention.applicant_months = {ret.applicant_months} is longer than the privacy policy's "
                     f"{POLICY_APPLICANT_MONTHS} months (P6)")
    if not ret.statutory:
        found.append("no [[retention.statutory]] classes: nothing is kept for bookkeeping law (C6), so a "
                     "deletion request could remove invoices and signed agreements")
    if not lim.recycle_bin:
        found.append("limits.recycle_bin = false: deletions are permanent and cannot be restored")
    if lim.auto_approve_applicant_deletions:
        found.append("limits.auto_approve_applicant_deletions = true: expired applicant data is deleted "
                     "without a person approving the plan")
    if lim.auto_approve_retention_events:
        found.append("limits.auto_approve_retention_events = true: a contract-end event starts disposal in Purview "
                     "without a person approving it")
    if not config.alerts.sinks:
        found.append("no [[alerts.sinks]]: findings and drift reach nobody until someone reads a report")
    return found + _engine_warnings(config.engine.master)


def _engine_warnings(master: Master) -> list[str]:
    found = []
    if master.needs_dask and not dask_installed():
        found.append(f"engine.master {master.text!r} needs Dask, which is not installed here: "
                     "pip install 'm365-compliance[scale]'")
    if master.text.startswith("tcp://") and not is_loopback_url(master.text):
        found.append(f"engine.master {master.text} is reached without TLS: the directory, the register rows and the "
                     "state store's pseudonym key cross the network in the clear (use tls://)")
    return found


def _engine_text(master: Master) -> str:
    if isinstance(master, Embedded):
        return "embedded: the rules run in this process"
    if isinstance(master, LocalWorkers):
        return f"a Dask LocalCluster of {master.workers} worker processes, one library each, started by each run"
    return f"the Dask cluster at {master.text}, one library per task"


def exception_warnings(config: Config, today: date) -> list[str]:
    """Exceptions of exceptions.toml that ran out: they accept nothing any more, and drift reports the findings."""
    return [f"{config.exceptions_file.name} `{d.key}` ({d.target}) expired on {d.expires.isoformat()}: it no longer "
            "applies, so the findings it accepted alert again as expired; remove it or agree it anew"
            for d in config.exceptions if d.expires < today]


def _duration(span: timedelta) -> str:
    hours = int(span.total_seconds() // 3600)
    return f"{hours // 24} days" if hours % 24 == 0 else f"{hours} hours"


def _secret_variables(config: Config) -> list[tuple[str, str]]:
    a = config.auth
    named = [("auth.client_secret_env", a.client_secret_env),
             ("auth.certificate_password_env", a.certificate_password_env)]
    for index, sink in enumerate(config.alerts.sinks):
        if isinstance(sink, TeamsSink):
            named.append((f"alerts.sinks[{index}].url_env", sink.url_env))
        elif isinstance(sink, GithubSink):
            named.append((f"alerts.sinks[{index}].token_env", sink.token_env))
    return [(key, variable) for key, variable in named if variable is not None]


def _folder(folder: str) -> str:
    return repr(folder) if folder else "(library root)"


def _statutory_line(cls: StatutoryClass) -> str:
    matchers = [f"{what} {', '.join(values)}" for what, values in
                (("names", cls.name_patterns), ("folders", cls.folders), ("content types", cls.content_types))
                if values]
    if cls.column is not None:
        matchers.append(f"column {cls.column.name} = {cls.column.value!r}")
    return (f"statutory {cls.name!r} (C6): kept {cls.years:g} years after the fiscal year ends, label "
            f"{cls.label!r}; matches {'; '.join(matchers)}")


def _sink_text(sink: AlertSink) -> str:
    if isinstance(sink, TeamsSink):
        detail = f" (webhook from ${sink.url_env})"
    elif isinstance(sink, EmailSink):
        detail = f" to {len(sink.to)} recipient(s) from {sink.from_user}"
    elif isinstance(sink, GithubSink):
        detail = f" issues in {sink.repo}" + (f" via {sink.api_url}" if sink.api_url else "")
    else:
        detail = ""
    reminders = f"reminders every {sink.reminder_days} days" if sink.reminder_days else "no reminders"
    return f"{sink.type}{detail}, {reminders}"
