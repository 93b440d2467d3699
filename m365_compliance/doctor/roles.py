"""The token's application roles against what the policy file needs (``needs``), and what is too much.

Only possible with a JWT app-only token; the probes check reachability either way. A role that no
need asks for is reported as a NOTE: least privilege means removing it, not keeping it "just in case".
"""

from __future__ import annotations

from m365_compliance.config.schema import Config
from m365_compliance.doctor.checks import Check
from m365_compliance.doctor.inventory_mode import PER_ITEM_TRADE_OFF
from m365_compliance.doctor.needs import SITES_SELECTED, PermissionNeed
from m365_compliance.doctor.remedies import permission_fix


def role_checks(config: Config, needs: tuple[PermissionNeed, ...], roles: frozenset[str]) -> list[Check]:
    checks = [_need_check(config, need, roles) for need in needs]
    wanted = {name for need in needs for name in need.satisfied_by[:1]}
    used = {need.met_by(roles) for need in needs} - {None}
    extra = sorted(roles - wanted - used)
    if extra:
        checks.append(Check("permission", ", ".join(extra), "NOTE", "The app holds application permissions this "
                            "policy file does not need.", "Remove them from the app (API permissions → remove "
                            "permission) unless another tool uses this app registration."))
    return checks


def _need_check(config: Config, need: PermissionNeed, roles: frozenset[str]) -> Check:
    met = need.met_by(roles)
    if met == need.permission:
        detail = f"held: {need.feature}"
        if need.permission == SITES_SELECTED:
            detail += " (each site's grant is probed below)"
        return Check("permission", need.permission, "OK", detail)
    if met is not None:
        return Check("permission", need.permission, "OK", f"served by the broader {met}: {need.feature}",
                     None)
    fix = permission_fix(need.permission, config.tenant.client_id)
    if need.optional:
        return Check("permission", need.permission, "NOTE", f"not held (optional): {need.feature}. Without it "
                     f"{PER_ITEM_TRADE_OFF}", fix)
    return Check("permission", need.permission, "MISSING", f"not held, needed to {need.feature}", fix)
