"""Credential choice, the loopback-only no-secret mode, and the GitHub OIDC assertion (facts §8.2, §8.5, §8.6)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.identity import (
    AzureCliCredential,
    ClientAssertionCredential,
    ClientSecretCredential,
    ManagedIdentityCredential,
    WorkloadIdentityCredential,
)

from m365_compliance.errors import ConfigError
from m365_compliance.graph import CredentialError, GatewaySettings
from m365_compliance.graph.credentials import GitHubOidcAssertion, StaticTokenCredential, build_credential

TENANT = "3f2a3210-0000-4000-8000-000000000321"
APP = "11111111-2222-3333-4444-555555555555"


def app_settings(method: str, **extra: object) -> GatewaySettings:
    return GatewaySettings(tenant_id=TENANT, client_id=APP, auth_method=method, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/v1.0", "http://localhost:1/v1.0", "http://[::1]:9/v1.0"])
def test_no_secret_mode_on_loopback(url: str) -> None:
    credential = build_credential(GatewaySettings(graph_url=url, auth_method="none"))
    assert isinstance(credential, StaticTokenCredential)
    assert credential.get_token("x", claims=None, enable_cae=True).token == "sandbox-token"


def test_no_secret_mode_is_refused_for_a_real_tenant() -> None:
    with pytest.raises(CredentialError) as caught:
        build_credential(GatewaySettings(auth_method="none"))
    assert "graph.microsoft.com" in str(caught.value) and "sandbox" in caught.value.hint


def test_plain_http_is_refused_off_loopback() -> None:
    with pytest.raises(ConfigError):
        GatewaySettings(graph_url="http://graph-emu:8080/v1.0")


def test_settings_normalise_and_resolve_per_cloud() -> None:
    sandbox = GatewaySettings(graph_url="http://127.0.0.1:8765/v1.0/", auth_method="none")
    assert sandbox.graph_url == "http://127.0.0.1:8765/v1.0"  # no trailing slash (facts §8.1)
    assert sandbox.resolved_scopes == ("https://graph.microsoft.com/.default",)
    gov = GatewaySettings(graph_url="https://graph.microsoft.us/v1.0")
    assert gov.resolved_scopes == ("https://graph.microsoft.us/.default",)
    assert gov.resolved_authority == "login.microsoftonline.us"
    assert GatewaySettings().resolved_authority == "login.microsoftonline.com"
    china = GatewaySettings(graph_url="https://microsoftgraph.chinacloudapi.cn/v1.0")
    assert china.resolved_authority == "login.chinacloudapi.cn"


def test_client_secret_comes_from_the_named_variable() -> None:
    settings = app_settings("client_secret", client_secret_env="MY_SECRET")
    with pytest.raises(CredentialError) as caught:
        build_credential(settings, environ={})
    assert "MY_SECRET" in str(caught.value)
    assert isinstance(build_credential(settings, environ={"MY_SECRET": "s3cret"}), ClientSecretCredential)


def test_app_credentials_need_tenant_and_client_ids() -> None:
    with pytest.raises(CredentialError) as caught:
        build_credential(GatewaySettings(auth_method="client_secret"), environ={"M365_COMPLIANCE_CLIENT_SECRET": "x"})
    assert "tenant_id" in str(caught.value)


def test_certificate_problems_are_named(tmp_path: Path) -> None:
    with pytest.raises(CredentialError, match="certificate_path"):
        build_credential(app_settings("certificate"), environ={})
    bogus = tmp_path / "app.pem"
    bogus.write_text("not a certificate")
    with pytest.raises(CredentialError, match="certificate"):
        build_credential(app_settings("certificate", certificate_path=str(bogus)), environ={})
    with pytest.raises(CredentialError, match="CERT_PASSWORD"):
        build_credential(app_settings("certificate", certificate_path=str(bogus),
                                      certificate_password_env="CERT_PASSWORD"), environ={})


def test_workload_identity_needs_the_token_file(tmp_path: Path) -> None:
    with pytest.raises(CredentialError, match="AZURE_FEDERATED_TOKEN_FILE"):
        build_credential(app_settings("workload_identity"), environ={})
    token = tmp_path / "token"
    token.write_text("jwt")
    credential = build_credential(app_settings("workload_identity"), environ={"AZURE_FEDERATED_TOKEN_FILE": str(token)})
    assert isinstance(credential, WorkloadIdentityCredential)


def test_managed_identity_and_azure_cli() -> None:
    assert isinstance(build_credential(app_settings("managed_identity"), environ={}), ManagedIdentityCredential)
    assert isinstance(build_credential(app_settings("azure_cli"), environ={}), AzureCliCredential)


def test_github_oidc_needs_id_token_permission() -> None:
    with pytest.raises(CredentialError) as caught:
        build_credential(app_settings("github_oidc"), environ={"ACTIONS_ID_TOKEN_REQUEST_URL": "https://x"})
    assert "ACTIONS_ID_TOKEN_REQUEST_TOKEN" in str(caught.value)
    assert "id-token: write" in caught.value.hint
    env = {"ACTIONS_ID_TOKEN_REQUEST_URL": "https://x?api-version=2.0", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t"}
    assert isinstance(build_credential(app_settings("github_oidc"), environ=env), ClientAssertionCredential)


class _OidcReceiver(BaseHTTPRequestHandler):
    """Stands in for GitHub's ID-token endpoint on loopback."""

    seen: ClassVar[list[tuple[str, str]]] = []
    status = 200

    def do_GET(self) -> None:
        type(self).seen.append((self.path, self.headers.get("Authorization", "")))
        body = json.dumps({"value": "github-jwt"} if self.status == 200 else {"message": "no"}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[HTTPServer]:
    _OidcReceiver.seen, _OidcReceiver.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), _OidcReceiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_github_oidc_callback_fetches_a_token_for_the_entra_audience(receiver: HTTPServer) -> None:
    url = f"http://127.0.0.1:{receiver.server_port}/token?api-version=2.0"
    assert GitHubOidcAssertion(url, "request-token")() == "github-jwt"
    ((path, authorization),) = _OidcReceiver.seen
    query = parse_qs(urlsplit(path).query)
    assert query == {"api-version": ["2.0"], "audience": ["api://AzureADTokenExchange"]}
    assert authorization == "bearer request-token"


def test_github_oidc_callback_failure_is_explained(receiver: HTTPServer) -> None:
    _OidcReceiver.status = 403
    with pytest.raises(CredentialError) as caught:
        GitHubOidcAssertion(f"http://127.0.0.1:{receiver.server_port}/token", "t")()
    assert "id-token: write" in caught.value.hint
