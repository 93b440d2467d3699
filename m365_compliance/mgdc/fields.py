"""The documented fields of the four MGDC SharePoint datasets, as the official schema pages name them.

Copied from the schema tables in microsoftgraph/dataconnect-solutions (``Datasets/data-connect-dataset-
sharepoint*.md``, the pages https://aka.ms/SharePointDatasets leads to); each dataset names the page and
the commit read. A row may carry fewer fields (MGDC omits what it does not know) but never others, so a
writer checks against this list and a reader knows every name it can meet. Types are the documented ones,
normalised: ``int`` is a 32-bit integer, ``int64`` (and ``long``) a 64-bit one, ``datetime`` an ISO 8601
UTC instant in JSON. Where a page contradicts its own data the data wins, and the field says so.
"""

from __future__ import annotations

from dataclasses import dataclass

SCALARS = ("string", "int", "int64", "boolean", "datetime")
SOURCE_REPO = "microsoftgraph/dataconnect-solutions"


@dataclass(frozen=True)
class Field:
    """One documented field; ``struct`` and ``list`` fields hold ``children`` (a list holds structs)."""

    name: str
    type: str  # one of SCALARS, "struct" or "list"
    children: tuple[Field, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        if self.type not in (*SCALARS, "struct", "list"):
            raise ValueError(f"unknown field type {self.type!r} for {self.name}")
        if (self.type in ("struct", "list")) != bool(self.children):
            raise ValueError(f"{self.name}: only a struct or list has children, and it must have some")

    @property
    def child_names(self) -> frozenset[str]:
        return frozenset(child.name for child in self.children)


@dataclass(frozen=True)
class Dataset:
    """A dataset: its MGDC id (``Office365Table.tableName``), the page that documents it, its fields."""

    id: str
    source: str  # repository path and the commit of the schema table copied here
    fields: tuple[Field, ...]

    @property
    def names(self) -> frozenset[str]:
        """The top-level field names."""
        return frozenset(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _s(name: str, note: str = "") -> Field:
    return Field(name, "string", note=note)


def _struct(name: str, *children: Field) -> Field:
    return Field(name, "struct", children)


def _list(name: str, *children: Field) -> Field:
    return Field(name, "list", children)


def _person(name: str) -> Field:
    return _struct(name, *(_s(child) for child in ("AadObjectId", "Email", "UPN", "Name")))


_SNAPSHOT = Field("SnapshotDate", "datetime", note="midnight UTC of the day the snapshot is of; the date filter")
_OPERATION = _s("Operation", "Full in a full pull; Created, Updated or Deleted in a delta")
_LABEL = _struct("SensitivityLabelInfo", _s("Id"), _s("DisplayName"))

SITES = Dataset("BasicDataSet_v0.SharePointSites_v1",
                f"{SOURCE_REPO}: Datasets/data-connect-dataset-sharepointsites.md @ 74dc722dd853 (2025-04-18)", (
    _s("ptenant"), _s("Id"), _s("Url"), _s("ArchiveState"), _s("SiteArchivedBy"),
    Field("SiteArchivedTime", "datetime"),
    _struct("RootWeb", _s("Id"), _s("Title"), _s("WebTemplate"), Field("WebTemplateId", "int"),
            Field("Configuration", "int"), Field("LastItemModifiedDate", "datetime")),
    Field("WebCount", "int64"), Field("StorageQuota", "int64"), Field("StorageUsed", "int64"),
    _struct("StorageMetrics", *(Field(n, "int64") for n in ("MetadataSize", "TotalFileCount", "TotalFileStreamSize",
                                                            "AdditionalFileStreamSize", "TotalSize"))),
    _s("GroupId"), _s("GeoLocation"), Field("IsInRecycleBin", "boolean"), Field("RecycleBinItemCount", "int64"),
    Field("RecycleBinItemSize", "int64"), Field("SecondStageRecycleBinStorageUsage", "int64"),
    Field("IsTeamsConnectedSite", "boolean"), Field("IsTeamsChannelSite", "boolean"), _s("TeamsChannelType"),
    Field("IsHubSite", "boolean"), _s("HubSiteId"), Field("IsCommunicationSite", "boolean"),
    Field("IsOneDrive", "boolean"), Field("BlockAccessFromUnmanagedDevices", "boolean"),
    Field("BlockDownloadOfAllFilesOnUnmanagedDevices", "boolean"),
    Field("BlockDownloadOfViewableFilesOnUnmanagedDevices", "boolean"), Field("ShareByEmailEnabled", "boolean"),
    Field("ShareByLinkEnabled", "boolean"), Field("IsExternalSharingEnabled", "boolean"),
    Field("SiteConnectedToPrivateGroup", "boolean"), _s("Privacy"), _LABEL, _s("Classification"), _s("IBMode"),
    _s("IBSegments"), _person("Owner"), _person("SecondaryContact"), Field("ReadLocked", "boolean"),
    Field("ReadOnly", "boolean"), Field("CreatedTime", "datetime"), Field("LastSecurityModifiedDate", "datetime"),
    Field("LastUserAccessDate", "datetime"), Field("LastContentChange", "datetime"), _SNAPSHOT, _OPERATION,
))

_SHARER = _struct("ShareCreatedBy", _s("Type"), _s("Name"), _s("Email"), _s("UPN"))

PERMISSIONS = Dataset("BasicDataSet_v0.SharePointPermissions_v1",
                      f"{SOURCE_REPO}: Datasets/data-connect-dataset-sharepointpermissions.md @ df05fa026775 "
                      "(2025-03-17)", (
    _s("ptenant"), _s("SiteId"), _s("WebId"), _s("ListId"), Field("ListItemId", "int64"), _s("UniqueId"),
    _s("ItemType", "SiteAdmin, Web, List, Folder or File (a document library is a List)"), _s("ItemURL"),
    _s("FileExtension"), _s("RoleDefinition", "Read, Contribute, FullControl (no space in the data), Edit, ..."),
    _s("LinkId"), _s("ScopeId"), _s("LinkScope", "Anyone, Organization, SpecificPeople in the data"),
    _list("SharedWithCount", _s("Type"), Field("Count", "int64")),
    _list("SharedWith", _s("Type"), _s("Name"), _s("Email"), _s("AadObjectId"), _s("UPN"), _s("TypeV2"),
          Field("UserCount", "int64"), _s("UserLoginName")),
    Field("TotalUserCount", "int64"), _SHARER, Field("ShareCreatedTime", "datetime"),
    Field("ShareLastModifiedBy", "struct", _SHARER.children), Field("ShareLastModifiedTime", "datetime"),
    Field("ShareExpirationTime", "datetime"), _SNAPSHOT, _OPERATION,
))

_AUTHOR = (_s("Email"), _s("Name"))

FILES = Dataset("BasicDataSet_v0.SharePointFiles_v1",
                f"{SOURCE_REPO}: Datasets/data-connect-dataset-sharepointfiles.md @ cb5a9840783b (2024-09-10)", (
    _s("ptenant"), _s("SiteId"), _s("WebId"), _s("ListId"), _s("ItemId"), _s("ScopeId"), _s("SiteUrl"),
    _s("DirName", "the folder's web-relative path: the library's URL segment, then its folders"), _s("FileName"),
    _s("Extension"), Field("WebTemplateId", "int"), _s("ListServerTemplate"), Field("IsLabelEncrypted", "boolean"),
    Field("MajorVersion", "int"), Field("MinorVersion", "int"), _LABEL, Field("SizeInBytes", "int64"),
    Field("SizeInBytesWithVersions", "int64"), Field("TimeCreated", "datetime"),
    Field("TimeLastModified", "datetime"), _struct("Author", *_AUTHOR), _struct("ModifiedBy", *_AUTHOR), _SNAPSHOT,
    _OPERATION, _s("QuickXorHash"),
))

_MEMBER = (_s("Type"), _s("AadObjectId"), _s("Name"), _s("Email"), _s("TypeV2"), _s("LoginName"), _s("UPN"))

GROUPS = Dataset("BasicDataSet_v0.SharePointGroups_v1",
                 f"{SOURCE_REPO}: Datasets/data-connect-dataset-sharepointgroups.md @ 04302fd4cc47 (2025-03-17)", (
    _s("ptenant"), _s("SiteId"), Field("GroupId", "int64"),
    _s("GroupLinkId", "documented as int64, but every example is a GUID string (all zeros: no sharing link)"),
    _s("GroupType"), _s("DisplayName"), _struct("Owner", *_MEMBER), _list("Members", *_MEMBER), _SNAPSHOT,
    _OPERATION,
))

#: The four datasets by short name, in the order a writer delivers them.
DATASETS: dict[str, Dataset] = {"sites": SITES, "permissions": PERMISSIONS, "files": FILES, "groups": GROUPS}
