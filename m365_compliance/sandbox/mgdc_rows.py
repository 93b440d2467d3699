"""Rows of the MGDC Sites, Files and Groups datasets from a sandbox tenant, and the ids all four share.

One row is one JSON object with the documented field names (:mod:`m365_compliance.mgdc.fields`); what
the sandbox does not model is left out rather than made up, as MGDC leaves out what it does not know.
Datetimes stay ``datetime`` (UTC, whole seconds) so the writer can give JSON its ISO text and Parquet a
timestamp. Scope and link ids are not stored by the sandbox: they are derived (uuid5) from the item's
and the grant's ids, so anyone can recompute them (:func:`scope_id`, :func:`link_id`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from m365_compliance.sandbox.http.serialize import identity_set
from m365_compliance.sandbox.model import Drive, Item, Site
from m365_compliance.sandbox.tenant import Tenant

Row = dict[str, Any]

#: Namespace of the derived ids (uuid5); fixed, so the ids are the same in every export of a tenant.
ID_NAMESPACE = uuid.UUID("5f0c3b7e-9d1a-4c55-8e21-6d2a0b4f7c13")
EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
#: Every sandbox site is a team site without a Microsoft 365 group: template STS, id 1.
WEB_TEMPLATE, WEB_TEMPLATE_ID = "STS", 1
OWNERS_GROUP = "3"  # the site group SharePoint names "<site> Owners"


def scope_id(item_guid: str) -> str:
    """The security scope of the item with unique permissions whose UniqueId is ``item_guid``."""
    return str(uuid.uuid5(ID_NAMESPACE, f"scope:{item_guid.lower()}"))


def link_id(grant_id: str) -> str:
    """The ``LinkId`` of the sharing link with sandbox grant id ``grant_id``."""
    return str(uuid.uuid5(ID_NAMESPACE, f"link:{grant_id}"))


def utc(value: datetime) -> datetime:
    """An instant as MGDC writes it: UTC, whole seconds (naive values are taken as UTC)."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.replace(microsecond=0)


@dataclass(frozen=True)
class Snapshot:
    """What every row carries: the tenant and the day of the (full) snapshot."""

    tenant_id: str
    at: datetime  # midnight UTC of the day

    @classmethod
    def of(cls, tenant: Tenant, day: date) -> Snapshot:
        return cls(tenant.tenant_id.lower(), datetime.combine(day, time(0), UTC))

    def stamp(self, row: Row) -> Row:
        row["SnapshotDate"] = self.at
        row["Operation"] = "Full"
        return row


@dataclass(frozen=True)
class SiteIds:
    """A site's collection and root-web GUIDs, from the Graph site id ``{hostname},{collection},{web}``."""

    site: Site
    site_id: str
    web_id: str

    @classmethod
    def of(cls, site: Site) -> SiteIds:
        _, collection, web = site.id.split(",")
        return cls(site, collection.lower(), web.lower())


@dataclass(frozen=True, slots=True)
class Placed:
    """A live item with where it sits: the web-relative path of its folder and its security scope."""

    site: SiteIds
    drive: Drive
    item: Item
    folder: str  # "" for the library root, else e.g. "Dokumenter/Søkere"
    scope_id: str

    @property
    def web_relative_path(self) -> str:
        """The library's URL segment for its root, else the folder's path and the item's name."""
        return self.drive.name if self.item.parent_id is None else f"{self.folder}/{self.item.name}"


def placed_items(tenant: Tenant) -> Iterator[Placed]:
    """Every live item of every library, the root first, each with its scope (the nearest ancestor-or-self
    with unique permissions; a library root always has them). Folders come before what they hold."""
    for site in tenant.sites.values():
        ids = SiteIds.of(site)
        for drive_id in site.drive_ids:
            drive = tenant.drives[drive_id]
            root = drive.items[drive.root_id]
            root_scope = scope_id(root.guid)
            yield Placed(ids, drive, root, "", root_scope)
            stack = [(root, drive.name, root_scope)]
            while stack:
                folder, path, scope = stack.pop()
                for child_id in folder.children or ():
                    child = drive.items[child_id]
                    child_scope = scope_id(child.guid) if child.grants is not None else scope
                    yield Placed(ids, drive, child, path, child_scope)
                    if child.is_folder:
                        stack.append((child, f"{path}/{child.name}", child_scope))


def extension(name: str) -> str | None:
    """The file extension without its period, or None when the name has none."""
    dot = name.rfind(".")
    return (name[dot + 1:] or None) if dot >= 0 else None


# ---------------------------------------------------------------------- Files
def file_rows(tenant: Tenant, snapshot: Snapshot) -> Iterator[Row]:
    """One row per live file (the dataset has no folders)."""
    authors: dict[str, Row] = {}
    for placed in placed_items(tenant):
        if not placed.item.is_folder:
            yield file_row(tenant, placed, snapshot, authors)


