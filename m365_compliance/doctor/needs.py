"""What a policy file needs from Entra: Graph application permissions and per-site grants.

One computation serves ``doctor`` (which checks the token and the tenant against it) and
``scripts/setup_entra_app.py`` (which grants exactly it), so the two cannot drift apart. Least
privilege first (facts §9): ``Sites.Selected`` granted on the configured sites only, ``write`` on a
site only when runs execute plans there, ``fullcontrol`` only where they also remove grants (under
Sites.Selected, managing an item's permissions needs full control: docs-contrib
concepts/permissions-selected-overview.md), each further permission only when a feature asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from m365_compliance.config.schema import Config, EmailSink

RunMode = Literal["dry-run", "execute"]
RUN_MODES: tuple[RunMode, ...] = ("dry-run", "execute")
SiteRole = Literal["read", "write", "fullcontrol"]
#: Each role includes the ones before it.
SITE_ROLE_ORDER: tuple[SiteRole, ...] = ("read", "write", "fullcontrol")

SITES_SELECTED = "Sites.Selected"
SITES_FULL_CONTROL = "Sites.FullControl.All"
GROUP_MEMBERS = "GroupMember.Read.All"
USERS = "User.Read.All"
MAIL_SEND = "Mail.Send"
RETENTION_EVENTS = "RecordsManagement.ReadWrite.All"


@dataclass(frozen=True, slots=True)
class PermissionNeed:
    """One application permission a feature of the policy file needs (the least one that serves)."""

    permission: str
    feature: str  # what the tool does with it, for tables and messages
    satisfied_by: tuple[str, ...]  # the permission itself and the broader ones that also serve
    optional: bool = False  # a trade-off the operator chooses (the sharing-change delta), not a requirement

    def met_by(self, roles: frozenset[str]) -> str | None:
        """The role in ``roles`` that satisfies this need, the least one first; None when none does."""
        return next((name for name in self.satisfied_by if name in roles), None)


@dataclass(frozen=True, slots=True)
class SiteGrant:
    """A ``Sites.Selected`` grant the app needs on one site (``POST /sites/{id}/permissions``, facts §9)."""

    site_url: str
    role: SiteRole
    purposes: tuple[str, ...]  # what is read or changed there, from the policy file's keys


def required_permissions(config: Config, mode: RunMode = "dry-run") -> tuple[PermissionNeed, ...]:
    """The application permissions runs of ``mode`` need with this policy file, in setup order."""
    execute = mode == "execute"
    sites = PermissionNeed(
        SITES_SELECTED,
        ("read and change" if execute else "read") + " the recruitment and customer libraries, their items, "
        "permissions and labels, and the agreement register list, on the granted sites only",
        (SITES_SELECTED, "Sites.ReadWrite.All", SITES_FULL_CONTROL) if execute
        else (SITES_SELECTED, "Sites.Read.All", "Sites.ReadWrite.All", SITES_FULL_CONTROL))
    needs = [
        sites,
        PermissionNeed(GROUP_MEMBERS, "expand the role groups and every group holding access (C1, C3)",
                       (GROUP_MEMBERS, "Group.Read.All", "Directory.Read.All")),
        PermissionNeed(USERS, "match the agreement register's contact persons to Entra users and tell guests "
                       "from members (C3)", (USERS, "User.ReadWrite.All", "Directory.Read.All")),
    ]
    if config.inventory.mode != "per-item":
        needs.append(PermissionNeed(
            SITES_FULL_CONTROL, "see permission-only changes in delta (the sharing-change delta), so a night "
            "re-reads only the permissions that changed", (SITES_FULL_CONTROL,),
            optional=config.inventory.mode == "auto"))
    if any(isinstance(sink, EmailSink) for sink in config.alerts.sinks):
        needs.append(PermissionNeed(MAIL_SEND, "send alert e-mail (an [[alerts.sinks]] of type email)", (MAIL_SEND,)))
    if execute and config.retention.event_based:
        needs.append(PermissionNeed(RETENTION_EVENTS, "fire the contract-end retention event when an agreement "
                                    "ends (C5, retention.event_based)", (RETENTION_EVENTS,)))
    return tuple(needs)


def site_grants(config: Config, mode: RunMode = "dry-run") -> tuple[SiteGrant, ...]:
    """The ``Sites.Selected`` grants, one per site: ``write`` where an executed plan changes things,
    ``fullcontrol`` where it also removes offending grants (``remediation.remove_grants``)."""
    def scope_role(control: str) -> SiteRole:
        if mode != "execute":
            return "read"
        return "fullcontrol" if control in config.remediation.remove_grants else "write"

    wanted: list[tuple[str, SiteRole, str]] = [
        (config.recruitment.site_url, scope_role("C1"), f"recruitment library {config.recruitment.library!r}"),
        (config.customers.site_url, scope_role("C3"), f"customer library {config.customers.library!r}"),
    ]
    register = config.register
    if register.source == "list" and register.site_url:
        wanted.append((register.site_url, "read", f"agreement register list {register.list_name!r}"))
    remote = config.state.remote
    if remote is not None:  # state save uploads the store there, in dry runs too
        wanted.append((remote.site_url, "write", f"state store library {remote.library!r}"))
    merged: dict[str, tuple[SiteRole, list[str]]] = {}
    for url, role, purpose in wanted:
        key = url.lower()
        old_role, purposes = merged.get(key, ("read", []))
        merged[key] = (max(old_role, role, key=SITE_ROLE_ORDER.index), [*purposes, purpose])
    urls = {url.lower(): url for url, _, _ in wanted}
    return tuple(SiteGrant(urls[key], role, tuple(purposes)) for key, (role, purposes) in merged.items())
