"""Policy-as-code: the TOML policy file, loaded into typed frozen values and validated on load.

``load_config(path)`` gives a :class:`Config` or raises :class:`~m365_compliance.errors.ConfigError`
naming the key, the value and what is allowed. docs/config.md describes the file.
"""

from m365_compliance.config.check import check_config
from m365_compliance.config.clouds import CLOUDS, Cloud, CloudName
from m365_compliance.config.demo import demo_config_text, write_demo_config
from m365_compliance.config.kinds import MonthDay, PrincipalKind, principal_kind
from m365_compliance.config.load import DEFAULT_STATE_PATH, load_config, parse_config
from m365_compliance.config.schema import (
    Alerts,
    AlertSink,
    AuthConfig,
    ColumnMatch,
    Config,
    CustomerScope,
    DsarConfig,
    EmailSink,
    EngineConfig,
    GithubSink,
    GraphConfig,
    InventoryConfig,
    Limits,
    PolicyInfo,
    RecruitmentScope,
    RegisterColumns,
    RegisterConfig,
    Remediation,
    Retention,
    Roles,
    StateConfig,
    StatutoryClass,
    StdoutSink,
    TeamsSink,
    TenantConfig,
)

__all__ = [
    "CLOUDS",
    "DEFAULT_STATE_PATH",
    "AlertSink",
    "Alerts",
    "AuthConfig",
    "Cloud",
    "CloudName",
    "ColumnMatch",
    "Config",
    "CustomerScope",
    "DsarConfig",
    "EmailSink",
    "EngineConfig",
    "GithubSink",
    "GraphConfig",
    "InventoryConfig",
    "Limits",
    "MonthDay",
    "PolicyInfo",
    "PrincipalKind",
    "RecruitmentScope",
    "RegisterColumns",
    "RegisterConfig",
    "Remediation",
    "Retention",
    "Roles",
    "StateConfig",
    "StatutoryClass",
    "StdoutSink",
    "TeamsSink",
    "TenantConfig",
    "check_config",
    "demo_config_text",
    "load_config",
    "parse_config",
    "principal_kind",
    "write_demo_config",
]
