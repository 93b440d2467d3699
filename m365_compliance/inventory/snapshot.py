"""The snapshot: an immutable picture of the scopes after an inventory, and effective access over it.

Rules are pure functions of (snapshot, config, now), so everything they need is here: items with
their paths, the permission lists of permission-hierarchy roots, directory principals and transitive
group membership, the raw register rows, and the gaps. Effective access of an item is computed, not
stored: the nearest root's grants, with groups expanded to their members and links to their
audiences, each entry saying how the principal got access.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from datetime import datetime
from typing import Any

from m365_compliance.model import (
    LINK_AUDIENCES,
    MAIL_ID_PREFIX,
    DriveItem,
    Library,
    LinkScope,
    Permission,
    Principal,
    PrincipalKind,
    permission_ref,
)
from m365_compliance.state.inventory_repo import Gap

#: The crawl mode of a library pictured from a Microsoft Graph Data Connect delivery (``inventory --source mgdc``).
MGDC_SOURCE = "mgdc"

#: Kinds a permission may name by address only (a SharePoint claim, an invitation): resolved by the directory.
MAIL_ONLY_KINDS = (PrincipalKind.USER, PrincipalKind.GUEST, PrincipalKind.INVITATION)


@dataclass(frozen=True, slots=True)
class Access:
    """One way one principal reaches one item."""

    principal: Principal
    roles: tuple[str, ...]
    permission_id: str
    source_item_id: str  # the permission root where the grant is defined
    inherited: bool  # True when source_item_id is an ancestor
    via_group: Principal | None = None  # the granted group when access comes through membership
    link_scope: LinkScope | None = None
    expires: datetime | None = None
    has_password: bool | None = None  # a link's hasPassword, as sent (None: not sent)
    prevents_download: bool | None = None  # a link's preventsDownload, as sent
    permission_ref: str = ""  # how findings and plans name the permission (model.permission_ref)

    @property
    def through(self) -> str:
        """How the access arises, for evidence: "direct", "group", "link:anonymous", ..."""
        if self.link_scope is not None:
            return f"link:{self.link_scope.value}"
        if self.via_group is not None:
            return "group"
        if self.principal.kind is PrincipalKind.SITE_GROUP:
            return "site group"
        return "direct"


@dataclass(frozen=True, slots=True)
class Staleness:
    """Why a scope's picture is not the newest inventory's: the run could not read it (a 403, an unreachable
    site, a missing library or folder), so what is known of it dates from ``since``."""

    since: datetime | None  # when the picture in the store was taken; None: never
    reason: str  # the newest run's gap: operation and message, ids only


@dataclass(frozen=True)
class ScopeSnapshot:
    scope: str  # "recruitment" or "customers"
    site_url: str
    library: Library
    base_folder_id: str | None  # the configured folder; None when it was not found
    unit_depth: int
    items: Mapping[str, DriveItem]
    permissions: Mapping[str, tuple[Permission, ...]]  # by permission root id
    unreadable: frozenset[str] = frozenset()  # roots whose permissions could not be read
    _children: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    picture_at: datetime | None = None  # when the inventory that last read this library finished
    stale: Staleness | None = None  # set when the newest inventory could not refresh this scope
    #: Items whose parent chain does not reach the library root: not counted, not evaluated (a gap).
    orphans: frozenset[str] = frozenset()
    #: How the picture was taken: a Graph crawl mode, or "mgdc" (a Data Connect delivery: nothing is acted on).
    source: str = "graph"

    @staticmethod
    def build(scope: str, site_url: str, library: Library, base_folder_id: str | None, unit_depth: int,
              items: Mapping[str, DriveItem], permissions: Mapping[str, tuple[Permission, ...]],
              unreadable: frozenset[str] = frozenset(), *, picture_at: datetime | None = None,
              stale: Staleness | None = None, source: str = "graph") -> ScopeSnapshot:
        children: dict[str, list[str]] = {}
        for item in items.values():
            if item.parent_id is not None:
                children.setdefault(item.parent_id, []).append(item.id)
        frozen = {k: tuple(sorted(v, key=lambda i: items[i].name)) for k, v in children.items()}
        reached = _reachable([i.id for i in items.values() if i.is_root or i.parent_id is None], frozen)
        orphans = frozenset(i for i in items if i not in reached)
        return ScopeSnapshot(scope, site_url, library, base_folder_id, unit_depth, dict(items), dict(permissions),
                             unreadable, frozen, picture_at, stale, orphans, source)

    # ------------------------------------------------------------------ tree
    def children(self, item_id: str) -> tuple[str, ...]:
        return self._children.get(item_id, ())

    def ancestors(self, item: DriveItem) -> Iterator[DriveItem]:
        """Parent, grandparent, … up to the root; stops at a cycle (a hostile answer), which is an orphan."""
        current, seen = item, {item.id}
        while current.parent_id is not None and current.parent_id in self.items and current.parent_id not in seen:
            current = self.items[current.parent_id]
            seen.add(current.id)
            yield current

    def path(self, item: DriveItem) -> str:
        names = [a.name for a in self.ancestors(item) if not a.is_root]
        names.reverse()
        return "/" + "/".join([*names, item.name]) if not item.is_root else "/"

    def in_scope_count(self) -> int:
        """Items below the configured folder, reached from the library root: the population that deletion
        shares are measured against. Items whose chain does not reach the root are never counted."""
        if self.base_folder_id is None or self.base_folder_id in self.orphans:
            return 0
        return sum(1 for _ in self.descendants(self.base_folder_id))

    def descendants(self, item_id: str) -> Iterator[DriveItem]:
        stack = list(reversed(self.children(item_id)))
        while stack:
            current = self.items[stack.pop()]
            yield current
            stack.extend(reversed(self.children(current.id)))

    def units(self) -> list[DriveItem]:
        """The folder units (one per applicant / customer) at ``unit_depth`` below the base folder."""
        if self.base_folder_id is None:
            return []
        level = [self.base_folder_id]
        for _ in range(self.unit_depth):
            level = [c for p in level for c in self.children(p) if self.items[c].is_folder]
        return [self.items[i] for i in level]

    def outside_units(self) -> list[DriveItem]:
        """Files below the base folder that lie in no folder unit (a CV dropped beside the applicant folders)."""
        if self.base_folder_id is None:
            return []
        units = {u.id for u in self.units()}
        found, stack = [], [self.base_folder_id]
        while stack:
            for child in self.children(stack.pop()):
                if child not in units:
                    stack.append(child)
                    if not self.items[child].is_folder:
                        found.append(self.items[child])
        return found

    def unit_of(self, item: DriveItem) -> DriveItem | None:
        units = {u.id for u in self.units()}
        if item.id in units:
            return item
        return next((a for a in self.ancestors(item) if a.id in units), None)

    # ------------------------------------------------------------------ access
    def owns_permissions(self, item: DriveItem) -> bool:
        """Whether the item holds permissions of its own (the library root, or a root of the permission
        hierarchy: a ``shared`` facet under hierarchicalsharing). SharePoint sends no ``inheritedFrom``, so
        this is how a removal is kept off permissions an item only inherits (facts §2.3, §2.4). Where both the
        item's and its parent's lists were read (a per-item crawl), lists that differ also say so: an item that
        inherits lists exactly its parent's grants."""
        if item.is_root or item.is_permission_root_hint:
            return True
        own, parents = self._permission_ids.get(item.id), self._permission_ids.get(item.parent_id or "")
        return own is not None and parents is not None and own != parents

    @cached_property
    def _permission_ids(self) -> dict[str, frozenset[str]]:
        """The ids of each read permission list, made once: ownership and grant sources compare them often."""
        return {item_id: frozenset(p.id for p in perms) for item_id, perms in self.permissions.items()}

    def own_permissions_holder(self, item: DriveItem) -> DriveItem | None:
        """The nearest item (itself first) that holds permissions of its own: where an inherited grant is defined."""
        return next((a for a in (item, *self.ancestors(item)) if self.owns_permissions(a)), None)

    def grant_source(self, root: DriveItem, permission_id: str) -> DriveItem:
        """Where a permission read on ``root`` is defined: the topmost ancestor in an unbroken line whose own
        read list holds the same id. A per-item crawl reads every item's list, and SharePoint lists inherited
        grants there without ``inheritedFrom`` (facts §2.3); attributing them upwards gives the same findings
        as a crawl that reads the permission roots only. An item known to hold its own permissions stops the
        walk: breaking inheritance copies the parent's grants under the same ids, and those copies are its own."""
        source, seen = root, {root.id}
        while not self.owns_permissions(source) and source.parent_id in self.permissions:
            parent = self.items.get(source.parent_id)
            if parent is None or parent.id in seen or permission_id not in self._permission_ids[parent.id]:
                break
            source = parent
            seen.add(parent.id)
        return source

    def permission_root(self, item: DriveItem) -> DriveItem | None:
        """The nearest item (itself first) whose permission list was read, or could not be."""
        if item.id in self.permissions or item.id in self.unreadable:
            return item
        return next((a for a in self.ancestors(item) if a.id in self.permissions or a.id in self.unreadable), None)

    def access_known(self, item: DriveItem) -> bool:
        root = self.permission_root(item)
        return root is not None and root.id not in self.unreadable


