"""Which application a Graph request comes from.

Graph reads the caller from the access token's ``appid`` (v1 tokens) or ``azp`` (v2) claim. The
sandbox does the same with a JWT bearer token, without checking its signature (it never checked
tokens beyond ``--require-token``); any other token, or none, is the tenant's compliance app. A
JWT for an application the tenant does not know gets an app with no permissions, so its calls are
refused as Graph refuses an app that was never consented.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from m365_compliance.sandbox.model import AppAccess
from m365_compliance.sandbox.tenant import Tenant


def calling_app(tenant: Tenant, headers: dict[str, str]) -> AppAccess:
    """The application behind the request's bearer token (lower-case header names)."""
    app_id = token_app_id(headers.get("authorization", ""))
    if app_id is None:
        return tenant.access
    known = tenant.app(app_id)
    return known if known is not None else AppAccess(client_id=app_id, display_name=app_id, permissions=set())


def token_app_id(authorization: str) -> str | None:
    """``appid`` or ``azp`` of a ``Bearer <jwt>`` header; None for anything else."""
    scheme, _, token = authorization.strip().partition(" ")
    parts = token.strip().split(".")
    if scheme.lower() != "bearer" or len(parts) != 3:
        return None
    try:
        payload: Any = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error, UnicodeError):
        return None
    app_id = payload.get("appid") or payload.get("azp") if isinstance(payload, dict) else None
    return app_id if isinstance(app_id, str) and app_id else None
