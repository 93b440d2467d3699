"""Rows of the MGDC Permissions and Groups datasets from a sandbox tenant's grants and site groups.

Permissions has a row per role assignment of a security scope, i.e. of an item with unique permissions
(a library root appears as ItemType ``List``): the direct grants of one role share one row that lists
every grantee, and each sharing link is a row of its own with its ``LinkId`` and ``LinkScope``. Groups
has a row per site group. Field names and values follow the schema pages and their data
(:mod:`m365_compliance.mgdc.fields`); see docs/sandbox.md for the choices where they are silent.
"""

from __future__ import annotations

from collections.abc import Iterator

from m365_compliance.sandbox.http.serialize import list_item_id
from m365_compliance.sandbox.mgdc_principals import Entry, Recipients, shared_with_user
from m365_compliance.sandbox.mgdc_rows import (
    EMPTY_GUID,
    OWNERS_GROUP,
    Placed,
    Row,
    SiteIds,
    Snapshot,
    extension,
    link_id,
    placed_items,
    utc,
)
from m365_compliance.sandbox.model import Grant
from m365_compliance.sandbox.tenant import Tenant

#: Graph's roles as SharePoint's role definitions, spelled as the data spells them (no spaces).
ROLE_DEFINITIONS = {"read": "Read", "write": "Contribute", "owner": "FullControl"}
#: Graph's ``link.scope`` as MGDC's ``LinkScope``; MGDC shows no value for existingAccess links (our choice).
LINK_SCOPES = {"anonymous": "Anyone", "organization": "Organization", "users": "SpecificPeople",
               "existingAccess": "ExistingAccess"}

Grantee = tuple[Entry, frozenset[str] | None]  # an entry and the users it reaches (None: not countable)


def role_definition(role: str) -> str:
    """``read``/``write``/``owner`` as Read/Contribute/FullControl; a SharePoint role name some tenants send
    (``sp.full control``, ``sp.limited access``) in the data's spelling: FullControl, LimitedAccess."""
    known = ROLE_DEFINITIONS.get(role.lower())
    if known is not None:
        return known
    words = role.lower().removeprefix("sp.").split()
    return "".join(word[:1].upper() + word[1:] for word in words) or role


def link_role(grant: Grant) -> str:
    return "Contribute" if grant.link_type == "edit" else "Read"


# ---------------------------------------------------------------------- Permissions
def permission_rows(tenant: Tenant, snapshot: Snapshot) -> Iterator[Row]:
    recipients = Recipients(tenant)
    for placed in placed_items(tenant):
        if placed.item.grants is not None:
            yield from scope_rows(recipients, placed, snapshot)


def scope_rows(recipients: Recipients, placed: Placed, snapshot: Snapshot) -> Iterator[Row]:
    """The rows of one scope: one per role of its direct grants (applications are left out: MGDC documents
    no recipient type for them), then one per sharing link."""
    assert placed.item.grants is not None
    by_role: dict[str, dict[tuple[str, str], Grantee]] = {}
    links: list[Grant] = []
    for grant in placed.item.grants:
        if grant.is_link:
            links.append(grant)
            continue
        found = recipients.grantee(placed.site.site, grant)
        if found is None:
            continue
        entry = found[0]
        key = (entry["Type"], entry.get("AadObjectId") or entry["Name"])
        for role in grant.roles:
            by_role.setdefault(role_definition(role), {}).setdefault(key, found)
    for role, grantees in by_role.items():
        yield _row(placed, snapshot, role, list(grantees.values()))
    for grant in links:
        people = [recipients.tenant.user(u) for u in grant.link_recipients]
        yield _row(placed, snapshot, link_role(grant), [(shared_with_user(u), frozenset({u.id})) for u in people],
                   grant)


def _row(placed: Placed, snapshot: Snapshot, role: str, grantees: list[Grantee], link: Grant | None = None) -> Row:
    item, site = placed.item, placed.site
    is_root = item.parent_id is None
    row: Row = {"ptenant": snapshot.tenant_id, "SiteId": site.site_id, "WebId": site.web_id,
                "ListId": placed.drive.list_id.lower()}
    if not is_root:
        row["ListItemId"] = int(list_item_id(item))
    row["UniqueId"] = item.guid.lower()
    row["ItemType"] = "List" if is_root else "Folder" if item.is_folder else "File"
    row["ItemURL"] = f"{site.site.path.strip('/')}/{placed.web_relative_path}"
    ext = None if item.is_folder else extension(item.name)
    if ext is not None:
        row["FileExtension"] = ext
    row["RoleDefinition"] = role
    if link is not None:
        row["LinkId"] = link_id(link.id)
    row["ScopeId"] = placed.scope_id
    if link is not None:
        row["LinkScope"] = LINK_SCOPES[link.link_scope or ""]
    counts: dict[str, int] = {}
    for entry, _ in grantees:
        counts[entry["Type"]] = counts.get(entry["Type"], 0) + 1
    row["SharedWithCount"] = [{"Type": kind, "Count": count} for kind, count in counts.items()]
    row["SharedWith"] = [entry for entry, _ in grantees]
    total = _total_users(grantees)
    if total:
        row["TotalUserCount"] = total
    if link is not None and link.created is not None:
        row["ShareCreatedTime"] = utc(link.created)
    if link is not None and link.expires is not None:
        row["ShareExpirationTime"] = utc(link.expires)
    return snapshot.stamp(row)


def _total_users(grantees: list[Grantee]) -> int | None:
    """Distinct users the whole permission reaches; None when a grantee's size is unknown (a claim)."""
    users: set[str] = set()
    for _, reached in grantees:
        if reached is None:
            return None
        users |= reached
    return len(users)


# ---------------------------------------------------------------------- Groups
def group_rows(tenant: Tenant, snapshot: Snapshot) -> Iterator[Row]:
    """One row per site group; each is owned by its site's Owners group, as SharePoint sets them up."""
    recipients = Recipients(tenant)
    for site in tenant.sites.values():
        ids = SiteIds.of(site)
        owners = site.site_groups.get(OWNERS_GROUP)
        for site_group in site.site_groups.values():
            owner = {"Type": "SharePointGroup", "Name": owners.display_name, "TypeV2": "SharePointGroup"} \
                if owners is not None else {}
            row: Row = {"ptenant": snapshot.tenant_id, "SiteId": ids.site_id, "GroupId": int(site_group.id),
                        "GroupLinkId": EMPTY_GUID, "GroupType": "SharePointGroup",
                        "DisplayName": site_group.display_name, "Owner": owner,
                        "Members": [recipients.member(m) for m in site_group.members]}
            yield snapshot.stamp(row)
