"""``doctor``: is this app, with this policy file, able to do its job — and if not, what exactly to fix.

``run_doctor(config)`` checks the credential, the token's application roles against what the policy
file needs (``needs``), then probes every configured site, library, list and group and the
inventory mode available, each with one read-only Graph call. ``needs`` is also what
``scripts/setup_entra_app.py`` grants, so setup and check agree.
"""

from m365_compliance.doctor.checks import Check, DoctorReport, Status
from m365_compliance.doctor.needs import (
    RUN_MODES,
    PermissionNeed,
    RunMode,
    SiteGrant,
    required_permissions,
    site_grants,
)
from m365_compliance.doctor.service import run_doctor

__all__ = [
    "RUN_MODES",
    "Check",
    "DoctorReport",
    "PermissionNeed",
    "RunMode",
    "SiteGrant",
    "Status",
    "required_permissions",
    "run_doctor",
    "site_grants",
]
