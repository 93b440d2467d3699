"""Helpers for the doctor tests: the demo policy file for a server, a JWT like Entra's, a doctor run."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from pathlib import Path
from typing import Any

from azure.core.credentials import AccessToken

from m365_compliance.config.demo import demo_config_text
from m365_compliance.config.load import parse_config
from m365_compliance.config.schema import Config
from m365_compliance.doctor import DoctorReport, run_doctor
from m365_compliance.sandbox.tenant import Tenant

REKRUTTERING = "https://tretoen.sharepoint.com/sites/rekruttering"
KUNDER = "https://tretoen.sharepoint.com/sites/kunder"
TENANT_ID = "3f2a3210-0000-4000-8000-000000000321"
CLIENT_ID = "00000000-0000-0000-0000-00000000c0de"


def policy(tmp_path: Path, graph_url: str, *changes: tuple[str, str]) -> Path:
    """The demo policy file for ``graph_url``, with ``(old, new)`` text replacements applied."""
    text = demo_config_text(graph_url, "state.sqlite")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path) -> Config:
    return parse_config(path.read_text(encoding="utf-8"), str(path))


def doctor(config: Config, **kwargs: Any) -> DoctorReport:
    return asyncio.run(run_doctor(config, **kwargs))


def site_id(tenant: Tenant, name: str) -> str:
    return next(s.id for s in tenant.sites.values() if s.path == f"/sites/{name}")


def unsigned_jwt(claims: dict[str, Any]) -> str:
    """A token shaped as Entra issues it (header.payload.signature); the signature is not checked by
    doctor (Graph checks it), so an empty one serves."""
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'typ': 'JWT', 'alg': 'RS256'})}.{part(claims)}.c2ln"


class TokenCredential:
    """Hands out one fixed token, as azure-identity credentials hand out theirs (facts §8.2)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3600)


def app_token(roles: set[str], *, tid: str = TENANT_ID, appid: str = CLIENT_ID) -> TokenCredential:
    return TokenCredential(unsigned_jwt({"aud": "https://graph.microsoft.com", "tid": tid, "appid": appid,
                                         "idtyp": "app", "roles": sorted(roles)}))


def by_status(report: DoctorReport, status: str) -> list:
    return [c for c in report.checks if c.status == status]
