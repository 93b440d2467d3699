"""The records a sandbox tenant is made of: directory objects, sites, drives, items, grants, lists.

Plain mutable records with ``__slots__`` (a 1M-item tenant must fit comfortably in memory); the
behaviour that keeps them consistent lives in :mod:`m365_compliance.sandbox.tenant`. Nothing here
knows about HTTP or Graph's JSON shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Sharing-link scopes Graph reports in ``link.scope`` (facts §2.2), broadest first.
LINK_SCOPES = ("anonymous", "organization", "users", "existingAccess")
LINK_TYPES = ("view", "edit")
ROLES = ("read", "write", "owner")
COLUMN_TYPES = ("text", "date", "dateTime", "personMulti", "person", "boolean", "number", "choice")


@dataclass(slots=True)
class User:
    id: str
    display_name: str
    mail: str
    user_principal_name: str
    user_type: str = "Member"  # "Member" or "Guest"
    job_title: str | None = None

    @property
    def is_guest(self) -> bool:
        return self.user_type == "Guest"


@dataclass(slots=True)
class Group:
    id: str
    display_name: str
    mail: str | None
    security_enabled: bool = True
    group_types: tuple[str, ...] = ()  # ("Unified",) for a Microsoft 365 group
    members: list[str] = field(default_factory=list)  # user or group ids


@dataclass(slots=True)
class SiteGroup:
    """A SharePoint site group (Owners/Members/Visitors); Graph v1.0 cannot list its members."""

    id: str  # site-scoped principal id, e.g. "3"
    display_name: str
    members: list[str] = field(default_factory=list)  # user or group ids


@dataclass(slots=True)
class Grant:
    """One Graph ``permission`` on an item: to a user, a group, a site group, or a sharing link."""

    id: str
    roles: tuple[str, ...]
    user_id: str | None = None
    group_id: str | None = None
    site_group_id: str | None = None
    link_scope: str | None = None
    link_type: str | None = None
    link_recipients: tuple[str, ...] = ()  # user ids on a "specific people" link
    expires: datetime | None = None
    created: datetime | None = None
    invitation: str | None = None  # e-mail invited, not yet accepted (no grantedToV2 until then)
    claim: str | None = None  # a SharePoint claim granted directly: see CLAIMS
    application: tuple[str, str] | None = None  # (app id, display name) of an application granted directly
    shape: str = "v2"  # how the answer names the grantee: see GRANT_SHAPES
    has_password: bool = False
    prevents_download: bool = False

    @property
    def is_link(self) -> bool:
        return self.link_scope is not None


#: SharePoint claims a grant may name (siteUser.loginName; the tenant id is appended for the first).
CLAIMS = {"everyone-except-external": ("Everyone except external users", "c:0-.f|rolemanager|spo-grid-all-users/"),
          "everyone": ("Everyone", "c:0(.s|true")}
#: Documented ways one grant can look on the wire (docs-contrib resources/permission.md, sharepointidentityset.md):
#: ``v2`` grantedToV2 / grantedToIdentitiesV2 with user and siteUser; ``siteUserOnly`` only the siteUser (its
#: claim names the person); ``deprecated`` only grantedTo / grantedToIdentities; ``noScope`` a link without
#: ``scope`` (as the docs' own examples print it).
GRANT_SHAPES = ("v2", "siteUserOnly", "deprecated", "noScope")


@dataclass(slots=True)
class RetentionLabelDef:
    """A retention label the tenant knows (Purview label definition)."""

    name: str
    behavior: str = "retain"  # doNotRetain | retain | retainAsRecord | retainAsRegulatoryRecord
    retention_days: int | None = None
    trigger: str = "dateLabeled"  # dateLabeled | dateCreated | dateModified | dateOfEvent
    event_type: str | None = None

    @property
    def blocks_delete(self) -> bool:
        return self.behavior != "doNotRetain"

    @property
    def is_record(self) -> bool:
        return self.behavior in ("retainAsRecord", "retainAsRegulatoryRecord")


@dataclass(slots=True)
class AppliedLabel:
    name: str
    applied_at: datetime
    applied_by: str  # user id or application id
    explicit: bool = True
    record_locked: bool = False


@dataclass(slots=True)
class Item:
    """A driveItem (file or folder) with its list-item columns."""

    id: str
    drive_id: str
    parent_id: str | None
    name: str
    is_folder: bool
    created: datetime
    modified: datetime
    created_by: str
    modified_by: str
    guid: str
    size: int = 0
    version: int = 1  # eTag version: any change to the item
    content_version: int = 1  # cTag version: content changes only
    mime_type: str | None = None
    grants: list[Grant] | None = None  # None = inherits from its parent
    label: AppliedLabel | None = None
    fields: dict[str, Any] | None = None  # custom list-item columns
    children: dict[str, None] | None = None  # ordered child ids of a folder
    seq: int = 0  # change sequence of the last content/metadata change
    sharing_seq: int = 0  # change sequence of the last permission change
    deleted: bool = False
    content: bytes | None = None  # the file's bytes when given; else generated from guid and cTag (Tenant.file_content)
    checked_out_by: str | None = None  # a user id: the file is checked out, so deleting it answers 423

    @property
    def etag(self) -> str:
        return f'"{{{self.guid}}},{self.version}"'

    @property
    def ctag(self) -> str:
        return f'"c:{{{self.guid}}},{self.content_version}"'

    @property
    def has_unique_permissions(self) -> bool:
        return self.grants is not None


@dataclass(slots=True)
class Drive:
    """A document library. ``changelog`` feeds delta: (seq, item id, kind) with kind content|sharing."""

    id: str
    site_id: str
    name: str
    root_id: str
    created: datetime
    list_id: str
    description: str = ""
    items: dict[str, Item] = field(default_factory=dict)
    tombstones: dict[str, Item] = field(default_factory=dict)
    changelog: list[tuple[int, str, str]] = field(default_factory=list)
    token_floor: int = 0  # delta tokens older than this answer 410 resyncRequired


@dataclass(slots=True)
class Column:
    name: str
    display_name: str
    type: str  # one of COLUMN_TYPES


@dataclass(slots=True)
class ListItem:
    id: int
    fields: dict[str, Any]
    created: datetime
    modified: datetime
    created_by: str
    version: int = 1


@dataclass(slots=True)
class SpList:
    id: str
    site_id: str
    name: str
    display_name: str
    columns: list[Column] = field(default_factory=list)
    items: dict[int, ListItem] = field(default_factory=dict)
    template: str = "genericList"  # or documentLibrary
    created: datetime | None = None
    next_item_id: int = 1

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(slots=True)
class Site:
    id: str  # "{hostname},{siteCollectionGuid},{webGuid}"
    hostname: str
    path: str  # server-relative, e.g. "/sites/rekruttering"
    display_name: str
    name: str
    created: datetime
    description: str = ""
    drive_ids: list[str] = field(default_factory=list)
    list_ids: list[str] = field(default_factory=list)
    site_groups: dict[str, SiteGroup] = field(default_factory=dict)
    site_user_ids: dict[str, int] = field(default_factory=dict)  # user id -> User Information List id

    @property
    def web_url(self) -> str:
        return f"https://{self.hostname}{self.path}"


@dataclass(slots=True)
class RecycleBinEntry:
    """A deleted item and its subtree, restorable until purged."""

    id: str
    drive_id: str
    item_id: str
    deleted_at: datetime
    deleted_by: str
    item_ids: tuple[str, ...]


@dataclass(slots=True)
class RetentionEvent:
    id: str
    display_name: str
    event_type_id: str | None
    queries: tuple[tuple[str, str], ...]
    trigger_at: datetime
    created: datetime
    description: str = ""


@dataclass(slots=True)
class SentMail:
    """A message the app sent through ``sendMail``: what the outbox of the operator window shows."""

    from_user: str  # the sender's user id
    subject: str
    content_type: str  # "text" or "html", as Graph's bodyType
    content: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    sent: datetime
    save_to_sent_items: bool = True


#: The compliance app's client id in a sandbox tenant (its principal in labels and deletions).
APP_ID = "00000000-0000-0000-0000-00000000c0de"
#: Roles a Sites.Selected grant can carry (sp-dev-docs understanding-rsc-for-msgraph-and-sharepoint-online.md).
SITE_ROLES = ("read", "write", "manage", "fullcontrol")
#: What a bare tenant's app holds: Sites.Selected with no site granted yet, and the directory reads
#: every policy needs (docs/permissions.md). Sites are reached only through grants.
LEAST_PRIVILEGE = frozenset({"Sites.Selected", "GroupMember.Read.All", "User.Read.All"})
#: Everything at once, tenant-wide: for tests of Graph behaviour that are not about access.
TENANT_WIDE = frozenset({"Sites.FullControl.All", "GroupMember.Read.All", "User.Read.All",
                         "RecordsManagement.ReadWrite.All", "Mail.Send"})


@dataclass(slots=True)
class AppAccess:
    """One Entra application: its consented Graph application permissions and the sites refused to it.

    Its role on a site comes from the tenant's Sites.Selected grants (``Tenant.site_roles``), which
    count only while the app holds ``Sites.Selected`` (permissions-selected-overview.md: consent,
    grant and token are all needed). ``denied_sites`` refuse a site whatever the grants say.
    """

    client_id: str = APP_ID
    display_name: str = "m365-compliance"
    permissions: set[str] = field(default_factory=lambda: set(LEAST_PRIVILEGE))
    denied_sites: set[str] = field(default_factory=set)  # site ids answered with 403

    @classmethod
    def tenant_wide(cls) -> AppAccess:
        """The app with tenant-wide Sites.FullControl.All and every other permission the tool can use."""
        return cls(permissions=set(TENANT_WIDE))

    def has_any(self, *names: str) -> bool:
        return any(n in self.permissions for n in names)


@dataclass(frozen=True, slots=True)
class SiteAppGrant:
    """A Sites.Selected grant: application ``app_id`` has ``roles`` on one site (site-post-permissions.md)."""

    id: str
    site_id: str
    app_id: str
    display_name: str
    roles: tuple[str, ...]