def file_row(tenant: Tenant, placed: Placed, snapshot: Snapshot, authors: dict[str, Row] | None = None) -> Row:
    """``authors``: Author/ModifiedBy by principal id, shared by the rows of one export."""
    authors = {} if authors is None else authors
    item, site = placed.item, placed.site
    row: Row = {"ptenant": snapshot.tenant_id, "SiteId": site.site_id, "WebId": site.web_id,
                "ListId": placed.drive.list_id.lower(), "ItemId": item.guid.lower(), "ScopeId": placed.scope_id,
                "SiteUrl": site.site.web_url, "DirName": placed.folder, "FileName": item.name}
    ext = extension(item.name)
    if ext is not None:
        row["Extension"] = ext
    row.update({"WebTemplateId": WEB_TEMPLATE_ID, "ListServerTemplate": "DocumentLibrary", "IsLabelEncrypted": False,
                "MajorVersion": item.version, "MinorVersion": 0, "SensitivityLabelInfo": {},
                "SizeInBytes": item.size, "TimeCreated": utc(item.created), "TimeLastModified": utc(item.modified),
                "Author": _author(tenant, item.created_by, authors),
                "ModifiedBy": _author(tenant, item.modified_by, authors)})
    return snapshot.stamp(row)


def _author(tenant: Tenant, principal_id: str, known: dict[str, Row]) -> Row:
    """``{Email, Name}`` of a user; the name alone for the app, as Graph's ``createdBy`` names it."""
    found = known.get(principal_id)
    if found is None:
        user = identity_set(tenant, principal_id)["user"]
        found = known[principal_id] = {**({"Email": user["email"]} if user.get("email") else {}),
                                       "Name": user["displayName"]}
    return found


# ---------------------------------------------------------------------- Sites
def site_rows(tenant: Tenant, snapshot: Snapshot) -> Iterator[Row]:
    for site in tenant.sites.values():
        yield site_row(tenant, SiteIds.of(site), snapshot)


def site_row(tenant: Tenant, ids: SiteIds, snapshot: Snapshot) -> Row:
    """What a sandbox site is: a live, single-web team site with no group, hub, Teams or archive; its
    storage counts only the latest version of each file (versions and metadata sizes are not modelled)."""
    site = ids.site
    files = [i for d in site.drive_ids for i in tenant.drives[d].items.values() if not i.is_folder]
    last_change = max([site.created, *(i.modified for d in site.drive_ids for i in tenant.drives[d].items.values()),
                       *(row.modified for list_id in site.list_ids for row in tenant.lists[list_id].items.values())])
    binned = [e for e in tenant.recycle_bin.values() if e.drive_id in site.drive_ids]
    binned_size = sum(node.size for e in binned for node in _tombstones(tenant, e.drive_id, e.item_ids)
                      if not node.is_folder)
    row: Row = {
        "ptenant": snapshot.tenant_id, "Id": ids.site_id, "Url": site.web_url, "ArchiveState": "None",
        "RootWeb": {"Id": ids.web_id, "Title": site.display_name, "WebTemplate": WEB_TEMPLATE,
                    "WebTemplateId": WEB_TEMPLATE_ID, "LastItemModifiedDate": utc(last_change)},
        "WebCount": 1,
        "StorageMetrics": {"TotalFileCount": len(files), "TotalFileStreamSize": sum(i.size for i in files)},
        "GroupId": EMPTY_GUID, "IsInRecycleBin": False, "RecycleBinItemCount": len(binned),
        "RecycleBinItemSize": binned_size, "IsTeamsConnectedSite": False, "IsTeamsChannelSite": False,
        "TeamsChannelType": "None", "IsHubSite": False, "HubSiteId": EMPTY_GUID, "IsCommunicationSite": False,
        "IsOneDrive": False, "SiteConnectedToPrivateGroup": False, "SensitivityLabelInfo": {},
        "Owner": site_owner(tenant, site), "SecondaryContact": {}, "ReadLocked": False, "ReadOnly": False,
        "CreatedTime": utc(site.created), "LastContentChange": utc(last_change),
    }
    return snapshot.stamp(row)


def _tombstones(tenant: Tenant, drive_id: str, item_ids: tuple[str, ...]) -> Iterator[Item]:
    tombstones = tenant.drives[drive_id].tombstones
    return (tombstones[i] for i in item_ids if i in tombstones)


def site_owner(tenant: Tenant, site: Site) -> Row:
    """The first member of the site's Owners group, as the site's primary owner; ``{}`` when it has none."""
    owners = site.site_groups.get(OWNERS_GROUP)
    if owners is None or not owners.members:
        return {}
    first = owners.members[0]
    user = tenant.users.get(first)
    if user is not None:
        return {"AadObjectId": user.id, "Email": user.mail, "UPN": user.user_principal_name,
                "Name": user.display_name}
    group = tenant.group(first)
    return {"AadObjectId": group.id, **({"Email": group.mail} if group.mail else {}), "Name": group.display_name}
