"""Who may see what (C1, C3), and the verdict on one way someone reaches an item.

Allowed, per the policy (CONTROLS.md): recruitment content → the recruiters role (P5: "employees who
work with recruitment"); a customer's folder → the contact persons named in that customer's
agreement, 321's management or sales (P3). Everywhere: the configured technical principals (by
object id, mail, or ``site-group:<name>`` for a site group whose display name ends with ``<name>``).
Other SharePoint site groups follow ``roles.site_group_policy``. A role is its groups and all their
transitive members, so a recruiter in a group nested in the recruiters group is allowed.

Severity: applicant data is "not shared with outsiders" (P7), so a guest, an anonymous link or an
organisation-wide link on it is high — and so is an employee outside the role, because it is
applicant data. On customer data anything else is medium, except anonymous and organisation-wide
links (high: anyone may read). An expired link grants nothing, but it is still there to be extended:
low. When a role's membership could not be read, an employee who is not otherwise allowed may be a
member after all: "not evaluated", never a guess either way (DESIGN principle 2).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from m365_compliance.config.kinds import SITE_GROUP_PREFIX, principal_kind
from m365_compliance.config.schema import Roles
from m365_compliance.inventory.snapshot import Access, Snapshot
from m365_compliance.model import LinkScope, Principal, PrincipalKind
from m365_compliance.rules.findings import Severity, Status

#: Which control depends on which role's membership (coverage reports a role it could not read).
ROLE_CONTROLS: dict[str, tuple[str, ...]] = {"recruiters": ("C1",), "management": ("C3",), "sales": ("C3",)}
#: Audiences rather than people: a link's scope, a SharePoint claim, a link whose audience is unknown.
#: Each is judged by what it is (always high: it may reach anyone), never permitted as a person would be.
AUDIENCE_VERDICTS: dict[PrincipalKind, tuple[str, Status]] = {
    PrincipalKind.ANYONE: ("anonymous-link", "fail"),
    PrincipalKind.ORGANIZATION: ("organization-link", "fail"),
    PrincipalKind.EVERYONE: ("everyone-claim", "fail"),
    PrincipalKind.AUDIENCE_UNKNOWN: ("audience-unknown", "not_evaluated"),
}
AUDIENCE_KINDS = tuple(AUDIENCE_VERDICTS)
OUTSIDER_KINDS = (PrincipalKind.GUEST, PrincipalKind.INVITATION)  # outside 321 (an invitation until accepted)
MEMBER_KINDS = (PrincipalKind.USER, PrincipalKind.GUEST, PrincipalKind.GROUP)  # what a role group can contain


@dataclass(frozen=True)
class Technical:
    """``roles.technical``: service accounts, apps and site groups that may reach everything."""

    ids_and_mails: frozenset[str]
    site_group_suffixes: tuple[str, ...]

    @staticmethod
    def from_roles(roles: Roles) -> Technical:
        site_groups = tuple(t[len(SITE_GROUP_PREFIX):].casefold() for t in roles.technical
                            if principal_kind(t) == "site_group")
        return Technical(frozenset(t for t in roles.technical if principal_kind(t) != "site_group"), site_groups)

    def matches(self, p: Principal) -> bool:
        if p.kind is PrincipalKind.SITE_GROUP:
            return any(p.display_name.casefold().endswith(s) for s in self.site_group_suffixes)
        return p.id.lower() in self.ids_and_mails or (p.email or "").lower() in self.ids_and_mails


@dataclass(frozen=True)
class Audience:
    """Who may reach one subtree, and how strictly outsiders are kept out of it."""

    describes: str  # for messages: "the recruiters role", "contact persons, management and sales"
    keys: frozenset[str]  # principal keys: the roles' groups and their transitive members
    contacts: frozenset[str]  # lower-case mails and object ids of the customer's contact persons
    technical: Technical
    site_groups_allowed: bool
    outsiders_forbidden: bool  # P7: applicant data is not shared with outsiders, whoever they are
    complete: bool  # False when a role's membership could not be read

    def permits(self, p: Principal) -> bool:
        if self.technical.matches(p):
            return True
        if p.kind is PrincipalKind.SITE_GROUP:
            return self.site_groups_allowed
        if p.kind in AUDIENCE_KINDS:
            return False
        return p.key in self.keys or (p.email or "").lower() in self.contacts or p.id.lower() in self.contacts


def audience(snapshot: Snapshot, roles: Roles, role_names: Iterable[str], describes: str, *,
             contacts: Iterable[str] = (), contacts_known: bool = True, outsiders_forbidden: bool = False) -> Audience:
    """The audience of the named roles (plus contact persons); incomplete when a role's membership or,
    with ``contacts_known`` false, the register could not be read."""
    names = tuple(role_names)
    keys = frozenset().union(*(snapshot.role_members(r) for r in names))
    return Audience(describes, keys, frozenset(c.lower() for c in contacts), Technical.from_roles(roles),
                    roles.site_group_policy == "allowed", outsiders_forbidden,
                    contacts_known and all(role_readable(snapshot, r) for r in names))


def role_readable(snapshot: Snapshot, role: str) -> bool:
    """Every reference of the role was found and every group of it expanded."""
    if any(g.scope == "directory" and g.target == f"role {role}" for g in snapshot.gaps):
        return False
    groups = snapshot.roles.get(role, ())
    return bool(groups) and all(snapshot.group_expanded(g) for g in groups)


@dataclass(frozen=True)
class Verdict:
    """What is wrong with one access: ``kind`` also keys the finding's title."""

    kind: str  # a key of TITLES
    status: Status
    severity: Severity


