"""The Graph gateway: the only code that speaks HTTP (msgraph-sdk + azure-identity; retries and pacing here).

Exports resolve lazily (PEP 562) so that reading settings, e.g. while loading a policy file, does not
import msgraph-sdk (a quarter of a second) until a gateway is actually built.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from m365_compliance.graph.errors import (
        AuthenticationError,
        CredentialError,
        GraphError,
        NotFound,
        PermissionDenied,
        PreconditionFailed,
        ResourceLocked,
        ResyncRequired,
        RetentionBlocked,
        Throttled,
        TransportError,
    )
    from m365_compliance.graph.gateway import GraphGateway
    from m365_compliance.graph.mapping import DeltaPage
    from m365_compliance.graph.settings import GatewaySettings, user_agent
    from m365_compliance.graph.stats import GatewayStats

_WHERE = {
    **dict.fromkeys(("AuthenticationError", "CredentialError", "GraphError", "NotFound", "PermissionDenied",
                     "PreconditionFailed", "ResourceLocked", "ResyncRequired", "RetentionBlocked", "Throttled",
                     "TransportError"),
                    "errors"),
    "GraphGateway": "gateway",
    "DeltaPage": "mapping",
    "GatewaySettings": "settings",
    "user_agent": "settings",
    "GatewayStats": "stats",
}

__all__ = [
    "AuthenticationError",
    "CredentialError",
    "DeltaPage",
    "GatewaySettings",
    "GatewayStats",
    "GraphError",
    "GraphGateway",
    "NotFound",
    "PermissionDenied",
    "PreconditionFailed",
    "ResourceLocked",
    "ResyncRequired",
    "RetentionBlocked",
    "Throttled",
    "TransportError",
    "user_agent",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