def _reachable(roots: list[str], children: Mapping[str, tuple[str, ...]]) -> set[str]:
    seen = set(roots)
    stack = list(roots)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


@dataclass(frozen=True)
class Snapshot:
    run_id: str
    taken_at: datetime
    policy_version: str | None
    scopes: Mapping[str, ScopeSnapshot]
    principals: Mapping[str, Principal]  # by Principal.key
    group_members: Mapping[str, tuple[str, ...]]  # group id -> member keys (transitive)
    roles: Mapping[str, tuple[str, ...]]  # role -> group ids
    register_rows: tuple[Mapping[str, Any], ...]
    gaps: tuple[Gap, ...]
    pseudonym_key: bytes = b""  # the state store's secret: names revealing permission ids (model.permission_ref)

    def with_scopes(self, scopes: Mapping[str, ScopeSnapshot]) -> Snapshot:
        """This snapshot with ``scopes`` in place of its own: the whole picture built from its shared context, or
        the picture one worker of the distributed engine judges (the context and its one scope)."""
        return replace(self, scopes=dict(scopes))

    def effective_access(self, scope: ScopeSnapshot, item: DriveItem) -> list[Access]:
        """Every principal that reaches ``item`` and how; [] when access could not be read (see gaps)."""
        root = scope.permission_root(item)
        if root is None or root.id in scope.unreadable:
            return []
        result: list[Access] = []
        for perm in scope.permissions[root.id]:
            source = scope.grant_source(root, perm.id)
            base = dict(roles=perm.roles, permission_id=perm.id, source_item_id=source.id, inherited=source.id != item.id,
                        link_scope=perm.link_scope, expires=perm.expires, has_password=perm.has_password,
                        prevents_download=perm.prevents_download,
                        permission_ref=permission_ref(perm.id, self.pseudonym_key))
            audience = LINK_AUDIENCES.get(perm.link_scope) if perm.link_scope is not None else None
            if audience is not None and audience not in perm.grantees:
                result.append(Access(audience, **base))  # a stored link that lost its audience entry
            for named in perm.grantees:
                grantee = self.resolved(named)
                result.append(Access(grantee, **base))
                if grantee.kind is PrincipalKind.GROUP:
                    for key in self.group_members.get(grantee.id, ()):
                        member = self.principals.get(key)
                        if member is not None:
                            result.append(Access(member, via_group=grantee, **base))
        return result

    def resolved(self, grantee: Principal) -> Principal:
        """A person as the directory knows them: one named only by address (a claim, an invitation) by that
        address; one named by id (an older identity set says only "user") by that id, so a guest is a guest
        whatever shape named them. Unknown to the directory: as named."""
        if grantee.kind not in MAIL_ONLY_KINDS:
            return grantee
        if not grantee.id.startswith(MAIL_ID_PREFIX):
            return self._people_by_id.get(grantee.id.lower(), grantee)
        return self._by_mail.get(grantee.email.lower(), grantee) if grantee.email else grantee

    @cached_property
    def _people_by_id(self) -> dict[str, Principal]:
        """Directory people by object id; a guest entry wins over a user entry for the same id (only the
        directory's ``userType`` or a guest claim makes a guest, so that entry is the better informed)."""
        people = [p for p in self.principals.values()
                  if p.kind in (PrincipalKind.USER, PrincipalKind.GUEST) and not p.id.startswith(MAIL_ID_PREFIX)]
        people.sort(key=lambda p: p.kind is PrincipalKind.GUEST)
        return {p.id.lower(): p for p in people}

    @cached_property
    def _by_mail(self) -> dict[str, Principal]:
        return {p.email.lower(): p for p in self._people_by_id.values() if p.email}

    def populations(self) -> dict[str, int]:
        """Items below each scope's configured folder: the denominators of ``max_deletion_share``."""
        return {name: s.in_scope_count() for name, s in self.scopes.items()}

    def population(self) -> int:
        return sum(self.populations().values())

    def group_expanded(self, group_id: str) -> bool:
        return group_id in self.group_members

    def role_members(self, role: str) -> frozenset[str]:
        """Principal keys in a role: its groups and all their transitive members."""
        keys: set[str] = set()
        for group_id in self.roles.get(role, ()):
            keys.add(f"{PrincipalKind.GROUP.value}:{group_id}")
            keys.update(self.group_members.get(group_id, ()))
        return frozenset(keys)
