"""One library's picture from the MGDC Files and Permissions rows: the items, the permission roots, their grants.

The Files dataset holds files only ("one object for every file … stored in a SharePoint document library"), each
with its folder path (``DirName``, web-relative: ``Shared Documents/Rekruttering/2026``) and the security scope
that governs it (``ScopeId``). Folders are therefore made from the paths; a folder with permissions of its own
appears in the Permissions dataset (``ItemType`` Folder, its ``UniqueId``, its ``ItemURL``), and so does the library
(``ItemType`` List). Every file is checked against the scope it says governs it: a file whose ``ScopeId`` is not
its nearest root's becomes a root of its own with that scope's rows, and a scope with no rows at all is an
unreadable root ("not evaluated"), never an empty list of grants.

Ids: a file is its ``ItemId`` (the list item's UniqueId), a folder with its own permissions its ``UniqueId``, any
other folder and the library root a digest of the library and path. They are not Graph driveItem ids; a scope
pictured from MGDC is evaluated and reported, and acted on only after a Graph inventory (the planner says so).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from m365_compliance.mgdc.grants import permissions_of
from m365_compliance.mgdc.rows import Row, parse_time
from m365_compliance.model import DriveItem, Permission


@dataclass(frozen=True)
class LibraryAddress:
    """Where a library lies, as MGDC spells it: the site collection's GUID and server-relative path, and the
    library's web-relative folder (the URL segment, e.g. ``Shared Documents``)."""

    site_guid: str
    site_path: str  # "sites/rekruttering" (no leading or trailing slash)
    folder: str  # "Shared Documents"

    def file_path(self, row: Row) -> str | None:
        """A Files row's folder below the library ("" = the root), or None when the file lies elsewhere."""
        if str(row.get("SiteId") or "").lower() != self.site_guid:
            return None
        return _below(str(row.get("DirName") or "").strip("/"), self.folder)

    def is_web(self, row: Row) -> bool:
        """Whether a Permissions row is of the web the library lies in (not a subsite's, not another site's)."""
        return str(row.get("SiteId") or "").lower() == self.site_guid and \
            str(row.get("ItemURL") or "").strip("/").lower() == self.site_path.lower()

    def item_path(self, row: Row) -> str | None:
        """A Permissions row's item below the library ("" = the library itself), or None."""
        if str(row.get("SiteId") or "").lower() != self.site_guid:
            return None
        return _below(str(row.get("ItemURL") or "").strip("/"), f"{self.site_path}/{self.folder}".strip("/"))


@dataclass
class LibraryPicture:
    """What a library's rows say, built up path by path (:meth:`folder` adds a folder MGDC could not show)."""

    drive_id: str
    address: LibraryAddress
    site_groups: Mapping[str, str]
    graph_site_id: str
    items: dict[str, DriveItem] = field(default_factory=dict)
    permissions: dict[str, tuple[Permission, ...]] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)  # roots whose scope has no rows
    #: Paths are keyed in lower case: SharePoint's are not case-sensitive, and rows may spell one folder two ways.
    by_path: dict[str, str] = field(default_factory=dict)  # folder path below the library -> item id
    own_rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))  # folder/file path -> rows
    folder_ids: dict[str, str] = field(default_factory=dict)  # folder path -> its UniqueId, where rows give one
    scope_of: dict[str, str] = field(default_factory=dict)  # root id -> its ScopeId

    def folder(self, path: str) -> str:
        """The id of the folder at ``path`` ("" = the root), creating it and its ancestors from the path."""
        key = path.lower()
        if key in self.by_path:
            return self.by_path[key]
        parent_path, _, name = path.rpartition("/")
        parent = self.folder(parent_path)
        item_id = self.folder_ids.get(key) or _folder_id(self.address, key)
        is_root = key in self.own_rows
        self.items[item_id] = DriveItem(item_id, self.drive_id, name, parent, True,
                                        shared_scope="" if is_root else None)
        self.by_path[key] = item_id
        if is_root:
            self.add_root(item_id, self.own_rows[key])
        return item_id

    def place(self, path: str, known: DriveItem, *, with_fields: bool) -> None:
        """The folder at ``path`` with what Graph knows of it (its name as spelt, dates, authors, the units'
        columns), created when MGDC could not show it (a folder holding no file)."""
        item_id = self.folder(path)
        item = self.items[item_id]
        self.items[item_id] = dataclasses.replace(
            item, name=known.name, created=known.created, modified=known.modified, created_by=known.created_by,
            modified_by=known.modified_by, fields=known.fields if with_fields else item.fields)

    def add_root(self, item_id: str, rows: list[Row]) -> None:
        self.scope_of[item_id] = _scope(rows)
        if not rows:
            self.unreadable.add(item_id)
            return
        perms: dict[str, Permission] = {}
        for row in rows:
            for perm in permissions_of(row, self.site_groups, self.graph_site_id):
                same = perms.setdefault(perm.id, perm)
                if same != perm:  # one link id on two rows that say different things: both kept, neither lost
                    perms[f"{perm.id}-{len(perms)}"] = dataclasses.replace(perm, id=f"{perm.id}-{len(perms)}")
        self.permissions[item_id] = tuple(sorted(perms.values(), key=lambda p: p.id))

    def nearest_scope(self, item_id: str | None) -> str:
        while item_id is not None:
            if item_id in self.scope_of:
                return self.scope_of[item_id]
            item_id = self.items[item_id].parent_id
        return ""


