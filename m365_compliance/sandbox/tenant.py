"""A sandbox tenant's state and the operations that keep it consistent.

This is the "backend" half of the sandbox (as in moto): the HTTP skin in
:mod:`m365_compliance.sandbox.http` reads and changes it, and so can tests and operators while the
server runs (add a sharing link, touch a file, move the clock). Every change is stamped with a
tenant-wide sequence number and appended to its drive's change log, which is what delta serves.

Permission rules live in :mod:`~m365_compliance.sandbox.sharing`, labels, deletion and the recycle
bin in :mod:`~m365_compliance.sandbox.retention`, file bytes and uploads in
:mod:`~m365_compliance.sandbox.content`, applications and their Sites.Selected grants in
:mod:`~m365_compliance.sandbox.site_grants`; this module holds identity, directory, sites,
libraries, lists, items and the change log.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from m365_compliance.sandbox.content import ContentMixin
from m365_compliance.sandbox.errors import SandboxError, not_found
from m365_compliance.sandbox.model import (
    AppAccess,
    Column,
    Drive,
    Grant,
    Group,
    Item,
    ListItem,
    RecycleBinEntry,
    RetentionEvent,
    RetentionLabelDef,
    SentMail,
    Site,
    SiteAppGrant,
    SiteGroup,
    SpList,
    User,
)
from m365_compliance.sandbox.retention import APP_ID, RetentionMixin
from m365_compliance.sandbox.sharing import SharingMixin
from m365_compliance.sandbox.site_grants import SiteGrantsMixin

__all__ = ["APP_ID", "Quirks", "SandboxError", "Tenant", "guess_mime", "not_found"]



@dataclass
class Quirks:
    """Documented real-Graph behaviours the sandbox reproduces by default (see docs/sandbox.md)."""

    shared_changed_files_only: bool = True  # sharedChanged never set on folders (msgraph-sdk-java #2548)
    strip_deleted_without_select: bool = True  # $select without `deleted` drops the facet (atlas #145)
    inherited_from_empty: bool = False  # inherited entries carry "inheritedFrom": {} (devx-api #223, ODB 2020)
    # Delta on a library holding labelled items refused below full control (docs-contrib #693); off by default.
    labelled_delta_needs_full_control: bool = False


@dataclass
class Tenant(SharingMixin, RetentionMixin, ContentMixin, SiteGrantsMixin):
    """All state of one sandbox tenant. Thread-safe through ``lock`` (an RLock)."""

    tenant_id: str = "3f2a3210-0000-4000-8000-000000000321"
    domain: str = "tretoen.onmicrosoft.com"
    sharepoint_host: str = "tretoen.sharepoint.com"
    clock: datetime = field(default_factory=lambda: datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    drives: dict[str, Drive] = field(default_factory=dict)
    lists: dict[str, SpList] = field(default_factory=dict)
    labels: dict[str, RetentionLabelDef] = field(default_factory=dict)
    recycle_bin: dict[str, RecycleBinEntry] = field(default_factory=dict)
    retention_events: list[RetentionEvent] = field(default_factory=list)
    outbox: list[SentMail] = field(default_factory=list)  # mail sent through sendMail, oldest first
    access: AppAccess = field(default_factory=AppAccess)  # the compliance app: least privilege, no site yet
    apps: dict[str, AppAccess] = field(default_factory=dict)  # other applications, by client id
    site_app_grants: dict[str, dict[str, SiteAppGrant]] = field(default_factory=dict)  # site id → grant id → grant
    quirks: Quirks = field(default_factory=Quirks)
    seq: int = 0
    id_seed: str = "321"
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _counter: int = 0

    # ------------------------------------------------------------------ ids, clock
    def new_id(self, kind: str) -> str:
        """A deterministic id: the same build steps give the same ids."""
        self._counter += 1
        digest = hashlib.blake2b(f"{self.id_seed}:{kind}:{self._counter}".encode(), digest_size=16)
        return str(uuid.UUID(bytes=digest.digest()))

    def new_item_id(self) -> str:
        self._counter += 1
        digest = hashlib.blake2b(f"{self.id_seed}:item:{self._counter}".encode(), digest_size=20)
        return "01" + digest.hexdigest()[:32].upper()

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    @property
    def now(self) -> datetime:
        return self.clock

    def advance_clock(self, **delta: float) -> datetime:
        """Move the tenant's clock forward (``days=30``, ``hours=2`` ...)."""
        with self.lock:
            self.clock = self.clock + timedelta(**delta)
            return self.clock

    # ------------------------------------------------------------------ directory
    def add_user(
        self,
        display_name: str,
        mail: str,
        *,
        guest: bool = False,
        user_id: str | None = None,
        job_title: str | None = None,
    ) -> User:
        with self.lock:
            uid = user_id or self.new_id("user")
            if guest:
                upn = f"{mail.replace('@', '_')}#EXT#@{self.domain}"
            else:
                upn = mail
            user = User(uid, display_name, mail, upn, "Guest" if guest else "Member", job_title)
            self.users[uid] = user
            return user

    def add_group(
        self,
        display_name: str,
        mail: str | None = None,
        *,
        members: list[str] | None = None,
        unified: bool = False,
        group_id: str | None = None,
    ) -> Group:
        with self.lock:
            gid = group_id or self.new_id("group")
            group = Group(
                gid,
                display_name,
                mail,
                security_enabled=not unified,
                group_types=("Unified",) if unified else (),
                members=list(members or []),
            )
            self.groups[gid] = group
            return group

    def add_member(self, group_id: str, member_id: str) -> None:
        with self.lock:
            group = self.group(group_id)
            if member_id not in group.members:
                group.members.append(member_id)

    def remove_member(self, group_id: str, member_id: str) -> None:
        with self.lock:
            group = self.group(group_id)
            if member_id in group.members:
                group.members.remove(member_id)

    def user(self, user_id: str) -> User:
        found = self.users.get(user_id)
        if found is None:
            found = next(
                (u for u in self.users.values() if user_id.lower() in (u.user_principal_name.lower(), u.mail.lower())),
                None,
            )
        if found is None:
            raise SandboxError(404, "Request_ResourceNotFound", f"Resource '{user_id}' does not exist or one of its queried reference-property objects are not present.")
        return found

    def group(self, group_id: str) -> Group:
        found = self.groups.get(group_id)
        if found is None:
            raise SandboxError(404, "Request_ResourceNotFound", f"Resource '{group_id}' does not exist or one of its queried reference-property objects are not present.")
        return found

    def transitive_members(self, group_id: str) -> list[str]:
        """Every user and group below ``group_id`` (nested groups expanded, cycles tolerated)."""
        with self.lock:
            seen: dict[str, None] = {}
            stack = list(reversed(self.group(group_id).members))
            while stack:
                member = stack.pop()
                if member in seen or member == group_id:
                    continue
                seen[member] = None
                nested = self.groups.get(member)
                if nested is not None:
                    stack.extend(reversed(nested.members))
            return list(seen)

    # ------------------------------------------------------------------ sites, drives, lists
    def add_site(self, name: str, display_name: str, *, owners: list[str] = (), members: list[str] = (),
                 visitors: list[str] = (), created: datetime | None = None) -> Site:
        """A site with its three default site groups (Owners 3, Members 5, Visitors 4, as in SharePoint)."""
        with self.lock:
            collection = self.new_id("site")
            web = self.new_id("web")
            site_id = f"{self.sharepoint_host},{collection},{web}"
            site = Site(site_id, self.sharepoint_host, f"/sites/{name}", display_name, name, created or self.clock)
            for gid, suffix, who in (("3", "Owners", owners), ("4", "Visitors", visitors), ("5", "Members", members)):
                site.site_groups[gid] = SiteGroup(gid, f"{display_name} {suffix}", list(who))
            self.sites[site_id] = site
            return site

    def site(self, site_id: str) -> Site:
        found = self.sites.get(site_id)
        if found is None:
            raise not_found(site_id)
        return found

    def site_by_path(self, hostname: str, path: str) -> Site:
        wanted = "/" + path.strip("/")
        for site in self.sites.values():
            if site.hostname.lower() == hostname.lower() and site.path.lower() == wanted.lower():
                return site
        raise not_found(f"{hostname}:{wanted}")

    def site_user_id(self, site: Site, user_id: str) -> int:
        """The user's id in the site's User Information List (allocated on first use)."""
        if user_id not in site.site_user_ids:
            site.site_user_ids[user_id] = len(site.site_user_ids) + 7
        return site.site_user_ids[user_id]

    def add_drive(self, site: Site, name: str, *, description: str = "", created: datetime | None = None) -> Drive:
        """A document library; its root carries the site groups' grants (Owners full, Members edit, Visitors read)."""
        with self.lock:
            when = created or self.clock
            drive_id = "b!" + hashlib.blake2b(f"{self.id_seed}:drive:{site.id}:{name}".encode(), digest_size=24).hexdigest()
            lst = SpList(self.new_id("list"), site.id, name, name, template="documentLibrary", created=when)
            drive = Drive(drive_id, site.id, name, "", when, lst.id, description)
            root = Item(
                id=self.new_item_id(), drive_id=drive_id, parent_id=None, name="root", is_folder=True,
                created=when, modified=when, created_by=APP_ID, modified_by=APP_ID, guid=self.new_id("guid"),
                children={},
                grants=[
                    Grant("3", ("owner",), site_group_id="3", created=when),
                    Grant("5", ("write",), site_group_id="5", created=when),
                    Grant("4", ("read",), site_group_id="4", created=when),
                ],
            )
            drive.root_id = root.id
            drive.items[root.id] = root
            self.drives[drive_id] = drive
            self.lists[lst.id] = lst
            site.drive_ids.append(drive_id)
            site.list_ids.append(lst.id)
            self._log(drive, root, "content")
            return drive

    def drive(self, drive_id: str) -> Drive:
        found = self.drives.get(drive_id)
        if found is None:
            raise not_found(drive_id)
        return found

    def add_list(self, site: Site, name: str, columns: list[Column], *, display_name: str | None = None) -> SpList:
        with self.lock:
            lst = SpList(self.new_id("list"), site.id, name, display_name or name, list(columns), created=self.clock)
            self.lists[lst.id] = lst
            site.list_ids.append(lst.id)
            return lst

    def add_list_item(self, lst: SpList, fields: dict[str, object], *, created_by: str = APP_ID) -> ListItem:
        with self.lock:
            item = ListItem(lst.next_item_id, dict(fields), self.clock, self.clock, created_by)
            lst.items[item.id] = item
            lst.next_item_id += 1
            return item

    def update_list_item(self, lst: SpList, item_id: int, fields: dict[str, object]) -> ListItem:
        with self.lock:
            item = lst.items.get(item_id)
            if item is None:
                raise not_found(str(item_id))
            item.fields.update(fields)
            item.modified = self.clock
            item.version += 1
            return item

    def list_by_name(self, site: Site, name: str) -> SpList:
        for list_id in site.list_ids:
            lst = self.lists[list_id]
            if name in (lst.id, lst.name, lst.display_name):
                return lst
        raise not_found(name)

    # ------------------------------------------------------------------ items
    def item(self, drive_id: str, item_id: str) -> Item:
        drive = self.drive(drive_id)
        if item_id == "root":
            item_id = drive.root_id
        found = drive.items.get(item_id)
        if found is None:
            raise not_found(item_id)
        return found

    def _log(self, drive: Drive, item: Item, kind: str) -> None:
        seq = self.next_seq()
        if kind == "sharing":
            item.sharing_seq = seq
        else:
            item.seq = seq
        drive.changelog.append((seq, item.id, kind))

    def _add_item(self, drive: Drive, parent: Item, name: str, *, is_folder: bool, size: int, created: datetime | None,
                  modified: datetime | None, created_by: str | None, mime_type: str | None,
                  fields: dict[str, object] | None, item_id: str | None = None) -> Item:
        if not parent.is_folder:
            raise SandboxError(400, "invalidRequest", "The parent of an item must be a folder.")
        when = created or self.clock
        author = created_by or APP_ID
        item = Item(
            id=item_id or self.new_item_id(), drive_id=drive.id, parent_id=parent.id, name=name, is_folder=is_folder,
            created=when, modified=modified or when, created_by=author, modified_by=author, guid=self.new_id("guid"),
            size=size, mime_type=mime_type, fields=dict(fields) if fields else None, children={} if is_folder else None,
        )
        drive.items[item.id] = item
        assert parent.children is not None
        parent.children[item.id] = None
        self._log(drive, item, "content")
        return item

    def add_folder(self, drive: Drive, parent: Item | None, name: str, *, created: datetime | None = None,
                   created_by: str | None = None, fields: dict[str, object] | None = None) -> Item:
        with self.lock:
            return self._add_item(drive, parent or drive.items[drive.root_id], name, is_folder=True, size=0,
                                  created=created, modified=None, created_by=created_by, mime_type=None, fields=fields)

    def add_file(self, drive: Drive, parent: Item | None, name: str, *, size: int = 1024, created: datetime | None = None,
                 modified: datetime | None = None, created_by: str | None = None, mime_type: str | None = None,
                 fields: dict[str, object] | None = None, content: bytes | None = None) -> Item:
        """A file; ``content`` gives its bytes (and so its size), else they are generated (:meth:`file_content`)."""
        with self.lock:
            item = self._add_item(drive, parent or drive.items[drive.root_id], name, is_folder=False,
                                  size=len(content) if content is not None else size, created=created,
                                  modified=modified, created_by=created_by, mime_type=mime_type or guess_mime(name),
                                  fields=fields)
            item.content = content
            return item

    def touch(self, item: Item, *, by: str | None = None, size: int | None = None) -> Item:
        """A content change: new eTag and cTag, new modified time."""
        with self.lock:
            item.version += 1
            item.content_version += 1
            item.modified = self.clock
            item.modified_by = by or item.modified_by
            if size is not None:
                item.size = size
                item.content = None  # new bytes of the new size, generated from the new cTag
            self._log(self.drive(item.drive_id), item, "content")
            return item

    def rename(self, item: Item, new_name: str) -> Item:
        with self.lock:
            item.name = new_name
            item.version += 1
            item.modified = self.clock
            self._log(self.drive(item.drive_id), item, "content")
            return item

    def move(self, item: Item, new_parent: Item) -> Item:
        with self.lock:
            drive = self.drive(item.drive_id)
            if not new_parent.is_folder or new_parent.drive_id != item.drive_id:
                raise SandboxError(400, "invalidRequest", "Items can only move to a folder in the same drive.")
            if item.id in {a.id for a in self.ancestors(new_parent)} | {new_parent.id}:
                raise SandboxError(400, "invalidRequest", "A folder cannot move into itself.")
            old_parent = drive.items[item.parent_id] if item.parent_id else None
            if old_parent is not None and old_parent.children is not None:
                old_parent.children.pop(item.id, None)
            assert new_parent.children is not None
            new_parent.children[item.id] = None
            item.parent_id = new_parent.id
            item.version += 1
            self._log(drive, item, "content")
            return item

    def set_fields(self, item: Item, values: dict[str, object]) -> Item:
        """Change list-item columns of a driveItem (a metadata change: new eTag, same cTag)."""
        with self.lock:
            item.fields = {**(item.fields or {}), **values}
            item.version += 1
            self._log(self.drive(item.drive_id), item, "content")
            return item

    def ancestors(self, item: Item) -> list[Item]:
        """Parent first, root last."""
        drive = self.drive(item.drive_id)
        chain: list[Item] = []
        current = item
        while current.parent_id is not None:
            current = drive.items[current.parent_id]
            chain.append(current)
        return chain

    def path_of(self, item: Item) -> str:
        """The item's path below the drive root, e.g. ``/Søkere/2026/Ola``."""
        names = [a.name for a in reversed(self.ancestors(item))][1:]
        if item.parent_id is not None:
            names.append(item.name)
        return "/" + "/".join(names)

    def walk(self, drive: Drive, start: Item | None = None) -> Iterator[Item]:
        """Pre-order (parents before children) over live items."""
        stack = [start or drive.items[drive.root_id]]
        while stack:
            current = stack.pop()
            yield current
            if current.children:
                stack.extend(drive.items[c] for c in reversed(current.children))

    # ------------------------------------------------------------------ delta support
    def expire_delta_tokens(self, drive: Drive) -> None:
        """Make every delta token issued so far for ``drive`` answer 410 resyncRequired."""
        with self.lock:
            # Consume a sequence number: a token issued right after this call (seq == floor) stays
            # valid, while every earlier one (seq < floor) does not, even if nothing changed in between.
            drive.token_floor = self.next_seq()

    def changed_since(self, drive: Drive, since: int, upto: int, *, include_sharing: bool) -> list[str]:
        """Ids changed in (since, upto], each once, ordered by its last change (live items and tombstones)."""
        import bisect

        log = drive.changelog
        start = bisect.bisect_right(log, (since, "\uffff", "\uffff"))
        last: dict[str, int] = {}
        for seq, item_id, kind in log[start:]:
            if seq > upto:
                break
            if kind == "sharing" and not include_sharing:
                continue
            last.pop(item_id, None)
            last[item_id] = seq
        return list(last)

    def find_item(self, drive: Drive, item_id: str) -> Item | None:
        """A live item or a tombstone."""
        return drive.items.get(item_id) or drive.tombstones.get(item_id)

_MIME = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".txt": "text/plain",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".msg": "application/vnd.ms-outlook",
}


def guess_mime(name: str) -> str:
    dot = name.rfind(".")
    return _MIME.get(name[dot:].lower(), "application/octet-stream") if dot >= 0 else "application/octet-stream"
