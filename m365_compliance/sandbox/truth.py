"""Ground truth from the tenant's own state: who reaches each item, and why.

Tests compare an inventory with this. Principals are keyed as the inventory keys them
(``user:<id>``, ``guest:<id>``, ``group:<id>``, ``siteGroup:<site id>/<id>``, ``anyone:anyone``,
``organization:organization``). Groups are expanded transitively (nested groups included, through
:meth:`Tenant.transitive_members`); links yield their audience. Site groups are left unexpanded by
default, because Graph v1.0 cannot list their members (facts §2.5) and so no inventory can; pass
``expand_site_groups=True`` for the full answer the tenant alone knows.

One pass per drive, top-down: an inheriting item reuses its parent's answer, so a 1M-item tenant
costs one expansion per permission root, not one ancestor walk per item.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from m365_compliance.sandbox.model import Grant, Item
from m365_compliance.sandbox.tenant import Tenant

ANYONE = "anyone:anyone"
ORGANIZATION = "organization:organization"


@dataclass(frozen=True, slots=True)
class Access:
    """One principal's way in to an item."""

    principal: str  # a key as in the module docstring
    via: str  # "direct" (a user grant), "group", "siteGroup" or "link"
    grant_id: str
    granted_on: str  # the item carrying the grant: the item itself, or the ancestor it inherits from
    through: str | None = None  # the granted group / site group key a member reaches the item through
    expired: bool = False  # a grant or link whose expiry is before the tenant clock

    def inherited(self, item_id: str) -> bool:
        return self.granted_on != item_id


def effective_principals(tenant: Tenant, drive_id: str, *, expand_site_groups: bool = False) -> dict[str, set[str]]:
    """Item id → the keys of everyone who reaches it (expired links included, as Graph still lists them)."""
    return {item.id: {a.principal for a in accesses}
            for item, accesses in _walk(tenant, drive_id, expand_site_groups)}


def effective_access(tenant: Tenant, drive_id: str, *, expand_site_groups: bool = True) -> dict[str, tuple[Access, ...]]:
    """Item id → every :class:`Access` to it, with the grant and the group it comes through."""
    return {item.id: accesses for item, accesses in _walk(tenant, drive_id, expand_site_groups)}


def explain(tenant: Tenant, item: Item, *, expand_site_groups: bool = True) -> tuple[Access, ...]:
    """Every :class:`Access` to one item (walks its ancestors: for a few items, not for a whole drive)."""
    resolver = _Resolver(tenant, tenant.drive(item.drive_id).site_id, expand_site_groups)
    return resolver.accesses(tenant.permission_root(item))


def user_key(tenant: Tenant, user_id: str) -> str:
    return f"{'guest' if tenant.users[user_id].is_guest else 'user'}:{user_id}"


def _walk(tenant: Tenant, drive_id: str, expand_site_groups: bool) -> Iterator[tuple[Item, tuple[Access, ...]]]:
    drive = tenant.drive(drive_id)
    resolver = _Resolver(tenant, drive.site_id, expand_site_groups)
    stack: list[tuple[Item, tuple[Access, ...]]] = [(drive.items[drive.root_id], ())]
    while stack:
        item, inherited = stack.pop()
        accesses = resolver.accesses(item) if item.grants is not None else inherited
        yield item, accesses
        if item.children:
            stack.extend((drive.items[c], accesses) for c in reversed(item.children))


class _Resolver:
    """Turns grants into accesses, expanding each group once per drive."""

    def __init__(self, tenant: Tenant, site_id: str, expand_site_groups: bool) -> None:
        self.tenant = tenant
        self.site = tenant.site(site_id)
        self.expand_site_groups = expand_site_groups
        self._members: dict[str, tuple[str, ...]] = {}

    def accesses(self, root: Item) -> tuple[Access, ...]:
        found: dict[tuple[str, str], Access] = {}
        for grant in root.grants or []:
            for access in self._grant(grant, root.id):
                found.setdefault((access.principal, access.grant_id), access)
        return tuple(found.values())

    def _grant(self, grant: Grant, on: str) -> Iterator[Access]:
        expired = grant.expires is not None and grant.expires <= self.tenant.clock
        if grant.is_link:
            if grant.link_scope == "anonymous":
                yield Access(ANYONE, "link", grant.id, on, "anonymous", expired)
            elif grant.link_scope == "organization":
                yield Access(ORGANIZATION, "link", grant.id, on, "organization", expired)
            for user_id in grant.link_recipients:
                yield Access(user_key(self.tenant, user_id), "link", grant.id, on, grant.link_scope, expired)
        elif grant.user_id:
            yield Access(user_key(self.tenant, grant.user_id), "direct", grant.id, on, None, expired)
        elif grant.group_id:
            key = f"group:{grant.group_id}"
            yield Access(key, "group", grant.id, on, key, expired)
            for member in self._expand(grant.group_id):
                yield Access(member, "group", grant.id, on, key, expired)
        elif grant.site_group_id:
            key = f"siteGroup:{self.site.id}/{grant.site_group_id}"
            yield Access(key, "siteGroup", grant.id, on, key, expired)
            if self.expand_site_groups:
                for member in self._site_group_members(grant.site_group_id):
                    yield Access(member, "siteGroup", grant.id, on, key, expired)

    def _expand(self, group_id: str) -> tuple[str, ...]:
        if group_id not in self._members:
            self._members[group_id] = tuple(self._key(m) for m in self.tenant.transitive_members(group_id))
        return self._members[group_id]

    def _site_group_members(self, site_group_id: str) -> Iterator[str]:
        site_group = self.site.site_groups.get(site_group_id)
        for member in site_group.members if site_group else ():
            yield self._key(member)
            if member in self.tenant.groups:
                yield from self._expand(member)

    def _key(self, principal_id: str) -> str:
        return f"group:{principal_id}" if principal_id in self.tenant.groups else user_key(self.tenant, principal_id)