def build_picture(drive_id: str, address: LibraryAddress, files: Iterable[Row], permission_rows: Iterable[Row],
                  site_groups: Mapping[str, str], graph_site_id: str) -> LibraryPicture:
    picture = LibraryPicture(drive_id, address, site_groups, graph_site_id)
    by_scope: dict[str, list[Row]] = defaultdict(list)
    list_rows: list[Row] = []
    web_rows: list[Row] = []
    for row in permission_rows:
        by_scope[str(row.get("ScopeId") or "").lower()].append(row)
        kind = str(row.get("ItemType") or "").lower()
        if kind in ("web", "site") and address.is_web(row):
            web_rows.append(row)
        path = address.item_path(row)
        if path is None:
            continue
        if path == "" and kind == "list":
            list_rows.append(row)
        elif kind in ("folder", "file") and path:
            picture.own_rows[path.lower()].append(row)
            if kind == "folder" and row.get("UniqueId"):
                picture.folder_ids[path.lower()] = str(row["UniqueId"]).lower()
    root = DriveItem(_folder_id(address, ""), drive_id, "root", None, True, is_root=True, shared_scope="")
    picture.items[root.id] = root
    picture.by_path[""] = root.id
    picture.add_root(root.id, list_rows or web_rows)
    for key, rows in sorted(picture.own_rows.items()):
        if str(rows[0].get("ItemType") or "").lower() == "folder":
            picture.folder(address.item_path(rows[0]) or key)  # spelt as the row spells it
    placed: set[str] = set()
    in_order = sorted(((address.file_path(r), r) for r in files), key=lambda pr: (pr[0] or "", pr[1]["FileName"]))
    for folder, row in in_order:
        if folder is None:
            continue
        path = f"{folder}/{row['FileName']}".strip("/")
        _add_file(picture, str(row["ItemId"]).lower(), path, str(row.get("ScopeId") or "").lower(), by_scope, row)
        placed.add(path.lower())
    for key, rows in sorted(picture.own_rows.items()):
        if key not in placed and str(rows[0].get("ItemType") or "").lower() == "file":
            # Permissions name a file the Files rows do not hold (a row lost, a delta out of step): its grants still
            # reach whoever they name, so the file is pictured from them.
            unique = str(rows[0].get("UniqueId") or "").lower() or _folder_id(address, key)
            _add_file(picture, unique, address.item_path(rows[0]) or key, _scope(rows), by_scope, {})
    return picture


def _add_file(picture: LibraryPicture, item_id: str, path: str, scope: str, by_scope: Mapping[str, list[Row]],
              row: Row) -> None:
    """A file at ``path``: a root of its own when rows name it or its scope is not its folder's."""
    folder, _, name = path.rpartition("/")
    parent = picture.folder(folder)
    is_root = path.lower() in picture.own_rows or (scope != "" and scope != picture.nearest_scope(parent))
    picture.items[item_id] = DriveItem(
        item_id, picture.drive_id, name, parent, False, size=int(row.get("SizeInBytes") or 0),
        created=parse_time(row.get("TimeCreated")), modified=parse_time(row.get("TimeLastModified")),
        shared_scope="" if is_root else None)
    if is_root:
        picture.add_root(item_id, picture.own_rows.get(path.lower()) or list(by_scope.get(scope, [])))


def place_units(picture: LibraryPicture, units: Mapping[str, DriveItem], folder: str, unit_depth: int) -> None:
    """The folders Graph listed (path → folder) placed in the picture; the units' columns kept at the unit level."""
    depth = len([p for p in folder.split("/") if p]) + unit_depth
    for path, known in sorted(units.items()):
        picture.place(path, known, with_fields=len(path.split("/")) == depth)


def _scope(rows: list[Row]) -> str:
    return str(rows[0].get("ScopeId") or "").lower() if rows else ""


def _folder_id(address: LibraryAddress, path: str) -> str:
    digest = hashlib.sha256(f"{address.site_guid}|{address.folder}|{path}".encode()).hexdigest()[:32]
    return f"mgdc-{digest}"


def _below(path: str, prefix: str) -> str | None:
    if path.lower() == prefix.lower():
        return ""
    if path.lower().startswith(prefix.lower() + "/"):
        return path[len(prefix) + 1:]
    return None