TITLES = {
    "anonymous-link": "Anonymous sharing link",
    "organization-link": "Organisation-wide sharing link",
    "everyone-claim": "Granted to everyone (a SharePoint claim)",
    "audience-unknown": "Not evaluated: sharing link whose audience Graph did not say",
    "outsider": "Shared with an outsider",
    "pending-invitation": "Shared by invitation with someone outside (not yet accepted)",
    "unresolved": "Not evaluated: a grantee Graph did not identify",
    "outside-allowed": "Access outside the allowed people",
    "expired": "Expired sharing link or grant still present",
    "membership-unknown": "Not evaluated: group membership could not be read",
}


#: SharePoint's "Limited Access" (``sp.limited access``; ``limitedAccess`` in some answers): added on a
#: parent so that someone granted a child can traverse to it. It opens nothing of the item itself, and
#: SharePoint maintains it (the child's grant is the finding, and its removal removes this too).
LIMITED_ACCESS_ROLES = frozenset({"sp.limited access", "limited access", "limitedaccess"})


def reaches_content(roles: tuple[str, ...]) -> bool:
    """Whether a grant with ``roles`` opens the item (an empty role list is taken to: nothing is assumed away)."""
    return not roles or any(r.strip().lower() not in LIMITED_ACCESS_ROLES for r in roles)


def judge(access: Access, allowed: Audience, now: datetime) -> Verdict | None:
    """None when the policy allows this access (or another entry already answers for it)."""
    p = access.principal
    if not reaches_content(access.roles):
        return None  # Limited Access only: the grant below it is judged where it is
    if access.link_scope in (LinkScope.ANONYMOUS, LinkScope.ORGANIZATION) and p.kind not in AUDIENCE_KINDS:
        return None  # a person who used an anonymous/organisation link: the link itself is the finding
    outsider = allowed.outsiders_forbidden and p.kind in OUTSIDER_KINDS and not allowed.technical.matches(p)
    if access.via_group is not None and not outsider:
        return None  # a member: allowed with an allowed group, else the group's own entry is the finding
    if access.via_group is not None and not allowed.permits(access.via_group):
        return None  # an outsider in a group that is itself a violation: one finding, the group's
    if not outsider and allowed.permits(p):
        return None
    if access.expires is not None and access.expires <= now:
        return Verdict("expired", "fail", "low")
    if p.kind in AUDIENCE_VERDICTS:
        kind, status = AUDIENCE_VERDICTS[p.kind]
        return Verdict(kind, status, "high")
    severity: Severity = "high" if allowed.outsiders_forbidden else "medium"
    if p.kind is PrincipalKind.UNRESOLVED:
        return Verdict("unresolved", "not_evaluated", severity)  # kept as a finding: never dropped, never passed
    if not outsider and not allowed.complete and p.kind in MEMBER_KINDS:
        return Verdict("membership-unknown", "not_evaluated", severity)  # may be in the role after all
    if p.kind is PrincipalKind.INVITATION:
        return Verdict("pending-invitation", "fail", severity)
    return Verdict("outsider" if p.kind is PrincipalKind.GUEST else "outside-allowed", "fail", severity)
