"""C1 and C3: every effective grant on recruitment content and on customer folders, judged by :mod:`.allowed`.

Each permission root is judged once — its own grants and links, groups expanded to their transitive
members — and the items below it share the verdict, so one stray grant is one finding, not one per
file. The grants an area inherits from above (the library root, the base folder) are judged at the
area's top. For customers, anything above the customer folders reaches every customer, so it is held
to what all customers allow (management, sales, technical); inside a customer's folder, that
customer's contact persons are allowed too. A root whose permissions could not be read is "not
evaluated".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from m365_compliance.config.schema import Config
from m365_compliance.inventory.snapshot import Access, ScopeSnapshot, Snapshot
from m365_compliance.model import DriveItem
from m365_compliance.rules.agreement_register import read_register
from m365_compliance.rules.allowed import TITLES, Audience, audience, judge
from m365_compliance.rules.findings import Finding, Severity
from m365_compliance.rules.registry import Rule, rule


def _areas(scope: ScopeSnapshot, top: DriveItem, stop: frozenset[str], inherited: bool) -> Iterator[DriveItem]:
    """``top`` (when it is a root, or ``inherited`` asks for what it inherits) and the permission roots
    below it, not descending into ``stop`` (areas judged on their own)."""
    if inherited or top.id in scope.permissions or top.id in scope.unreadable:
        yield top
    stack = [c for c in reversed(scope.children(top.id)) if c not in stop]
    while stack:
        item = scope.items[stack.pop()]
        if item.id in scope.permissions or item.id in scope.unreadable:
            yield item
        stack.extend(c for c in reversed(scope.children(item.id)) if c not in stop)


def _judge_area(r: Rule, snapshot: Snapshot, scope: ScopeSnapshot, top: DriveItem, allowed: Audience,
                now: datetime, *, stop: frozenset[str] = frozenset(), inherited: bool = True) -> Iterator[Finding]:
    """Findings for ``top`` and every permission root below it; ``inherited``: also what ``top`` inherits."""
    severity: Severity = "high" if allowed.outsiders_forbidden else "medium"
    for item in _areas(scope, top, stop, inherited):
        root = scope.permission_root(item)
        if root is None or root.id in scope.unreadable:
            source = root or item
            yield r.about(scope, source, f"The permissions of item {source.id} could not be read, so who can "
                          f"reach it (and what inherits from it) is not known.", key=(top.id, "unreadable"),
                          status="not_evaluated", severity=severity, title="Not evaluated: permissions unreadable")
            continue
        seen: set[tuple[str, str]] = set()
        for access in snapshot.effective_access(scope, item):
            if access.inherited and (item is not top or not inherited):
                continue  # judged where it is defined: an item above in this area, or (for a unit) its parent area
            verdict = judge(access, allowed, now)
            if verdict is None or (access.permission_id, access.principal.key) in seen:
                continue  # a link's audience may be listed twice: as the link and as its grantee
            seen.add((access.permission_id, access.principal.key))
            source = scope.items[access.source_item_id]
            who = access.principal
            yield r.about(scope, source, _message(verdict.kind, access, allowed), status=verdict.status,
                          severity=verdict.severity, title=TITLES[verdict.kind],
                          key=(top.id, access.permission_ref, who.key),
                          evidence={**_evidence(access, top), "verdict": verdict.kind})


def _message(kind: str, access: Access, allowed: Audience) -> str:
    where, how = f"item {access.source_item_id}", _how(access)
    if kind == "expired":
        return f"{how[0].upper()}{how[1:]} ({access.permission_ref}) expired but is still present on {where}; it " \
               "grants nothing now, but anyone who can manage the item can extend it."
    who = {"anonymous-link": "Anyone with the link", "organization-link": "Everyone in the organisation",
           "everyone-claim": f"The SharePoint claim '{access.principal.display_name}'",
           "audience-unknown": "Whoever the link reaches",
           "pending-invitation": f"Someone invited by e-mail ({access.principal.key}) who has not accepted yet"}.get(kind) \
        or f"A {access.principal.kind.value} ({access.principal.key})"
    if kind == "audience-unknown":
        return f"{who} can reach {where} through {how}: Graph's answer names no scope and no people, so who that " \
               f"is cannot be told; only {allowed.describes} may. Review the link in SharePoint (never removed " \
               "automatically)."
    if kind == "unresolved":
        return f"A grantee Graph's answer does not identify ({access.principal.key}) reaches {where} through {how}; " \
               f"whether it belongs to {allowed.describes} cannot be told. Review the item's access in SharePoint."
    if kind == "membership-unknown":
        return f"{who} reaches {where} through {how}; whether it belongs to {allowed.describes} is not known, " \
               "because a role's membership (or the register) could not be read."
    return f"{who} can reach {where} through {how}; only {allowed.describes} may."


def _how(access: Access) -> str:
    if access.link_scope is not None:
        return f"{'an' if access.link_scope.value[0] in 'aeiou' else 'a'} {access.link_scope.value} sharing link"
    if access.via_group is not None:
        return f"membership of {access.via_group.key}"
    return "a site-group grant" if access.through == "site group" else "a direct grant"


def _evidence(access: Access, top: DriveItem) -> dict[str, object]:
    return {"principal": access.principal.key, "kind": access.principal.kind.value, "through": access.through,
            "permission": access.permission_ref, "roles": ",".join(access.roles), "sourceItem": access.source_item_id,
            "inherited": "yes" if access.inherited else "", "area": top.id,
            "viaGroup": access.via_group.key if access.via_group is not None else None,
            "linkScope": access.link_scope.value if access.link_scope is not None else None,
            "expires": access.expires.isoformat() if access.expires is not None else None,
            "hasPassword": access.has_password, "preventsDownload": access.prevents_download}


@rule(id="c1.recruitment-access", control="C1", severity="high",
      title="Recruitment content reachable outside the recruiters role",
      remediation="Remove the grant or sharing link (or the guest from the group); add the person to the "
                  "recruiters group only if they work with recruitment.")
def recruitment_access(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """Every grant and sharing link on recruitment content resolves to the recruiters role (nested groups
    included) or a technical principal. Guests, pending invitations, anonymous and organisation-wide links,
    SharePoint's "Everyone" claims (P7: not shared with outsiders) and employees outside the role are high;
    an expired link still present is low; a link whose audience Graph did not say, a grantee Graph did not
    identify, a user when the role's membership could not be read, and a root whose permissions could not
    be read, are not evaluated (high)."""
    scope = snapshot.scopes.get("recruitment")
    if scope is None or scope.base_folder_id is None:
        return  # the inventory's gap says why; coverage reports it
    allowed = audience(snapshot, config.roles, ("recruiters",), "the recruiters role", outsiders_forbidden=True)
    yield from _judge_area(recruitment_access, snapshot, scope, scope.items[scope.base_folder_id], allowed, now)


@rule(id="c3.customer-access", control="C3", severity="medium",
      title="Customer data reachable outside contact persons, management and sales",
      remediation="Remove the grant or link, or register the person as a contact person in the customer's "
                  "agreement.")
def customer_access(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """Every grant on a customer's folder resolves to that customer's contact persons in the register
    (guests and invitations to their address included), management, sales or a technical principal; above
    the customer folders only management, sales and technical principals. Anything else is medium;
    anonymous and organisation-wide links and "Everyone" claims high; an expired link low; unreadable
    permissions or role membership, a link of unknown audience and an unidentified grantee are not
    evaluated."""
    scope = snapshot.scopes.get("customers")
    if scope is None or scope.base_folder_id is None:
        return
    roles = ("management", "sales")
    register = read_register(snapshot, config)
    units = scope.units()
    common = audience(snapshot, config.roles, roles, "management and sales")
    yield from _judge_area(customer_access, snapshot, scope, scope.items[scope.base_folder_id], common, now,
                           stop=frozenset(u.id for u in units))
    for unit in units:
        allowed = audience(snapshot, config.roles, roles, "the customer's contact persons, management and sales",
                           contacts=register.contacts(unit.name), contacts_known=register.readable)
        yield from _judge_area(customer_access, snapshot, scope, unit, allowed, now, inherited=False)
