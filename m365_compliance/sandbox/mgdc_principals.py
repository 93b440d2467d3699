"""Sandbox principals as MGDC names them: ``SharedWith`` entries (Permissions) and ``Members`` (Groups).

The types follow the schema pages and the data they show (``Type`` Internal, External, SecurityGroup,
SharePointGroup — no space — and ``TypeV2``). A guest is a directory object (an Entra B2B user with an
``#EXT#`` UPN), so its ``TypeV2`` is B2BUser; a pending invitation is only an e-mail, an ExternalUser.
``UserCount`` is 1 for a person and the users a group holds (nested groups included); it is left out for
an empty group and for the "Everyone" claims, whose size MGDC does not give.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from m365_compliance.sandbox.model import CLAIMS, Grant, Group, Site, User
from m365_compliance.sandbox.tenant import Tenant

Entry = dict[str, Any]


class Recipients:
    """Builds the entries for one tenant, with each group's user set worked out once."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self._group_users: dict[str, frozenset[str]] = {}

    # ------------------------------------------------------------------ who a grant names
    def grantee(self, site: Site, grant: Grant) -> tuple[Entry, frozenset[str] | None] | None:
        """The ``SharedWith`` entry of a direct grant and the users it reaches (None: not countable), or None
        for an application, for which MGDC documents no recipient type."""
        if grant.user_id is not None:
            user = self.tenant.user(grant.user_id)
            return shared_with_user(user), frozenset({user.id})
        if grant.group_id is not None:
            group = self.tenant.group(grant.group_id)
            users = self.group_users(group.id)
            return _with_count(_group(group), users), users
        if grant.site_group_id is not None:
            return self.site_group(site, grant.site_group_id)
        if grant.invitation is not None:
            return ({"Type": "External", "Name": grant.invitation, "Email": grant.invitation,
                     "TypeV2": "ExternalUser", "UserCount": 1}, frozenset({"invitation:" + grant.invitation.lower()}))
        if grant.claim is not None:
            return {"Type": "SecurityGroup", "Name": CLAIMS[grant.claim][0], "TypeV2": "SecurityGroup"}, None
        return None

    def site_group(self, site: Site, site_group_id: str) -> tuple[Entry, frozenset[str]]:
        site_group = site.site_groups.get(site_group_id)
        name = site_group.display_name if site_group else site_group_id
        users = self.users_of(site_group.members) if site_group else frozenset()
        return _with_count({"Type": "SharePointGroup", "Name": name, "TypeV2": "SharePointGroup"}, users), users

    # ------------------------------------------------------------------ Groups dataset members
    def member(self, principal_id: str) -> Entry:
        """A site group member as the Groups dataset lists it (``Type`` User or SecurityGroup, no count)."""
        user = self.tenant.users.get(principal_id)
        if user is not None:
            entry = shared_with_user(user)
            del entry["UserCount"]
            return {**entry, "Type": "User"}
        return _group(self.tenant.group(principal_id))

    # ------------------------------------------------------------------ user counts
    def group_users(self, group_id: str) -> frozenset[str]:
        found = self._group_users.get(group_id)
        if found is None:
            found = frozenset(m for m in self.tenant.transitive_members(group_id) if m in self.tenant.users)
            self._group_users[group_id] = found
        return found

    def users_of(self, principal_ids: Iterable[str]) -> frozenset[str]:
        """The users among ``principal_ids`` and in the groups among them, nested groups included."""
        users: set[str] = set()
        for principal in principal_ids:
            if principal in self.tenant.users:
                users.add(principal)
            else:
                users |= self.group_users(principal)
        return frozenset(users)


def shared_with_user(user: User) -> Entry:
    """A person of the directory: a member is Internal/InternalUser, a guest External/B2BUser."""
    return {"Type": "External" if user.is_guest else "Internal", "Name": user.display_name, "Email": user.mail,
            "AadObjectId": user.id, "UPN": user.user_principal_name,
            "TypeV2": "B2BUser" if user.is_guest else "InternalUser", "UserCount": 1}


def _group(group: Group) -> Entry:
    """An Entra group (security or Microsoft 365): MGDC calls both SecurityGroup."""
    entry: Entry = {"Type": "SecurityGroup", "Name": group.display_name}
    if group.mail:
        entry["Email"] = group.mail
    entry["AadObjectId"] = group.id
    entry["TypeV2"] = "SecurityGroup"
    return entry


def _with_count(entry: Entry, users: frozenset[str]) -> Entry:
    if users:
        entry["UserCount"] = len(users)
    return entry
