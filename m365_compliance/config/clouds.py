"""The national clouds: where Graph and Entra sign-in live for each, and the token scope to ask for.

A tenant belongs to exactly one cloud; a token from one cloud's Entra is not accepted by another
cloud's Graph, so the policy file names the cloud and the hosts follow from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args
from urllib.parse import urlsplit

from m365_compliance.graph.settings import LOOPBACK_HOSTS

CloudName = Literal["global", "usgov", "usgov-dod", "china"]
CLOUD_NAMES: tuple[str, ...] = get_args(CloudName)

#: Graph API versions a base URL may end in.
GRAPH_VERSIONS: tuple[str, ...] = ("v1.0", "beta")


@dataclass(frozen=True, slots=True)
class Cloud:
    """One national cloud: ``graph_url`` and ``login_url`` are origins (scheme + host, no path)."""

    name: CloudName
    graph_url: str
    login_url: str

    @property
    def graph_base_url(self) -> str:
        """The v1.0 endpoint, used when the policy file gives no ``tenant.graph_url``."""
        return f"{self.graph_url}/v1.0"

    @property
    def scope(self) -> str:
        """The app-only ``.default`` scope: all application permissions granted on this cloud's Graph."""
        return f"{self.graph_url}/.default"

    @property
    def graph_host(self) -> str:
        return urlsplit(self.graph_url).hostname or ""


CLOUDS: Mapping[str, Cloud] = MappingProxyType({
    "global": Cloud("global", "https://graph.microsoft.com", "https://login.microsoftonline.com"),
    "usgov": Cloud("usgov", "https://graph.microsoft.us", "https://login.microsoftonline.us"),
    "usgov-dod": Cloud("usgov-dod", "https://dod-graph.microsoft.us", "https://login.microsoftonline.us"),
    "china": Cloud("china", "https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn"),
})


#: The Graph hosts of the known clouds: the only hosts the app's Graph token is sent to without an explicit opt-in.
GRAPH_HOSTS = frozenset(cloud.graph_host for cloud in CLOUDS.values())


def is_graph_url(url: str) -> bool:
    """True for a URL on a known cloud's Graph host (any cloud: a mismatch with the chosen one is a warning)."""
    return urlsplit(url).hostname in GRAPH_HOSTS


def is_loopback_url(url: str) -> bool:
    """True for a URL on 127.0.0.1, localhost or ::1: the only hosts that may use plain http."""
    return urlsplit(url).hostname in LOOPBACK_HOSTS
