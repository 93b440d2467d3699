"""Probes: one real Graph call for every configured thing, through the gateway; none changes anything.

Each answers "can the app reach it?" and, when not, names the fix: a Sites.Selected grant on that
site, a permission with admin consent, or the key in the policy file that names something that is
not there. Output carries URLs, keys and ids from the policy file and counts — never a person's
name, a mail address or a file name read from the tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

from m365_compliance.config.kinds import principal_kind
from m365_compliance.config.schema import Config
from m365_compliance.doctor.checks import Check
from m365_compliance.doctor.needs import SiteGrant
from m365_compliance.doctor.remedies import permission_fix, site_grant_fix, site_role_fix
from m365_compliance.graph.errors import (
    AuthenticationError,
    GraphError,
    NotFound,
    PermissionDenied,
)
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.model import Library


class GraphRefusedToken(Exception):
    """Graph answered 401: every further probe would too, so probing stops (the credential is at fault)."""

    def __init__(self, error: AuthenticationError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass
class Probes:
    """Runs the probes in order; ``checks`` collects the results, ``libraries`` what was found."""

    gateway: GraphGateway
    config: Config
    grants: dict[str, SiteGrant]  # lower-cased site URL → the grant it needs
    checks: list[Check] = field(default_factory=list)
    libraries: dict[str, Library] = field(default_factory=dict)  # scope → library
    _sites: dict[str, str | None] = field(default_factory=dict)  # site URL → site id (None: unreachable)

    async def scope(self, scope: str, site_url: str, library: str, columns: tuple[tuple[str, str], ...]) -> None:
        """The scope's site, its library, and the library columns the policy file names (key, name)."""
        site_id = await self.site(site_url, scope)
        if site_id is None:
            return
        try:
            found = await self.gateway.library_by_name(site_id, library)
        except GraphError as exc:
            self.record_failure("library", f"{scope}.library = {library!r}", exc, site_url,
                                missing_fix=f"Set {scope}.library to one of the site's libraries: {exc.hint}")
            return
        self.libraries[scope] = found
        self.checks.append(Check("library", f"{scope}.library = {library!r}", "OK", f"drive {found.id}"))
        if columns:
            await self.columns(site_id, site_url, found.name, f"{scope} library", columns)

    async def site(self, site_url: str, why: str) -> str | None:
        """The site's id, or None after recording why it cannot be reached (once per site)."""
        if site_url in self._sites:
            return self._sites[site_url]
        try:
            site = await self.gateway.resolve_site(site_url)
        except GraphError as exc:
            self._sites[site_url] = None
            self.record_failure("site", site_url, exc, site_url,
                                missing_fix=f"Check {why}'s site_url in the policy file: {exc.hint}")
            return None
        self._sites[site_url] = site.id
        self.checks.append(Check("site", site_url, "OK", f"site {site.id} ({why})"))
        return site.id

    async def columns(self, site_id: str, site_url: str, list_name: str, what: str,
                      wanted: tuple[tuple[str, str], ...]) -> None:
        """Every configured column (policy key, internal name) exists in the list."""
        try:
            names = set(await self.gateway.list_columns(site_id, list_name))
        except GraphError as exc:
            self.record_failure("columns", f"{what} columns", exc, site_url,
                                missing_fix=f"Check the list name in the policy file: {exc.hint}")
            return
        absent = [(key, name) for key, name in wanted if name not in names]
        if not absent:
            self.checks.append(Check("columns", f"{what} columns", "OK", f"all {len(wanted)} configured columns "
                                     "exist"))
            return
        for key, name in absent:
            self.checks.append(Check("columns", key, "MISSING", f"{what} has no column with the internal name "
                                     f"{name!r}", f"Set {key} to the column's internal name (the list has: "
                                     f"{', '.join(sorted(names)) or 'no custom columns'})."))

    async def register(self) -> None:
        register = self.config.register
        columns = tuple((f"register.columns.{f.name}", name) for f in fields(register.columns)
                        if (name := getattr(register.columns, f.name)) is not None)
        if register.source == "file":
            if register.path is not None and Path(register.path).is_file():
                self.checks.append(Check("list", "register.path", "OK", "the register file exists"))
            else:
                self.checks.append(Check("list", "register.path", "MISSING", "the register file is not there",
                                         "Put the register file at register.path (relative paths start at the "
                                         "policy file's folder)."))
            return
        assert register.site_url is not None and register.list_name is not None
        site_id = await self.site(register.site_url, "register")
        if site_id is not None:
            await self.columns(site_id, register.site_url, register.list_name,
                               f"register list {register.list_name!r}", columns)

    async def roles(self) -> None:
        for role in ("recruiters", "management", "sales"):
            for n, reference in enumerate(getattr(self.config.roles, role)):
                if principal_kind(reference) == "site_group":
                    continue
                await self.group(f"roles.{role}[{n}]", reference)

    async def group(self, key: str, reference: str) -> None:
        """The group a role names (``key`` in the output: the reference may be a mail address)."""
        try:
            group = await self.gateway.find_group(reference)
            if group is None:
                self.checks.append(Check("group", key, "MISSING", "no Entra group matches this reference",
                                         f"Set {key} to the group's object id or mail address."))
                return
            members = await self.gateway.transitive_members(group.id, first_page_only=True)
        except GraphError as exc:
            self.record_failure("group", key, exc, None, missing_fix=exc.hint)
            return
        self.checks.append(Check("group", key, "OK", f"group {group.id}; its members can be read "
                                 f"({len(members)} on the first page)"))

    async def users(self) -> None:
        try:
            users = await self.gateway.list_users(first_page_only=True)
        except GraphError as exc:
            self.record_failure("users", "users", exc, None, missing_fix=exc.hint)
            return
        self.checks.append(Check("users", "users", "OK", f"users can be read ({len(users)} on the first page)"))

    async def site_role(self, scope: str, site_url: str) -> None:
        """Whether the app's role on the scope's site is enough for what the policy asks there, told by
        requests that a precondition refuses (graph/role_probes.py): ``write`` to label and delete,
        ``fullcontrol`` also to remove grants."""
        library, grant = self.libraries.get(scope), self.grants.get(site_url.lower())
        if library is None or grant is None or grant.role == "read":
            return  # unreachable (already a check), or reading is all this run needs there
        asks = [("write", "change items (labels, deletions, uploads)", self.gateway.may_change_items)]
        if grant.role == "fullcontrol":
            asks.append(("fullcontrol", "remove grants and links", self.gateway.may_remove_permissions))
        for role, what, probe in asks:
            subject = f"{scope} site role"
            try:
                admitted = await probe(library.id)
            except GraphError as exc:
                self.record_failure("site role", subject, exc, site_url, missing_fix=exc.hint)
                return
            if admitted:
                self.checks.append(Check("site role", subject, "OK", f"may {what} in drive {library.id} "
                                         f"(`{role}` or more; probed with a request a precondition refuses)"))
            else:
                self.checks.append(Check("site role", subject, "MISSING", f"Graph answered 403 to a request that "
                                         f"needs `{role}`: the app may not {what} on {site_url}",
                                         site_role_fix(site_url, grant.role, "Files.ReadWrite.All")))
                return

    def record_failure(self, area: str, subject: str, exc: GraphError, site_url: str | None, *,
                       missing_fix: str | None) -> None:
        """A refused or failed probe as a check: 403 → the grant or permission, 404 → the policy key."""
        if isinstance(exc, AuthenticationError):
            raise GraphRefusedToken(exc)
        if isinstance(exc, PermissionDenied):
            if site_url is not None:
                grant = self.grants.get(site_url.lower())
                fix = site_grant_fix(site_url, grant.role if grant else "read", self.config.tenant.client_id)
            else:
                fix = permission_fix(exc.permission, self.config.tenant.client_id)
            self.checks.append(Check(area, subject, "MISSING", f"Graph answered 403 ({exc.code})", fix))
            return
        if isinstance(exc, NotFound):
            self.checks.append(Check(area, subject, "MISSING", exc.message, missing_fix))
            return
        self.checks.append(Check(area, subject, "FAILED", exc.message, exc.hint))
