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


@dataclass(frozen=True, slots=True)
class Principal:
    """Someone (or some audience) that can hold access. ``id`` is the Entra object id where there is one."""

    kind: PrincipalKind
    id: str
    display_name: str = ""
    email: str | None = None

    @property
    def is_external(self) -> bool:
        return self.kind in (PrincipalKind.GUEST, PrincipalKind.ANYONE)

    @property
    def key(self) -> str:
        """Stable identity across runs: ``user:<id>``, ``group:<id>``, ``siteGroup:<site>/<id>`` ..."""
        return f"{self.kind.value}:{self.id}"
