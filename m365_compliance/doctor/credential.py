"""First check: can the configured credential get a Graph token, and is it the app's token?

A failure names the credential method, the settings and environment variables it reads, and what
to change. Nothing secret is printed: not the token, not the secret, only variable names.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError, ClientAuthenticationError

from m365_compliance.config.schema import Config
from m365_compliance.doctor.checks import Check
from m365_compliance.doctor.token import TokenClaims, read_claims
from m365_compliance.graph.credentials import (
    FEDERATED_TOKEN_FILE_ENV,
    GITHUB_AUDIENCE,
    GITHUB_TOKEN_ENV,
    GITHUB_URL_ENV,
    build_credential,
)
from m365_compliance.graph.errors import CredentialError
from m365_compliance.graph.settings import GatewaySettings

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"


def credential_fix(config: Config) -> str:
    """What to check for the configured ``auth.method`` when Entra or Graph refuses it."""
    auth, ids = config.auth, "[tenant] tenant_id and client_id name the tenant and the app registration"
    fixes = {
        "client_secret": f"{ids}; ${auth.client_secret_env or 'M365_COMPLIANCE_CLIENT_SECRET'} must hold a current "
                         "secret of that app (Entra admin center → App registrations → Certificates & secrets).",
        "certificate": f"{ids}; the certificate at auth.certificate_path must be the one uploaded to the app "
                       "(Certificates & secrets), with its private key, and not expired.",
        "github_oidc": f"{ids}; the job needs `permissions: id-token: write` (it sets {GITHUB_URL_ENV} and "
                       f"{GITHUB_TOKEN_ENV}); the app needs a federated credential with issuer {GITHUB_ISSUER}, "
                       "subject exactly the job's (repo:OWNER/REPO:ref:refs/heads/BRANCH, or "
                       f"repo:OWNER/REPO:environment:NAME for a job with an environment) and audience "
                       f"{GITHUB_AUDIENCE} — scripts/setup_entra_app.py prints it.",
        "workload_identity": f"{ids}; {FEDERATED_TOKEN_FILE_ENV} must name a file holding a current token whose "
                             "issuer and subject match a federated credential of the app.",
        "managed_identity": "run on an Azure resource that has the managed identity assigned; set "
                            "auth.managed_identity_client_id for a user-assigned one.",
        "azure_cli": f"run `az login --tenant {config.tenant.tenant_id} --allow-no-subscriptions` first; a CLI "
                     "token is the signed-in user's, for trials only (nightly runs use github_oidc).",
        "none": "auth.method \"none\" sends the sandbox's fixed token: use it only against the bundled sandbox "
                "(serve it without a token check); a real tenant needs a real method.",
    }
    return fixes[auth.method]


@dataclass(frozen=True)
class TokenResult:
    check: Check
    token: str | None
    claims: TokenClaims | None


async def acquire_token(config: Config, settings: GatewaySettings, credential: TokenCredential | None,
                        environ: Mapping[str, str] | None) -> tuple[TokenCredential | None, TokenResult]:
    """Build the credential (unless given) and ask it for a Graph token, off the event loop."""
    method = config.auth.method
    subject = f"auth.method = {method}"
    if credential is None:
        try:
            credential = build_credential(settings, environ=environ)
        except CredentialError as exc:
            return None, TokenResult(Check("credential", subject, "FAILED", exc.message,
                                           f"{exc.hint} Then: {credential_fix(config)}"), None, None)
    scopes = settings.resolved_scopes
    try:
        access = await asyncio.to_thread(credential.get_token, *scopes)
    except CredentialError as exc:
        return credential, TokenResult(Check("credential", subject, "FAILED", exc.message,
                                             f"{exc.hint} Then: {credential_fix(config)}"), None, None)
    except ClientAuthenticationError as exc:
        said = (exc.message or type(exc).__name__).splitlines()[0][:300]
        return credential, TokenResult(Check("credential", subject, "FAILED", f"Entra refused the credential: {said}",
                                             credential_fix(config)), None, None)
    except AzureError as exc:
        return credential, TokenResult(Check("credential", subject, "FAILED",
                                             f"No token: {type(exc).__name__} reaching the sign-in service",
                                             "Check the network path to the Entra authority host (proxy, DNS, "
                                             "firewall), then run doctor again."), None, None)
    claims = read_claims(access.token)
    detail = f"a token for {', '.join(scopes)} was issued"
    return credential, TokenResult(Check("credential", subject, "OK", detail), access.token, claims)


def claims_checks(config: Config, claims: TokenClaims | None) -> list[Check]:
    """Is it this tenant's, this app's, an app-only Graph token? (Roles are compared in ``roles``.)"""
    if claims is None:
        return [Check("token", "roles", "NOTE", "The token is not a JWT (the sandbox's fixed token), so its "
                      "application roles could not be read; the probes below decide what is reachable.")]
    checks: list[Check] = []
    tenant, app = config.tenant.tenant_id.lower(), config.tenant.client_id.lower()
    if claims.tenant_id and claims.tenant_id != tenant:
        checks.append(Check("token", "tid", "FAILED", f"The token is for tenant {claims.tenant_id}, the policy file "
                            f"names {tenant}.", "Set [tenant] tenant_id to the tenant the app is registered in."))
    if claims.delegated:
        checks.append(Check("token", "scp", "NOTE", "A delegated (user) token: what it may do is the signed-in "
                            "user's, not the app's application permissions; nightly runs need an app-only token.",
                            None))
    elif claims.app_id and claims.app_id != app:
        checks.append(Check("token", "appid", "FAILED", f"The token is for app {claims.app_id}, the policy file "
                            f"names {app}.", "Set [tenant] client_id to the app registration the credential "
                            "belongs to (or fix the credential)."))
    if not checks:
        checks.append(Check("token", "tid/appid", "OK", "the token is the configured app's, in the configured "
                            "tenant"))
    return checks
