"""How the gateway reaches Graph: base URL, credential choice, traffic decoration, retry and RU budget.

A real tenant, a national cloud and the sandbox differ only in these values (DESIGN "data flow").
Validation happens here, at construction, so a wrong setting fails before the first request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args
from urllib.parse import urlsplit

from m365_compliance import __version__
from m365_compliance.errors import ConfigError

AuthMethod = Literal["client_secret", "certificate", "workload_identity", "github_oidc", "managed_identity",
                     "azure_cli", "none"]
AUTH_METHODS: tuple[str, ...] = get_args(AuthMethod)

#: Hosts msgraph-sdk lets speak plain http (kiota ``LOCALHOST_STRINGS``, facts §8.1).
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

#: Graph host → Entra authority host, per cloud (facts §8.5: the authority must match the cloud).
AUTHORITY_BY_GRAPH_HOST = {
    "graph.microsoft.com": "login.microsoftonline.com",
    "graph.microsoft.us": "login.microsoftonline.us",
    "dod-graph.microsoft.us": "login.microsoftonline.us",
    "microsoftgraph.chinacloudapi.cn": "login.chinacloudapi.cn",
}
PUBLIC_GRAPH_HOST = "graph.microsoft.com"


def user_agent(org: str) -> str:
    """``NONISV|<org>|m365-compliance/<version>``: decorated traffic is throttled last (facts §7.4)."""
    return f"NONISV|{org}|m365-compliance/{__version__}"


@dataclass(frozen=True)
class GatewaySettings:
    """Everything :class:`~m365_compliance.graph.gateway.GraphGateway` needs; frozen, validated.

    No ``slots``: ``GatewaySettings.<field>`` then reads the default, which config code relies on.
    """

    graph_url: str = f"https://{PUBLIC_GRAPH_HOST}/v1.0"
    tenant_id: str = ""
    client_id: str = ""
    auth_method: AuthMethod = "client_secret"
    scopes: tuple[str, ...] = ()  # empty: https://<graph host>/.default (facts §8.1: never derive per request)
    authority_host: str | None = None  # None: the Entra host of graph_url's cloud
    client_secret_env: str = "M365_COMPLIANCE_CLIENT_SECRET"
    certificate_path: str | None = None
    certificate_password_env: str | None = None
    managed_identity_client_id: str | None = None
    user_agent: str = user_agent("321")
    max_retries: int = 6
    max_wait_seconds: float = 900.0  # total time one call may wait: Retry-After, back-off, attempts never answered
    ru_per_minute: int | None = 1250  # the app's per-minute RU budget (facts §7.2); None: no pacing
    timeout_seconds: float = 100.0
    connect_timeout_seconds: float = 15.0
    connect_retries: int = 3  # a connection that cannot be opened: a few quick retries, then Unreachable
    run_wait_budget_seconds: float = 1800.0  # all those waits of one run together (a run, not one call)
    max_answer_bytes: int = 64 * 1024 * 1024  # a larger answer is malformed, not read (graph/answers.py)
    #: One HTTP exchange — connect, send, headers and the whole answer — ends within this (graph/deadline.py);
    #: a request body adds size ÷ min_bytes_per_second, a download's bytes extend it the same way.
    request_deadline_seconds: float = 120.0
    min_bytes_per_second: int = 16 * 1024  # the slowest transfer accepted beyond the deadline (uploads, downloads)

    def __post_init__(self) -> None:
        object.__setattr__(self, "graph_url", self.graph_url.rstrip("/"))  # facts §8.1: no trailing slash
        parts = urlsplit(self.graph_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"graph_url {self.graph_url!r} is not an http(s) URL",
                              hint="Use e.g. https://graph.microsoft.com/v1.0 or the sandbox's base URL.")
        if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
            raise ConfigError(f"graph_url {self.graph_url!r} uses plain http on a non-loopback host",
                              hint="Graph clients send tokens over https only; plain http is allowed for "
                                   "127.0.0.1, localhost and ::1 (the sandbox).")
        if self.auth_method not in AUTH_METHODS:
            raise ConfigError(f"auth_method {self.auth_method!r} is not known",
                              hint=f"Use one of: {', '.join(AUTH_METHODS)}.")
        if self.max_retries < 0 or self.max_wait_seconds < 0:
            raise ConfigError("max_retries and max_wait_seconds must not be negative",
                              hint="Set max_retries >= 0 and max_wait_seconds >= 0 (0 disables retries).")
        if self.ru_per_minute is not None and self.ru_per_minute <= 0:
            raise ConfigError(f"ru_per_minute must be positive, not {self.ru_per_minute}",
                              hint="Use the tenant's per-minute RU limit (1250 below 1,000 licences) or "
                                   "leave it unset to disable pacing.")
        if not (0 < self.request_deadline_seconds < float("inf")) or self.min_bytes_per_second <= 0:
            raise ConfigError(f"request_deadline_seconds ({self.request_deadline_seconds}) and min_bytes_per_second "
                              f"({self.min_bytes_per_second}) must be positive and finite",
                              hint="Set [graph] request_deadline_seconds to the seconds one request may take "
                                   "(default 120).")
        if not self.user_agent.strip():
            raise ConfigError("user_agent is empty", hint="Use NONISV|<organisation>|m365-compliance/<version>.")

    @property
    def graph_host(self) -> str:
        host = urlsplit(self.graph_url).hostname
        assert host is not None  # checked in __post_init__
        return host

    @property
    def is_loopback(self) -> bool:
        return self.graph_host in LOOPBACK_HOSTS

    @property
    def resolved_scopes(self) -> tuple[str, ...]:
        """Explicit scopes; for the sandbox the public Graph scope (its static token ignores it)."""
        if self.scopes:
            return self.scopes
        host = PUBLIC_GRAPH_HOST if self.is_loopback else self.graph_host
        return (f"https://{host}/.default",)

    @property
    def resolved_authority(self) -> str:
        if self.authority_host:
            return self.authority_host
        return AUTHORITY_BY_GRAPH_HOST.get(self.graph_host, AUTHORITY_BY_GRAPH_HOST[PUBLIC_GRAPH_HOST])
