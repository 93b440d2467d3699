"""``run_doctor``: credential → token roles → one probe per configured thing → inventory mode.

Read-only and cheap (a few dozen requests, one page each), so it can run before every nightly
job; with ``--mode execute`` the roles that changes need are asked with requests a precondition
refuses, so nothing changes then either. It never stops at the first problem: every check runs that still can, so one run lists every
fix. Only a token Graph refuses (401) stops the probes, since every later one would fail the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from azure.core.credentials import TokenCredential

from m365_compliance.config.schema import Config
from m365_compliance.doctor.checks import Check, DoctorReport
from m365_compliance.doctor.credential import (
    acquire_token,
    claims_checks,
    credential_fix,
)
from m365_compliance.doctor.inventory_mode import PER_ITEM_MODE, mode_check, probe_mode
from m365_compliance.doctor.needs import RunMode, required_permissions, site_grants
from m365_compliance.doctor.probes import GraphRefusedToken, Probes
from m365_compliance.doctor.remedies import site_role_fix
from m365_compliance.doctor.roles import role_checks
from m365_compliance.graph.configured import gateway_settings
from m365_compliance.graph.errors import GraphError, PermissionDenied, Unreachable
from m365_compliance.graph.gateway import GraphGateway


async def run_doctor(config: Config, *, mode: RunMode = "dry-run", credential: TokenCredential | None = None,
                     environ: Mapping[str, str] | None = None,
                     transport: httpx.AsyncBaseTransport | None = None) -> DoctorReport:
    """Check what runs of ``mode`` need; ``credential``/``transport`` exist for tests (as for the gateway)."""
    settings = gateway_settings(config)
    needs = required_permissions(config, mode)
    credential, token = await acquire_token(config, settings, credential, environ)
    checks: list[Check] = [token.check]

    def report(inventory_mode: str | None = None) -> DoctorReport:
        return DoctorReport(config.policy_version, config.auth.method, mode, tuple(checks),
                            roles=token.claims.roles if token.claims is not None and not token.claims.delegated
                            else None, inventory_mode=inventory_mode)

    if credential is None or token.token is None:
        return report()
    checks.extend(claims_checks(config, token.claims))
    if token.claims is not None and not token.claims.delegated:
        checks.extend(role_checks(config, needs, token.claims.roles))
    grants = {grant.site_url.lower(): grant for grant in site_grants(config, mode)}
    async with GraphGateway(settings, credential=credential, transport=transport) as gateway:
        probes = Probes(gateway, config, grants)
        try:
            inventory_mode = await _probe_everything(probes)
        except GraphRefusedToken as refused:
            checks.extend(probes.checks)
            checks.append(Check("credential", f"auth.method = {config.auth.method}", "FAILED",
                                f"Graph refused the token: {refused.error.message}", credential_fix(config)))
            return report()
        except Unreachable as gone:  # nothing else can be probed: one check, at once, naming the address
            checks.extend(probes.checks)
            checks.append(Check("graph", settings.graph_url, "FAILED", gone.message, gone.hint))
            return report()
    checks.extend(probes.checks)
    return report(inventory_mode)


async def _probe_everything(probes: Probes) -> str | None:
    config = probes.config
    rec, cus = config.recruitment, config.customers
    rec_columns = tuple((key, name) for key, name in (
        ("recruitment.application_date_column", rec.application_date_column),
        ("recruitment.hired_column", rec.hired_column)) if name)
    await probes.scope("recruitment", rec.site_url, rec.library, rec_columns)
    await probes.scope("customers", cus.site_url, cus.library, ())
    await probes.site_role("recruitment", rec.site_url)
    await probes.site_role("customers", cus.site_url)
    await probes.register()
    await probes.roles()
    await probes.users()
    modes = []
    site_urls = {"recruitment": rec.site_url, "customers": cus.site_url}
    for scope, library in probes.libraries.items():
        try:
            found = await probe_mode(probes.gateway, library)
        except PermissionDenied as exc:  # the site and library were read: the grant is there, its role is short
            probes.checks.append(Check("inventory", f"{scope} library delta", "MISSING", f"Graph answered 403 "
                                       f"({exc.code}) to the library's delta although the site and library could "
                                       "be read; a library holding retention-labelled items can need `fullcontrol` "
                                       "for delta (microsoft-graph-docs-contrib #693)",
                                       site_role_fix(site_urls[scope], "fullcontrol", "Sites.FullControl.All")))
            continue
        except GraphError as exc:
            probes.record_failure("inventory", f"{scope} library delta", exc, site_urls[scope], missing_fix=exc.hint)
            continue
        probes.checks.append(mode_check(config, scope, found))
        modes.append(found)
    if not modes:
        return None
    return modes[0] if len(set(modes)) == 1 else PER_ITEM_MODE
