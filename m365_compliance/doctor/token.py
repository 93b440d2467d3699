"""What an access token says about the app: tenant, app id, application roles (JWT claims).

The payload is decoded **without checking the signature**: the token came straight from the
credential, only Graph needs to trust it, and Graph validates it on every request. Reading it
here just shows what Entra put in: ``roles`` are the application permissions consented for the
app (app-only tokens); ``scp`` marks a delegated (user) token, whose rights are the user's.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class TokenClaims:
    tenant_id: str | None  # tid
    app_id: str | None  # appid (v1 tokens) or azp (v2 tokens)
    audience: str | None  # aud
    roles: frozenset[str]  # application permissions
    delegated: bool  # an scp claim: a user's token, not the app's


def read_claims(token: str) -> TokenClaims | None:
    """The claims of a JWT access token, or None when it is not one (the sandbox's fixed token)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        payload: Any = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        return None
    if not isinstance(payload, dict):
        return None
    roles = payload.get("roles")
    return TokenClaims(
        tenant_id=_text(payload.get("tid")),
        app_id=_text(payload.get("appid") or payload.get("azp")),
        audience=_text(payload.get("aud")),
        roles=frozenset(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else frozenset(),
        delegated="scp" in payload,
    )


def _text(value: object) -> str | None:
    return value.lower() if isinstance(value, str) and value else None
