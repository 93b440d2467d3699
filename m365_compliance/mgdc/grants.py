"""MGDC permission rows as the snapshot's :class:`Permission` records: roles, links and who each names.

A Permissions row is one (scope, role, link) with every recipient in ``SharedWith``
(Datasets/data-connect-dataset-sharepointpermissions.md). Graph lists one permission per grantee for direct
grants and one per link, so a direct row becomes one permission per recipient and a link row one permission
naming its recipients. Recipient types, as documented and as the published data spells them: ``Type``
Internal / External / SecurityGroup / SharePoint Group (data: ``SharePointGroup``), ``TypeV2`` InternalUser /
ExternalUser / B2BUser / SecurityGroup / SharePointGroup. Anything else is an unresolved principal, never
dropped: an exposure nobody can name is still an exposure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from m365_compliance.graph.identities import EVERYONE, EVERYONE_EXCEPT_EXTERNAL, by_mail, guest_address, unresolved
from m365_compliance.mgdc.rows import Row, parse_time
from m365_compliance.model import LinkScope, Permission, Principal, PrincipalKind

#: ``RoleDefinition`` values (documented: Read, Contribute, Full Control; the data adds FullControl, Edit,
#: Review, ViewOnly) as Graph's permission roles. A role not listed keeps its own name: still access.
ROLES = {"read": "read", "viewonly": "read", "review": "read", "restrictedview": "read",
         "contribute": "write", "edit": "write", "design": "write",
         "fullcontrol": "owner", "owner": "owner"}
#: ``LinkScope`` values (documented: specific people, anyone; the data: Anyone, Organization, SpecificPeople).
LINK_SCOPES = {"anyone": LinkScope.ANONYMOUS, "organization": LinkScope.ORGANIZATION,
               "specificpeople": LinkScope.USERS, "existingaccess": LinkScope.EXISTING_ACCESS}
_EVERYONE_NAMES = {"everyone except external users": EVERYONE_EXCEPT_EXTERNAL, "everyone": EVERYONE}


def role_of(row: Row) -> str:
    raw = str(row.get("RoleDefinition") or "").replace(" ", "").lower()
    return ROLES.get(raw, raw or "unknown")


def permissions_of(row: Row, site_groups: Mapping[str, str], graph_site_id: str) -> list[Permission]:
    """The permissions one row grants. ``site_groups`` maps a SharePoint group's name to its id on the site
    (from the Groups dataset); ``graph_site_id`` prefixes site-group ids as the Graph crawl writes them."""
    role = role_of(row)
    recipients = [recipient(e, site_groups, graph_site_id) for e in row.get("SharedWith") or []]
    base = f"{row.get('ScopeId')}|{role}"
    if row.get("LinkId") or row.get("LinkScope"):
        scope = LINK_SCOPES.get(str(row.get("LinkScope") or "").replace(" ", "").lower(), LinkScope.UNKNOWN)
        link = str(row.get("LinkId") or "").strip("{}").lower() or \
            hashlib.sha256(f"{base}|{row.get('LinkScope')}".encode()).hexdigest()[:24]
        return [Permission(f"mgdc-link-{link}", (role,), tuple(recipients), link_scope=scope,
                           link_type="view" if role == "read" else "edit",
                           expires=parse_time(row.get("ShareExpirationTime")))]
    if not recipients:  # a role granted to nobody the row names: someone has it, and nobody can say who
        recipients = [unresolved({"row": "no recipients", "role": role})]
    return [Permission(_direct_id(base, p), (role,), (p,)) for p in recipients]


def recipient(entry: Mapping[str, Any], site_groups: Mapping[str, str], graph_site_id: str) -> Principal:
    """One ``SharedWith`` entry as the principal the Graph crawl would name."""
    kind = str(entry.get("TypeV2") or entry.get("Type") or "").replace(" ", "").lower()
    name = str(entry.get("Name") or "")
    object_id = str(entry.get("AadObjectId") or "").strip("{}").lower()
    email = str(entry.get("Email") or entry.get("UPN") or "").lower()
    if kind == "sharepointgroup":
        group_id = site_groups.get(name.lower())
        return Principal(PrincipalKind.SITE_GROUP, f"{graph_site_id}/{group_id if group_id else 'name:' + name}",
                         name)
    if kind == "securitygroup":
        if not object_id and name.lower() in _EVERYONE_NAMES:
            return _EVERYONE_NAMES[name.lower()]
        return Principal(PrincipalKind.GROUP, object_id, name, email or None) if object_id else unresolved(kind)
    if kind in ("internaluser", "internal", "user"):
        if object_id:
            return Principal(PrincipalKind.USER, object_id, name, email or None)
        return by_mail(PrincipalKind.USER, email, name) if email else unresolved(kind)
    if kind in ("externaluser", "b2buser", "external"):
        if object_id:
            return Principal(PrincipalKind.GUEST, object_id, name, email or None)
        if email:  # no directory object: invited by address, an outsider until they accept
            return by_mail(PrincipalKind.INVITATION, guest_address(email) or email, "")
    return unresolved(kind)


def _direct_id(base: str, principal: Principal) -> str:
    """A stable id for one recipient of a direct-grant row: MGDC has no Graph permission ids."""
    return "mgdc-" + hashlib.sha256(f"{base}|{principal.key}".encode()).hexdigest()[:24]
