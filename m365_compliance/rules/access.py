"""C1 and C3: who may see recruitment content and a customer's folder, checked grant by grant.

Each permission root in a scope is checked once (the grants defined there); items below inherit the
verdict, so a stray grant is one finding, not one per file. Allowed: recruitment → the recruiters
role (its groups and their transitive members); a customer's folder → that customer's contact
persons from the register, management and sales; technical principals everywhere. Anonymous and
organisation-wide links, and any outsider on recruitment data, are high ("not shared with
outsiders", P7). An expired link grants nothing but is still reported, low.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from m365_compliance.config.schema import Config
from m365_compliance.inventory.snapshot import Access, ScopeSnapshot, Snapshot
from m365_compliance.model import DriveItem, PrincipalKind
from m365_compliance.rules.agreements import read_agreements
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.registry import Rule, rule

OUTSIDERS = (PrincipalKind.GUEST, PrincipalKind.ANYONE, PrincipalKind.ORGANIZATION)


class Allowed:
    """Who may reach a subtree: principal keys, plus technical principals by id, mail or site-group name."""

    def __init__(self, snapshot: Snapshot, config: Config, roles: tuple[str, ...], extra_emails: tuple[str, ...] = ()):
        self.keys = set().union(*(snapshot.role_members(r) for r in roles)) if roles else set()
        emails = {e.lower() for e in extra_emails}
        self.keys |= {k for k, p in snapshot.principals.items() if (p.email or "").lower() in emails}
        self.technical = {t.lower() for t in config.roles.technical}
        self.site_groups_allowed = config.roles.site_group_policy == "allowed"

    def is_technical(self, access: Access) -> bool:
        p = access.principal
        return p.id.lower() in self.technical or (p.email or "").lower() in self.technical

    def permits(self, access: Access) -> bool:
        p = access.principal
        if p.kind is PrincipalKind.SITE_GROUP:
            suffix = {t.split(":", 1)[1] for t in self.technical if t.startswith("site-group:")}
            return self.site_groups_allowed or any(p.display_name.lower().endswith(s) for s in suffix)
        if p.id.lower() in self.technical or (p.email or "").lower() in self.technical:
            return True
        return p.key in self.keys


def _roots(scope: ScopeSnapshot, top: DriveItem) -> Iterator[DriveItem]:
    for item in (top, *scope.descendants(top.id)):
        if item.id in scope.permissions:
            yield item


def _check_subtree(r: Rule, snapshot: Snapshot, scope: ScopeSnapshot, top: DriveItem, allowed: Allowed,
                   now: datetime, *, outsiders_high: bool) -> Iterator[Finding]:
    for root in _roots(scope, top):
        path = scope.path(root)
        for access in snapshot.effective_access(scope, root):
            guest = access.principal.kind is PrincipalKind.GUEST
            if access.via_group is not None:
                group = Access(access.via_group, access.roles, access.permission_id, root.id, False)
                if not allowed.permits(group) or not (guest and outsiders_high):
                    continue  # reported once as the group; members of an allowed group are allowed
            elif allowed.permits(access) and not (guest and outsiders_high and not allowed.is_technical(access)):
                continue
            p = access.principal
            expired = access.expires is not None and access.expires <= now
            outsider = p.kind in OUTSIDERS
            if expired:
                severity, status = "low", "fail"
                message = f"An expired {access.through} grant is still present on {path}."
            else:
                high = p.kind in (PrincipalKind.ANYONE, PrincipalKind.ORGANIZATION) or (outsider or outsiders_high)
                severity, status = ("high" if high else "medium"), "fail"
                message = f"{_who(access)} can reach {path} through {access.through}, which the policy does not allow."
            evidence = {"principal": p.key, "kind": p.kind.value, "through": access.through,
                        "permission": access.permission_id, "roles": ",".join(access.roles), "sourceItem": root.id}
            if access.via_group is not None:
                evidence["viaGroup"] = access.via_group.key
            if access.expires is not None:
                evidence["expires"] = access.expires.isoformat()
            yield r.finding((scope.scope, root.id, access.permission_id, p.key), message, status=status,
                            severity=severity, scope=scope.scope, item_id=root.id, path=path, evidence=evidence)


def _who(access: Access) -> str:
    kind = access.principal.kind
    if kind is PrincipalKind.ANYONE:
        return "Anyone with the link"
    if kind is PrincipalKind.ORGANIZATION:
        return "Everyone in the organisation"
    return {"guest": "A guest", "user": "A user", "group": "A group", "siteGroup": "A site group",
            "application": "An application"}[kind.value] + f" ({access.principal.key})"


@rule(id="c1.recruitment-access", control="C1", severity="high",
      title="Recruitment content reachable outside the recruiters role",
      remediation="Remove the grant or sharing link, or add the person to the recruiters group if they recruit.")
def recruitment_access(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """Every grant and sharing link on recruitment content resolves to the recruiters role or a
    technical principal; anything else — and any guest, anonymous or organisation link — is a violation."""
    scope = snapshot.scopes.get("recruitment")
    if scope is None or scope.base_folder_id is None:
        return
    allowed = Allowed(snapshot, config, ("recruiters",))
    yield from _check_subtree(recruitment_access, snapshot, scope, scope.items[scope.base_folder_id], allowed, now,
                              outsiders_high=True)


@rule(id="c3.customer-access", control="C3", severity="medium",
      title="Customer data reachable outside contact persons, management and sales",
      remediation="Remove the grant or link, or register the person as a contact person in the agreement.")
def customer_access(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """Every grant on a customer's folder resolves to that customer's contact persons (register),
    management, sales or a technical principal; anonymous and organisation links are high."""
    scope = snapshot.scopes.get("customers")
    if scope is None:
        return
    agreements = read_agreements(snapshot.register_rows, config.register.columns, config.retention.timezone)
    by_folder: dict[str, list[str]] = {}
    for a in agreements:
        name = a.folder if config.customers.folder_match == "register_folder_column" else a.customer
        if name:
            by_folder.setdefault(name.lower(), []).extend(a.contact_emails)
    for unit in scope.units():
        contacts = tuple(by_folder.get(unit.name.lower(), ()))
        allowed = Allowed(snapshot, config, ("management", "sales"), contacts)
        yield from _check_subtree(customer_access, snapshot, scope, unit, allowed, now, outsiders_high=False)
