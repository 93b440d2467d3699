"""Directory principals: users (members and guests), Entra groups, site groups, links' audiences."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class PrincipalKind(str, Enum):
    USER = "user"
    GUEST = "guest"
    GROUP = "group"
    SITE_GROUP = "siteGroup"
    APPLICATION = "application"
    ANYONE = "anyone"  # an anonymous sharing link
    ORGANIZATION = "organization"  # an organisation-wide sharing link
    EVERYONE = "everyone"  # a SharePoint claim granted directly: "Everyone except external users", "Everyone"
    INVITATION = "invitation"  # invited by e-mail, not yet accepted: an outsider until then
    AUDIENCE_UNKNOWN = "audienceUnknown"  # a sharing link whose audience the answer did not say
    UNRESOLVED = "unresolved"  # a grantee no documented identity shape explains


@dataclass(frozen=True, slots=True)
class Principal:
    """Someone (or some audience) that can hold access. ``id`` is the Entra object id where there is one."""

    kind: PrincipalKind
    id: str
    display_name: str = ""
    email: str | None = None

    @property
    def is_external(self) -> bool:
        return self.kind in (PrincipalKind.GUEST, PrincipalKind.ANYONE, PrincipalKind.INVITATION)

    @property
    def key(self) -> str:
        """Stable identity across runs: ``user:<id>``, ``group:<id>``, ``siteGroup:<site>/<id>`` ..."""
        return f"{self.kind.value}:{self.id}"


#: The id prefix of a person known only by address (a claim, an invitation): ``mail-`` + a digest of it.
MAIL_ID_PREFIX = "mail-"

#: The audiences of sharing links, as principals: what a link's ``scope`` grants to.
ANYONE = Principal(PrincipalKind.ANYONE, "anyone", "Anyone with the link")
ORGANIZATION = Principal(PrincipalKind.ORGANIZATION, "organization", "Everyone in the organisation with the link")
AUDIENCE_UNKNOWN = Principal(PrincipalKind.AUDIENCE_UNKNOWN, "audience-unknown",
                             "Whoever the link reaches (the answer did not say)")
