"""Gateway settings from a loaded policy file (the only place the two meet)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from m365_compliance.graph.settings import GatewaySettings

if TYPE_CHECKING:
    from m365_compliance.config.schema import Config


def gateway_settings(config: Config) -> GatewaySettings:
    """Settings for the policy file's tenant. A loopback sandbox has no budget (a benchmark that wants one
    sets ``ru_per_minute`` on these settings), so pacing is off there; real Graph is paced to the app's
    per-minute budget (``GatewaySettings.ru_per_minute``, facts §7.2)."""
    auth = config.auth
    return GatewaySettings(
        graph_url=config.tenant.graph_url,
        tenant_id=config.tenant.tenant_id,
        client_id=config.tenant.client_id,
        auth_method=auth.method,
        scopes=(config.tenant.cloud.scope,) if not config.tenant.is_loopback else (),
        authority_host=config.tenant.cloud.login_url if not config.tenant.is_loopback else None,
        client_secret_env=auth.client_secret_env or GatewaySettings.client_secret_env,
        certificate_path=str(auth.certificate_path) if auth.certificate_path else None,
        certificate_password_env=auth.certificate_password_env,
        managed_identity_client_id=auth.managed_identity_client_id,
        user_agent=config.tenant.user_agent,
        ru_per_minute=None if config.tenant.is_loopback else GatewaySettings.ru_per_minute,
        request_deadline_seconds=config.graph.request_deadline_seconds,
    )
