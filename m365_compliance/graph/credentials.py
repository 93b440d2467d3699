"""Turn ``GatewaySettings.auth_method`` into an azure-identity credential (facts §8.2, §8.5, §8.6).

Synchronous credentials on purpose: they are called only when a token is due (about hourly, cached
by MSAL) and need no aiohttp session to close. Secrets come from environment variables named in the
settings, never from the policy file, and are never logged.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import httpx
from azure.core.credentials import AccessToken, TokenCredential
from azure.identity import (
    AzureCliCredential,
    CertificateCredential,
    ClientAssertionCredential,
    ClientSecretCredential,
    ManagedIdentityCredential,
    WorkloadIdentityCredential,
)

from m365_compliance.graph.errors import CredentialError
from m365_compliance.graph.settings import GatewaySettings

GITHUB_AUDIENCE = "api://AzureADTokenExchange"
GITHUB_URL_ENV = "ACTIONS_ID_TOKEN_REQUEST_URL"
GITHUB_TOKEN_ENV = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
FEDERATED_TOKEN_FILE_ENV = "AZURE_FEDERATED_TOKEN_FILE"
SANDBOX_TOKEN = "sandbox-token"


class StaticTokenCredential:
    """A fixed bearer token for the sandbox; accepts the SDK's ``claims``/``enable_cae`` kwargs (§8.2)."""

    def __init__(self, token: str = SANDBOX_TOKEN) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + 3600)

    def close(self) -> None:
        """Nothing to release."""


class GitHubOidcAssertion:
    """Fetches a fresh GitHub Actions ID token for every token request (facts §8.6, option B)."""

    def __init__(self, request_url: str, request_token: str, *, audience: str = GITHUB_AUDIENCE,
                 timeout: float = 30.0) -> None:
        self._url = request_url
        self._token = request_token
        self._audience = audience
        self._timeout = timeout

    def __call__(self) -> str:
        separator = "&" if "?" in self._url else "?"
        try:
            response = httpx.get(f"{self._url}{separator}audience={self._audience}", timeout=self._timeout,
                                 headers={"Authorization": f"bearer {self._token}", "Accept": "application/json"})
            response.raise_for_status()
            value = response.json().get("value")
        except (httpx.HTTPError, ValueError) as exc:
            raise CredentialError(f"Could not get a GitHub OIDC token: {type(exc).__name__}",
                                  hint="Check that the job runs on GitHub Actions with `permissions: id-token: "
                                       "write`, and that GitHub is reachable.") from exc
        if not isinstance(value, str) or not value:
            raise CredentialError("GitHub's OIDC endpoint answered without a token",
                                  hint="Check the workflow's `permissions: id-token: write`.")
        return value


def build_credential(settings: GatewaySettings, *, environ: Mapping[str, str] | None = None) -> TokenCredential:
    """The credential for ``settings.auth_method``; raises :class:`CredentialError` naming what is missing."""
    env = os.environ if environ is None else environ
    method = settings.auth_method
    if method == "none":
        if not settings.is_loopback:
            raise CredentialError(f"auth_method 'none' (no secret) is refused for {settings.graph_host}",
                                  hint="It only serves the sandbox on 127.0.0.1/localhost/::1; choose a real "
                                       "auth_method for a tenant.")
        return StaticTokenCredential()
    if method == "managed_identity":
        return ManagedIdentityCredential(client_id=settings.managed_identity_client_id)
    if method == "azure_cli":
        return AzureCliCredential(tenant_id=settings.tenant_id)
    authority = {"authority": settings.resolved_authority}
    if method == "workload_identity":
        token_file = _required(env, FEDERATED_TOKEN_FILE_ENV, "workload identity federation (the platform "
                               "writes the token file; on GitHub prefer auth_method = \"github_oidc\")")
        return WorkloadIdentityCredential(tenant_id=settings.tenant_id or None, client_id=settings.client_id or None,
                                          token_file_path=token_file, **authority)
    tenant_id, client_id = _app_ids(settings)
    if method == "client_secret":
        secret = _required(env, settings.client_secret_env, "the app's client secret")
        return ClientSecretCredential(tenant_id, client_id, secret, **authority)
    if method == "certificate":
        if not settings.certificate_path:
            raise CredentialError("auth_method 'certificate' needs certificate_path",
                                  hint="Set [graph] certificate_path to the PEM/PFX file holding the private key.")
        password = None
        if settings.certificate_password_env:
            password = _required(env, settings.certificate_password_env, "the certificate's password")
        try:
            return CertificateCredential(tenant_id, client_id, settings.certificate_path, password=password,
                                         **authority)
        except (OSError, ValueError) as exc:
            raise CredentialError(f"Could not load the certificate at certificate_path: {type(exc).__name__}",
                                  hint="Check the file exists, holds the private key (PEM or PFX) and that "
                                       "the password variable is right.") from exc
    if method == "github_oidc":
        hint = "the workflow needs `permissions: id-token: write` (and `contents: read`)"
        url = _required(env, GITHUB_URL_ENV, hint)
        token = _required(env, GITHUB_TOKEN_ENV, hint)
        return ClientAssertionCredential(tenant_id, client_id, GitHubOidcAssertion(url, token), **authority)
    raise CredentialError(f"auth_method {method!r} is not known")


def _app_ids(settings: GatewaySettings) -> tuple[str, str]:
    if not settings.tenant_id or not settings.client_id:
        raise CredentialError(f"auth_method {settings.auth_method!r} needs tenant_id and client_id",
                              hint="Set [graph] tenant_id and client_id to the Entra tenant and app registration.")
    return settings.tenant_id, settings.client_id


def _required(env: Mapping[str, str], name: str, purpose: str) -> str:
    value = env.get(name)
    if not value:
        raise CredentialError(f"Environment variable {name} is not set",
                              hint=f"Set {name}: {purpose}.")
    return value
