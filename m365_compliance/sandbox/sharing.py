"""SharePoint's permission rules for the sandbox tenant: inheritance, grants and sharing links.

An item inherits its parent's grants until it gets unique permissions; breaking inheritance copies
the parent's effective grants, and a grant or a sharing link on an inheriting item breaks it first,
as SharePoint does. Every change is a "sharing" entry in the drive's change log, which delta reports
only to callers that ask for sharing changes (facts §1.4).
"""

from __future__ import annotations

import base64
import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING

from m365_compliance.sandbox.errors import SandboxError, not_found
from m365_compliance.sandbox.model import CLAIMS, GRANT_SHAPES, LINK_SCOPES, LINK_TYPES, Grant, Item

if TYPE_CHECKING:
    from m365_compliance.sandbox.tenant import Tenant


class SharingMixin:
    def permission_root(self: Tenant, item: Item) -> Item:
        """The nearest item (itself included) with unique permissions."""
        if item.grants is not None:
            return item
        for ancestor in self.ancestors(item):
            if ancestor.grants is not None:
                return ancestor
        raise AssertionError("a drive root always has unique permissions")

    def effective_grants(self: Tenant, item: Item) -> list[Grant]:
        grants = self.permission_root(item).grants
        assert grants is not None
        return grants

    def break_inheritance(self: Tenant, item: Item, *, copy: bool = True) -> Item:
        with self.lock:
            if item.grants is None:
                inherited = self.effective_grants(item)
                item.grants = [_copy_grant(g) for g in inherited] if copy else []
                self._log(self.drive(item.drive_id), item, "sharing")
            return item

    def restore_inheritance(self: Tenant, item: Item) -> Item:
        with self.lock:
            if item.parent_id is None:
                raise SandboxError(400, "invalidRequest", "The root of a library cannot inherit.")
            if item.grants is not None:
                item.grants = None
                self._log(self.drive(item.drive_id), item, "sharing")
            return item

    def grant(self: Tenant, item: Item, roles: tuple[str, ...] | list[str], *, user_id: str | None = None,
              group_id: str | None = None, site_group_id: str | None = None, expires: datetime | None = None,
              invitation: str | None = None, claim: str | None = None, application: tuple[str, str] | None = None,
              shape: str = "v2") -> Grant:
        """A direct grant (breaks inheritance first, as SharePoint does): to a user, a group, a site group, a
        pending invitation (an e-mail), a SharePoint claim or an application; ``shape`` is how Graph names it."""
        with self.lock:
            whom = (user_id, group_id, site_group_id, invitation, claim, application)
            if sum(x is not None for x in whom) != 1:
                raise ValueError("grant exactly one of user_id, group_id, site_group_id, invitation, claim, application")
            if shape not in GRANT_SHAPES or shape == "noScope":
                raise ValueError(f"a grant's shape is one of {GRANT_SHAPES[:3]}, not {shape!r}")
            if claim is not None and claim not in CLAIMS:
                raise ValueError(f"claim must be one of {tuple(CLAIMS)}, not {claim!r}")
            if user_id is not None:
                self.user(user_id)
            if group_id is not None:
                self.group(group_id)
            self.break_inheritance(item)
            grant_id = site_group_id or _grant_id(user_id or group_id or invitation or claim
                                                  or (application[0] if application else ""))
            new = Grant(grant_id, tuple(roles), user_id=user_id, group_id=group_id, site_group_id=site_group_id,
                        expires=expires, created=self.clock, invitation=invitation, claim=claim,
                        application=application, shape=shape)
            assert item.grants is not None
            item.grants = [g for g in item.grants if g.id != grant_id] + [new]
            self._log(self.drive(item.drive_id), item, "sharing")
            return new

    def add_link(self: Tenant, item: Item, scope: str, link_type: str = "view", *, recipients: list[str] | tuple[str, ...] = (),
                 expires: datetime | None = None, shape: str = "v2", has_password: bool = False,
                 prevents_download: bool = False) -> Grant:
        """A sharing link; "users" links name their recipients (user ids); ``shape`` is how Graph shows it."""
        with self.lock:
            if shape not in GRANT_SHAPES:
                raise ValueError(f"a link's shape is one of {GRANT_SHAPES}, not {shape!r}")
            if scope not in LINK_SCOPES:
                raise ValueError(f"link scope must be one of {LINK_SCOPES}, not {scope!r}")
            if link_type not in LINK_TYPES:
                raise ValueError(f"link type must be one of {LINK_TYPES}, not {link_type!r}")
            for user_id in recipients:
                self.user(user_id)
            self.break_inheritance(item)
            new = Grant(self.new_id("link"), ("write",) if link_type == "edit" else ("read",), link_scope=scope,
                        link_type=link_type, link_recipients=tuple(recipients), expires=expires, created=self.clock,
                        shape=shape, has_password=has_password, prevents_download=prevents_download)
            assert item.grants is not None
            item.grants.append(new)
            self._log(self.drive(item.drive_id), item, "sharing")
            return new

    def remove_grant(self: Tenant, item: Item, grant_id: str) -> None:
        with self.lock:
            if item.grants is None:
                if any(g.id == grant_id for g in self.effective_grants(item)):
                    raise SandboxError(403, "accessDenied", "Inherited permissions cannot be deleted on this item; "
                                       "delete them where they are defined.")
                raise not_found(grant_id)
            kept = [g for g in item.grants if g.id != grant_id]
            if len(kept) == len(item.grants):
                raise not_found(grant_id)
            item.grants = kept
            self._log(self.drive(item.drive_id), item, "sharing")


def _copy_grant(grant: Grant) -> Grant:
    return dataclasses.replace(grant)


def _grant_id(principal: str) -> str:
    return base64.urlsafe_b64encode(f"i:0#.f|membership|{principal}".encode()).decode().rstrip("=")


