"""Group membership for every group that holds access or names a role, expanded transitively.

Membership is read once per run (``transitiveMembers`` flattens nesting, facts §2.5) and cached, so
a group granted on a thousand folders costs one call. A group that cannot be read is a gap: access
through it is "not evaluated", never assumed harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from m365_compliance.graph.errors import GraphError
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.model import Principal, PrincipalKind
from m365_compliance.state.inventory_repo import Gap

log = logging.getLogger(__name__)


class DirectoryReader:
    def __init__(self, gateway: GraphGateway) -> None:
        self.gateway = gateway
        self.principals: dict[str, Principal] = {}
        self.members: dict[str, list[str]] = {}
        self.gaps: list[Gap] = []
        self.resolved_roles: dict[str, list[str]] = {}

    async def resolve_role(self, role: str, references: Iterable[str]) -> list[str]:
        """Group ids for a role given by id or mail; an unknown reference is a gap."""
        ids: list[str] = []
        for reference in references:
            try:
                group = await self.gateway.find_group(reference)
            except GraphError as exc:
                self.gaps.append(Gap("directory", f"role {role}", "find group", str(exc), exc.status, exc.hint))
                continue
            if group is None:
                self.gaps.append(Gap("directory", f"role {role}", "find group",
                                     f"No Entra group matches the reference configured for role {role}.",
                                     404, "Check [roles] in the policy file: use the group's object id or mail."))
                continue
            self.principals[group.key] = group
            ids.append(group.id)
            await self.expand(group.id)
        self.resolved_roles[role] = ids
        return ids

    async def expand(self, group_id: str) -> None:
        if group_id in self.members:
            return
        try:
            members = await self.gateway.transitive_members(group_id)
        except GraphError as exc:
            self.gaps.append(Gap("directory", f"group {group_id}", "transitiveMembers", str(exc), exc.status, exc.hint))
            return
        self.members[group_id] = sorted(m.key for m in members)
        for member in members:
            self.principals.setdefault(member.key, member)
        log.debug("group %s has %d transitive members", group_id, len(members))

    async def read_users(self) -> None:
        """Every user (members and guests): the register's contact persons are checked against them."""
        try:
            users = await self.gateway.list_users()
        except GraphError as exc:
            self.gaps.append(Gap("directory", "users", "list users", str(exc), exc.status, exc.hint))
            return
        for user in users:
            self.principals.setdefault(user.key, user)

    async def expand_all(self, grantees: Iterable[Principal]) -> None:
        for grantee in grantees:
            self.principals.setdefault(grantee.key, grantee)
            if grantee.kind is PrincipalKind.GROUP:
                await self.expand(grantee.id)
