"""Who a permission names: every shape of identity set SharePoint sends, never one dropped.

A permission's grantee arrives as ``grantedToV2`` / ``grantedToIdentitiesV2`` (sharePointIdentitySet:
``user``, ``group``, ``application``, ``device``, ``siteUser``, ``siteGroup``, ``sharePointGroup``;
docs-contrib resources/sharepointidentityset.md), as the deprecated ``grantedTo`` /
``grantedToIdentities`` (identitySet: ``user``, ``group``, ``application``, ``device``;
resources/identityset.md), or not at all while an invitation is pending (``invitation.email``;
resources/sharinginvitation.md). SharePoint also names principals only by their claim in
``siteUser.loginName`` — ``i:0#.f|membership|<upn>`` for a person, ``c:0-.f|rolemanager|spo-grid-all-users/…``
for "Everyone except external users", ``c:0(.s|true`` for "Everyone", ``c:0o.c|federateddirectoryclaimprovider|<id>``
for a Microsoft 365 group, ``c:0t.c|tenant|<id>`` for a security group. What none of these explains is an
*unresolved* principal: a finding of its own, never an empty grantee list (an exposure silently missed).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from m365_compliance.model import MAIL_ID_PREFIX, Principal, PrincipalKind

Json = Mapping[str, Any]

EVERYONE_EXCEPT_EXTERNAL = Principal(PrincipalKind.EVERYONE, "everyone-except-external",
                                     "Everyone except external users")
EVERYONE = Principal(PrincipalKind.EVERYONE, "everyone", "Everyone (guests included)")
_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_CLAIMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^i:0#\.f\|membership\|(?P<upn>[^|]+)$", re.I), "person"),
    (re.compile(r"^c:0-\.f\|rolemanager\|spo-grid-all-users(/.*)?$", re.I), "everyone-except-external"),
    (re.compile(r"^c:0\(\.s\|true$", re.I), "everyone"),
    (re.compile(rf"^c:0o\.c\|federateddirectoryclaimprovider\|(?P<id>{_GUID})(_o)?$", re.I), "group"),
    (re.compile(rf"^c:0t\.c\|tenant\|(?P<id>{_GUID})$", re.I), "group"),
)


def identity_set(identities: Any, site_id: str | None) -> list[Principal]:
    """The principal(s) of one identity set, of either generation; an unresolved one rather than none."""
    if not isinstance(identities, Mapping):
        return [unresolved(identities)]
    site_group = identities.get("siteGroup")
    if site_group is not None:
        group_id = str(site_group.get("id") or "")
        return [Principal(PrincipalKind.SITE_GROUP, f"{site_id}/{group_id}" if site_id else group_id,
                          site_group.get("displayName") or "")]
    sharepoint_group = identities.get("sharePointGroup")
    if sharepoint_group is not None:
        return [Principal(PrincipalKind.SITE_GROUP, str(sharepoint_group.get("id") or ""),
                          sharepoint_group.get("displayName") or "")]
    if identities.get("group") is not None:
        return [_identity(PrincipalKind.GROUP, identities["group"])]
    site_user = identities.get("siteUser") or {}
    user = identities.get("user")
    if user is not None and user.get("id"):
        login = str(site_user.get("loginName") or "")
        # SharePoint names guests i:0#.f|membership|someone_example.com#ext#@tenant (facts §2.6).
        guest = "#ext#" in login.lower() or "#ext#" in str(user.get("userPrincipalName", "")).lower()
        return [_identity(PrincipalKind.GUEST if guest else PrincipalKind.USER, user)]
    if identities.get("application") is not None:
        return [_identity(PrincipalKind.APPLICATION, identities["application"])]
    if site_user:
        return [from_claim(site_user)]
    if user is not None:  # a user without an id (an identity set some endpoints send for links): by mail, or not at all
        email = str(user.get("email") or "").lower()
        if email:
            external = guest_address(email)
            return [by_mail(PrincipalKind.GUEST if external else PrincipalKind.USER, external or email,
                            user.get("displayName") or "")]
    return [unresolved(identities)]


def from_claim(site_user: Json) -> Principal:
    """A principal SharePoint names only by its claim (``siteUser.loginName``)."""
    login = str(site_user.get("loginName") or "")
    for pattern, kind in _CLAIMS:
        found = pattern.match(login)
        if found is None:
            continue
        if kind == "person":
            upn = found["upn"].lower()
            external = guest_address(upn)
            return by_mail(PrincipalKind.GUEST if external else PrincipalKind.USER, external or upn,
                           site_user.get("displayName") or "")
        if kind == "group":
            return Principal(PrincipalKind.GROUP, found["id"].lower(), site_user.get("displayName") or "")
        return EVERYONE_EXCEPT_EXTERNAL if kind == "everyone-except-external" else EVERYONE
    return unresolved(site_user)


def guest_address(upn: str) -> str | None:
    """The external address behind a guest's UPN, ``someone_example.com#ext#@tenant.onmicrosoft.com`` →
    ``someone@example.com`` (Entra replaces the ``@`` with ``_``; a domain holds no ``_``, so the last one
    is it). The directory knows a guest by that address (``mail``), and contact persons are registered by
    it. None for a UPN that is not a guest's."""
    local, marker, _ = upn.lower().partition("#ext#")
    at = local.rfind("_")
    if not marker or at <= 0 or at == len(local) - 1:
        return None
    return f"{local[:at]}@{local[at + 1:]}"


def invited(invitation: Any) -> Principal:
    """A pending invitation: someone outside the directory's view until they accept (an outsider until then)."""
    email = str((invitation or {}).get("email") or "").lower() if isinstance(invitation, Mapping) else ""
    if not email:
        return unresolved(invitation)
    return by_mail(PrincipalKind.INVITATION, email, "")


def by_mail(kind: PrincipalKind, email: str, display_name: str) -> Principal:
    """A person known only by e-mail or UPN: the snapshot resolves it to the directory's principal by that
    address; its id is a digest, so keys in findings and alerts carry no address (the address stays in
    ``email``, for matching contact persons)."""
    digest = hashlib.sha256(email.encode()).hexdigest()[:16]  # the store re-keys it (state/inventory_repo.py)
    return Principal(kind, MAIL_ID_PREFIX + digest, display_name, email)


def unresolved(what: Any) -> Principal:
    """A grantee no known shape explains: kept, with a stable id from what was sent (never its contents)."""
    text = json.dumps(what, sort_keys=True, default=str)
    return Principal(PrincipalKind.UNRESOLVED, hashlib.sha256(text.encode()).hexdigest()[:16],
                     "A principal the answer did not identify")


def _identity(kind: PrincipalKind, identity: Json) -> Principal:
    email = identity.get("email")
    return Principal(kind, str(identity.get("id") or ""), identity.get("displayName") or "",
                     str(email).lower() if email else None)
