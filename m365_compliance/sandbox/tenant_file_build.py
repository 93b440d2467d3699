"""Building a tenant from a tenant file whose shape already passed the JSON Schema.

What the schema cannot say is checked here, each with the JSON path of the offending value: every
user, group and label named must be defined in the file; names must be unique where SharePoint
requires it (siblings in a folder, libraries and lists of a site, sites, labels); a column value
must suit its column's type; link-only keys belong on links. The first problem stops the build.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from m365_compliance.errors import ComplianceError
from m365_compliance.sandbox.model import Column, Drive, Item, RetentionLabelDef, Site
from m365_compliance.sandbox.tenant import Tenant
from m365_compliance.sandbox.tenant_file_access import build_access

SITE_GROUPS = {"owners": "3", "visitors": "4", "members": "5"}


class TenantFileError(ComplianceError, ValueError):
    """A tenant file that cannot be read or does not describe a consistent tenant."""

    default_hint = "See docs/tenant-file.md for the format; `sandbox export --demo` writes a complete example."


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)  # Python 3.11 reads the "Z" suffix


class Builder:
    def __init__(self, data: dict[str, Any], source: str) -> None:
        self.data = data
        self.source = source
        settings = data.get("tenant", {})
        self.t = Tenant(domain=settings.get("domain", Tenant.domain),
                        sharepoint_host=settings.get("sharepointHost", Tenant.sharepoint_host),
                        id_seed=settings.get("seed", "321"))
        if "clock" in settings:
            self.t.clock = instant(settings["clock"])
        self.users: dict[str, str] = {}
        self.groups: dict[str, str] = {}
        self.principals: dict[str, str] = {}

    def fail(self, where: str, message: str) -> TenantFileError:
        return TenantFileError(f"{self.source}: {where}: {message}")

    def build(self) -> Tenant:
        t, data = self.t, self.data
        for n, user in enumerate(data.get("users", [])):
            key = user.get("key", user["mail"])
            self._unique_principal(key, f"users[{n}]")
            self.users[key] = t.add_user(user["displayName"], user["mail"], guest=user.get("guest", False),
                                         job_title=user.get("jobTitle")).id
        for n, group in enumerate(data.get("groups", [])):
            key = _group_key(group)
            self._unique_principal(key, f"groups[{n}]")
            self.groups[key] = t.add_group(group["displayName"], group.get("mail"),
                                           unified=group.get("unified", False)).id
        self.principals = {**self.users, **self.groups}
        for n, group in enumerate(data.get("groups", [])):
            gid = self.groups[_group_key(group)]
            for m, member in enumerate(group.get("members", [])):
                t.add_member(gid, self._principal(member, f"groups[{n}].members[{m}]"))
        for n, label in enumerate(data.get("labels", [])):
            self._unique(label["name"], t.labels, f"labels[{n}].name", "label")
            t.add_label(RetentionLabelDef(label["name"], label.get("behavior", "retain"), label.get("retentionDays"),
                                          label.get("trigger", "dateLabeled"), label.get("eventType")))
        sites: dict[str, Site] = {}
        for n, site in enumerate(data.get("sites", [])):
            self._unique(site["name"], sites, f"sites[{n}].name", "site")
            sites[site["name"]] = self._site(site, f"sites[{n}]")
        t.quirks.inherited_from_empty = bool(data.get("quirks", {}).get("inheritedFromEmpty", False))
        build_access(t, data.get("access", {}), sites, self.fail)
        return t

    def _unique(self, name: str, seen: Any, where: str, what: str) -> None:
        if name in seen:
            raise self.fail(where, f"{name!r} is already the name of another {what}; names must be unique")

    def _unique_principal(self, key: str, where: str) -> None:
        if key in self.users or key in self.groups:
            raise self.fail(f"{where}.key", f"the key {key!r} is used twice (keys default to the mail)")

    def _principal(self, key: str, where: str, *, users_only: bool = False) -> str:
        found = (self.users if users_only else self.principals).get(key)
        if found is None:
            kind = "user" if users_only else "user or group"
            raise self.fail(where, f"{key!r} is not a {kind} key defined in this file")
        return found

    # ------------------------------------------------------------------ sites, libraries, items
    def _site(self, spec: dict[str, Any], where: str) -> Site:
        groups = spec.get("siteGroups", {})
        members = {name: [self._principal(k, f"{where}.siteGroups.{name}[{i}]") for i, k in
                          enumerate(groups.get(name, []))] for name in SITE_GROUPS}
        site = self.t.add_site(spec["name"], spec.get("displayName", spec["name"]), owners=members["owners"],
                               members=members["members"], visitors=members["visitors"],
                               created=instant(spec["created"]) if "created" in spec else None)
        names: set[str] = set()
        for kind in ("libraries", "lists"):
            for n, child in enumerate(spec.get(kind, [])):
                if child["name"].lower() in names:
                    raise self.fail(f"{where}.{kind}[{n}].name", f"{child['name']!r} is already the name of another "
                                    "library or list of this site (case-insensitively); names must be unique")
                names.add(child["name"].lower())
                if kind == "libraries":
                    self._library(site, child, f"{where}.libraries[{n}]")
                else:
                    self._list(site, child, f"{where}.lists[{n}]")
        return site

    def _library(self, site: Site, spec: dict[str, Any], where: str) -> None:
        t = self.t
        drive = t.add_drive(site, spec["name"], created=instant(spec["created"]) if "created" in spec else None)
        columns = self._columns(spec.get("columns", []), f"{where}.columns")
        t.lists[drive.list_id].columns.extend(columns)
        root = drive.items[drive.root_id]
        if "permissions" in spec:
            root.grants = []
            self._grants(root, spec["permissions"], f"{where}.permissions")
        self._items(drive, root, spec.get("items", []), {c.name: c for c in columns}, f"{where}.items")

    def _items(self, drive: Drive, parent: Item, specs: list[dict[str, Any]], columns: dict[str, Column],
               where: str) -> None:
        seen: set[str] = set()
        for n, spec in enumerate(specs):
            here = f"{where}[{n}]"
            if spec["name"].lower() in seen:
                raise self.fail(f"{here}.name", f"{spec['name']!r} is used twice in the same folder")
            seen.add(spec["name"].lower())
            is_folder = spec.get("type", "folder" if "children" in spec else "file") == "folder"
            if not is_folder and "children" in spec:
                raise self.fail(f"{here}.children", "a file cannot have children; give it \"type\": \"folder\"")
            if is_folder and "content" in spec:
                raise self.fail(f"{here}.content", "a folder has no content; only a file does")
            author = self._principal(spec["createdBy"], f"{here}.createdBy", users_only=True) \
                if "createdBy" in spec else None
            created = instant(spec["created"]) if "created" in spec else None
            fields = self._values(spec["fields"], columns, f"{here}.fields") if "fields" in spec else None
            if is_folder:
                item = self.t.add_folder(drive, parent, spec["name"], created=created, created_by=author, fields=fields)
            else:
                item = self.t.add_file(drive, parent, spec["name"], size=spec.get("size", 1024), created=created,
                                       modified=instant(spec["modified"]) if "modified" in spec else None,
                                       created_by=author, fields=fields,
                                       content=spec["content"].encode() if "content" in spec else None)
            if "permissions" in spec:
                self.t.break_inheritance(item, copy=False)
                self._grants(item, spec["permissions"], f"{here}.permissions")
            if "label" in spec:
                if spec["label"] not in self.t.labels:
                    raise self.fail(f"{here}.label", f"{spec['label']!r} is not one of the labels in this file: "
                                    f"{_listing(self.t.labels)}")
                self.t.set_label(item, spec["label"])
            if is_folder:
                self._items(drive, item, spec.get("children", []), columns, f"{here}.children")

    def _grants(self, item: Item, specs: list[dict[str, Any]], where: str) -> None:
        for n, spec in enumerate(specs):
            here = f"{where}[{n}]"
            roles = tuple(spec.get("roles", ["read"]))
            expires = instant(spec["expires"]) if "expires" in spec else None
            shape = spec.get("shape", "v2")
            if "link" not in spec:
                for key in ("type", "recipients", "hasPassword", "preventsDownload"):
                    if key in spec:
                        raise self.fail(f"{here}.{key}", "only a sharing link (\"link\": ...) has this key")
                if shape == "noScope":
                    raise self.fail(f"{here}.shape", "only a sharing link can be sent without a scope")
                if shape != "v2" and "user" not in spec:
                    raise self.fail(f"{here}.shape", "only a user grant or a link has other shapes than v2")
            if "link" in spec:
                if "recipients" in spec and spec["link"] != "users":
                    raise self.fail(f"{here}.recipients", "only a \"users\" (specific people) link names recipients; "
                                    f"this link is {spec['link']!r}")
                recipients = [self._principal(k, f"{here}.recipients[{m}]", users_only=True)
                              for m, k in enumerate(spec.get("recipients", []))]
                self.t.add_link(item, spec["link"], spec.get("type", "view"), recipients=recipients, expires=expires,
                                shape=shape, has_password=spec.get("hasPassword", False),
                                prevents_download=spec.get("preventsDownload", False))
            elif "invitation" in spec:
                self.t.grant(item, roles, invitation=spec["invitation"].lower(), expires=expires)
            elif "claim" in spec:
                self.t.grant(item, roles, claim=spec["claim"], expires=expires)
            elif "application" in spec:
                app = spec["application"]
                self.t.grant(item, roles, application=(app["id"], app.get("displayName", "")), expires=expires)
            elif "siteGroup" in spec:
                self.t.grant(item, roles, site_group_id=SITE_GROUPS[spec["siteGroup"]], expires=expires)
            elif "user" in spec:
                self.t.grant(item, roles, user_id=self._principal(spec["user"], f"{here}.user", users_only=True),
                             expires=expires, shape=shape)
            else:
                group = self.groups.get(spec["group"])
                if group is None:
                    raise self.fail(f"{here}.group", f"{spec['group']!r} is not a group key defined in this file")
                self.t.grant(item, roles, group_id=group, expires=expires)

    # ------------------------------------------------------------------ lists and column values
    def _list(self, site: Site, spec: dict[str, Any], where: str) -> None:
        columns = self._columns(spec["columns"], f"{where}.columns")
        by_name = {c.name: c for c in columns}
        lst = self.t.add_list(site, spec["name"], columns)
        for n, row in enumerate(spec.get("rows", [])):
            self.t.add_list_item(lst, self._values(row, by_name, f"{where}.rows[{n}]"))

    def _columns(self, specs: list[dict[str, Any]], where: str) -> list[Column]:
        seen: set[str] = set()
        for n, spec in enumerate(specs):
            self._unique(spec["name"], seen, f"{where}[{n}].name", "column")
            seen.add(spec["name"])
        return [Column(c["name"], c.get("displayName", c["name"]), c["type"]) for c in specs]

    def _values(self, values: dict[str, Any], columns: dict[str, Column], where: str) -> dict[str, object]:
        """Column values checked against their column's type; person columns turn user keys into ids."""
        out: dict[str, object] = {}
        for name, value in values.items():
            column = columns.get(name)
            if column is None:
                raise self.fail(f"{where}.{name}", f"no such column; declared columns: {_listing(columns) or 'none'}")
            out[name] = self._value(value, column, f"{where}.{name}")
        return out

    def _value(self, value: Any, column: Column, where: str) -> object:
        if value is None:
            return None
        kind = column.type
        if kind in ("person", "personMulti"):
            if kind == "person" and isinstance(value, str):
                return self._principal(value, where, users_only=True)
            if kind == "personMulti" and isinstance(value, list) and all(isinstance(v, str) for v in value):
                return [self._principal(v, f"{where}[{m}]", users_only=True) for m, v in enumerate(value)]
        elif _VALUE_CHECKS[kind](value):
            return value
        raise self.fail(where, f"{value!r} is not a valid value for a {kind} column; expected {_EXPECTED[kind]}")


def _group_key(group: dict[str, Any]) -> str:
    return str(group.get("key", group.get("mail") or group["displayName"]))


def _listing(names: Any) -> str:
    return ", ".join(repr(n) for n in names)


def _parses(parse: Any, value: Any) -> bool:
    try:
        parse(value)
    except (TypeError, ValueError):
        return False
    return True


_VALUE_CHECKS = {
    "text": lambda v: isinstance(v, str),
    "choice": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "date": lambda v: isinstance(v, str) and len(v) == 10 and _parses(date.fromisoformat, v),
    "dateTime": lambda v: isinstance(v, str) and "T" in v and v[-1:] in "Z0123456789" and _parses(instant, v)
    and instant(v).tzinfo is not None,
}
_EXPECTED = {
    "text": "a string", "choice": "a string", "boolean": "true or false", "number": "a number",
    "date": "a date like 2026-11-25", "dateTime": "an instant like 2026-11-25T02:00:00Z",
    "person": "one user key (mail)", "personMulti": "a list of user keys (mails)",
}
