"""The tenant file: a documented JSON format for modelling a tenant and rehearsing the policy on it.

The shape is the JSON Schema ``tenant-file.schema.json`` beside this module (docs/tenant-file.md).
Loading validates the shape first, then the references (every user, group and label named must
exist, names must be unique among siblings), and reports the first problem with its JSON path, the
value and what is allowed — a bad file never half-builds a tenant.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from m365_compliance.errors import ComplianceError
from m365_compliance.sandbox.model import Column, Drive, Item, RetentionLabelDef, Site
from m365_compliance.sandbox.tenant import Tenant

SITE_GROUPS = {"owners": "3", "visitors": "4", "members": "5"}
SITE_GROUP_NAMES = {v: k for k, v in SITE_GROUPS.items()}


class TenantFileError(ComplianceError):
    default_hint = "See docs/tenant-file.md for the format; `sandbox export --demo` writes a complete example."


@cache
def tenant_file_schema() -> dict[str, Any]:
    text = resources.files("m365_compliance.sandbox").joinpath("tenant-file.schema.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def load_tenant_file(path: Path) -> Tenant:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TenantFileError(f"Cannot read the tenant file {path}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TenantFileError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from exc
    return build_tenant(data, source=path.name)


def build_tenant(data: Any, *, source: str = "tenant file") -> Tenant:
    """Validate ``data`` (schema, then references) and build the tenant it describes."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(tenant_file_schema(), format_checker=jsonschema.FormatChecker())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = error.json_path.replace("$.", "").replace("$", "(top level)")
        raise TenantFileError(f"{source}: {where}: {_describe(error)}")
    return _Builder(data, source).build()


def _describe(error: Any) -> str:
    if error.validator == "additionalProperties":
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        return f"{error.message}; allowed keys: {allowed}"
    if error.validator == "enum":
        return f"{error.instance!r} is not allowed; use one of {', '.join(map(repr, error.validator_value))}"
    if error.validator == "oneOf":
        return "a grant needs exactly one of user, group, siteGroup or link"
    if error.validator in ("pattern", "format"):
        return f"{error.instance!r} is not a valid value here (expected {error.schema.get('description') or error.validator_value})"
    return str(error.message)


class _Builder:
    def __init__(self, data: dict[str, Any], source: str) -> None:
        self.data = data
        self.source = source
        settings = data.get("tenant", {})
        self.t = Tenant(domain=settings.get("domain", Tenant.domain),
                        sharepoint_host=settings.get("sharepointHost", Tenant.sharepoint_host),
                        id_seed=settings.get("seed", "321"))
        if "clock" in settings:
            self.t.clock = _instant(settings["clock"])
        self.users: dict[str, str] = {}
        self.groups: dict[str, str] = {}
        self.principals: dict[str, str] = {}

    def fail(self, where: str, message: str) -> TenantFileError:
        return TenantFileError(f"{self.source}: {where}: {message}")

    def build(self) -> Tenant:
        t, data = self.t, self.data
        for n, user in enumerate(data.get("users", [])):
            key = user.get("key", user["mail"])
            self._unique(key, f"users[{n}].key")
            self.users[key] = t.add_user(user["displayName"], user["mail"], guest=user.get("guest", False),
                                         job_title=user.get("jobTitle")).id
        for n, group in enumerate(data.get("groups", [])):
            key = group.get("key", group.get("mail") or group["displayName"])
            self._unique(key, f"groups[{n}].key")
            self.groups[key] = t.add_group(group["displayName"], group.get("mail"),
                                           unified=group.get("unified", False)).id
        self.principals = {**self.users, **self.groups}
        for n, group in enumerate(data.get("groups", [])):
            gid = self.groups[group.get("key", group.get("mail") or group["displayName"])]
            for m, member in enumerate(group.get("members", [])):
                t.add_member(gid, self._principal(member, f"groups[{n}].members[{m}]"))
        for label in data.get("labels", []):
            t.add_label(RetentionLabelDef(label["name"], label.get("behavior", "retain"), label.get("retentionDays"),
                                          label.get("trigger", "dateLabeled"), label.get("eventType")))
        sites: dict[str, Site] = {}
        for n, site in enumerate(data.get("sites", [])):
            sites[site["name"]] = self._site(site, f"sites[{n}]")
        access = data.get("access", {})
        if "permissions" in access:
            t.access.permissions = set(access["permissions"])
        for m, name in enumerate(access.get("deniedSites", [])):
            if name not in sites:
                raise self.fail(f"access.deniedSites[{m}]", f"no site named {name!r} in this file")
            t.access.denied_sites.add(sites[name].id)
        return t

    def _unique(self, key: str, where: str) -> None:
        if key in self.users or key in self.groups:
            raise self.fail(where, f"the key {key!r} is used twice")

    def _principal(self, key: str, where: str, *, users_only: bool = False) -> str:
        found = (self.users if users_only else self.principals).get(key)
        if found is None:
            kind = "user" if users_only else "user or group"
            raise self.fail(where, f"{key!r} is not a {kind} key defined in this file")
        return found

    def _site(self, spec: dict[str, Any], where: str) -> Site:
        groups = spec.get("siteGroups", {})
        members = {name: [self._principal(k, f"{where}.siteGroups.{name}[{i}]") for i, k in enumerate(groups.get(name, []))]
                   for name in SITE_GROUPS}
        site = self.t.add_site(spec["name"], spec.get("displayName", spec["name"]), owners=members["owners"],
                               members=members["members"], visitors=members["visitors"],
                               created=_instant(spec["created"]) if "created" in spec else None)
        for n, lib in enumerate(spec.get("libraries", [])):
            self._library(site, lib, f"{where}.libraries[{n}]")
        for n, lst in enumerate(spec.get("lists", [])):
            self._list(site, lst, f"{where}.lists[{n}]")
        return site

    def _library(self, site: Site, spec: dict[str, Any], where: str) -> None:
        t = self.t
        drive = t.add_drive(site, spec["name"], created=_instant(spec["created"]) if "created" in spec else None)
        t.lists[drive.list_id].columns.extend(_columns(spec.get("columns", [])))
        root = drive.items[drive.root_id]
        if "permissions" in spec:
            root.grants = []
            self._grants(root, spec["permissions"], f"{where}.permissions")
        self._items(drive, root, spec.get("items", []), f"{where}.items")

    def _items(self, drive: Drive, parent: Item, specs: list[dict[str, Any]], where: str) -> None:
        seen: set[str] = set()
        for n, spec in enumerate(specs):
            here = f"{where}[{n}]"
            if spec["name"].lower() in seen:
                raise self.fail(f"{here}.name", f"{spec['name']!r} is used twice in the same folder")
            seen.add(spec["name"].lower())
            is_folder = spec.get("type", "folder" if "children" in spec else "file") == "folder"
            if not is_folder and "children" in spec:
                raise self.fail(here, "a file cannot have children")
            author = self._principal(spec["createdBy"], f"{here}.createdBy", users_only=True) \
                if "createdBy" in spec else None
            created = _instant(spec["created"]) if "created" in spec else None
            if is_folder:
                item = self.t.add_folder(drive, parent, spec["name"], created=created, created_by=author,
                                         fields=spec.get("fields"))
            else:
                item = self.t.add_file(drive, parent, spec["name"], size=spec.get("size", 1024), created=created,
                                       modified=_instant(spec["modified"]) if "modified" in spec else None,
                                       created_by=author, fields=spec.get("fields"))
            if "permissions" in spec:
                self.t.break_inheritance(item, copy=False)
                self._grants(item, spec["permissions"], f"{here}.permissions")
            if "label" in spec:
                if spec["label"] not in self.t.labels:
                    raise self.fail(f"{here}.label", f"{spec['label']!r} is not one of the labels in this file")
                self.t.set_label(item, spec["label"])
            if is_folder:
                self._items(drive, item, spec.get("children", []), f"{here}.children")

    def _grants(self, item: Item, specs: list[dict[str, Any]], where: str) -> None:
        for n, spec in enumerate(specs):
            here = f"{where}[{n}]"
            roles = tuple(spec.get("roles", ["read"]))
            expires = _instant(spec["expires"]) if "expires" in spec else None
            if "link" in spec:
                recipients = [self._principal(k, f"{here}.recipients[{m}]", users_only=True)
                              for m, k in enumerate(spec.get("recipients", []))]
                self.t.add_link(item, spec["link"], spec.get("type", "view"), recipients=recipients, expires=expires)
            elif "siteGroup" in spec:
                self.t.grant(item, roles, site_group_id=SITE_GROUPS[spec["siteGroup"]], expires=expires)
            elif "user" in spec:
                self.t.grant(item, roles, user_id=self._principal(spec["user"], f"{here}.user", users_only=True),
                             expires=expires)
            else:
                group = self.groups.get(spec["group"])
                if group is None:
                    raise self.fail(f"{here}.group", f"{spec['group']!r} is not a group key defined in this file")
                self.t.grant(item, roles, group_id=group, expires=expires)

    def _list(self, site: Site, spec: dict[str, Any], where: str) -> None:
        columns = _columns(spec["columns"])
        types = {c.name: c.type for c in columns}
        lst = self.t.add_list(site, spec["name"], columns)
        for n, row in enumerate(spec.get("rows", [])):
            values: dict[str, object] = {}
            for name, value in row.items():
                if name not in types:
                    raise self.fail(f"{where}.rows[{n}].{name}", f"no such column; columns: {', '.join(types)}")
                if types[name] in ("person", "personMulti"):
                    keys = value if isinstance(value, list) else [value]
                    ids = [self._principal(k, f"{where}.rows[{n}].{name}", users_only=True) for k in keys]
                    value = ids if types[name] == "personMulti" else ids[0]
                values[name] = value
            self.t.add_list_item(lst, values)


def _columns(specs: list[dict[str, Any]]) -> list[Column]:
    return [Column(c["name"], c.get("displayName", c["name"]), c["type"]) for c in specs]


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# ---------------------------------------------------------------------------- export
def dump_tenant_file(t: Tenant) -> dict[str, Any]:
    """The tenant as a tenant file (keys are mails), loadable with :func:`build_tenant`."""
    user_key = {u.id: u.mail for u in t.users.values()}
    group_key = {g.id: g.mail or g.display_name for g in t.groups.values()}
    key = {**user_key, **group_key}
    data: dict[str, Any] = {
        "tenant": {"domain": t.domain, "sharepointHost": t.sharepoint_host, "clock": _iso(t.clock), "seed": t.id_seed},
        "users": [{"displayName": u.display_name, "mail": u.mail, **({"guest": True} if u.is_guest else {}),
                   **({"jobTitle": u.job_title} if u.job_title else {})} for u in t.users.values()],
        "groups": [{"key": group_key[g.id], "displayName": g.display_name, **({"mail": g.mail} if g.mail else {}),
                    **({"unified": True} if g.group_types else {}), "members": [key[m] for m in g.members]}
                   for g in t.groups.values()],
        "labels": [{"name": d.name, "behavior": d.behavior, "retentionDays": d.retention_days, "trigger": d.trigger,
                    "eventType": d.event_type} for d in t.labels.values()],
        "sites": [_dump_site(t, s, key) for s in t.sites.values()],
        "access": {"permissions": sorted(t.access.permissions),
                   "deniedSites": [t.sites[s].name for s in sorted(t.access.denied_sites)]},
    }
    return data


def _dump_site(t: Tenant, site: Site, key: dict[str, str]) -> dict[str, Any]:
    libraries = [t.drives[d] for d in site.drive_ids]
    library_lists = {d.list_id for d in libraries}
    return {
        "name": site.name, "displayName": site.display_name, "created": _iso(site.created),
        "siteGroups": {name: [key[m] for m in site.site_groups[gid].members] for name, gid in SITE_GROUPS.items()},
        "libraries": [{
            "name": d.name, "created": _iso(d.created), "columns": _dump_columns(t.lists[d.list_id].columns),
            "permissions": _dump_grants(t, d.items[d.root_id], key),
            "items": list(_dump_children(t, d, d.items[d.root_id], key)),
        } for d in libraries],
        "lists": [{
            "name": lst.name, "columns": _dump_columns(lst.columns),
            "rows": [{k: _dump_value(v, lst.column(k), key) for k, v in row.fields.items()} for row in lst.items.values()],
        } for lst in (t.lists[i] for i in site.list_ids) if lst.id not in library_lists],
    }


def _dump_children(t: Tenant, drive: Drive, folder: Item, key: dict[str, str]) -> Iterator[dict[str, Any]]:
    for child_id in folder.children or {}:
        item = drive.items[child_id]
        out: dict[str, Any] = {"name": item.name, "type": "folder" if item.is_folder else "file",
                               "created": _iso(item.created), "createdBy": key.get(item.created_by)}
        if out["createdBy"] is None:
            del out["createdBy"]
        if not item.is_folder:
            out.update(modified=_iso(item.modified), size=item.size)
        if item.fields:
            out["fields"] = item.fields
        if item.grants is not None:
            out["permissions"] = _dump_grants(t, item, key)
        if item.label is not None:
            out["label"] = item.label.name
        if item.is_folder:
            out["children"] = list(_dump_children(t, drive, item, key))
        yield out


def _dump_grants(t: Tenant, item: Item, key: dict[str, str]) -> list[dict[str, Any]]:
    grants = []
    for g in item.grants or []:
        out: dict[str, Any] = {"roles": list(g.roles)}
        if g.link_scope:
            out.update(link=g.link_scope, type=g.link_type or "view")
            if g.link_recipients:
                out["recipients"] = [key[r] for r in g.link_recipients]
        elif g.site_group_id:
            out["siteGroup"] = SITE_GROUP_NAMES[g.site_group_id]
        elif g.user_id:
            out["user"] = key[g.user_id]
        else:
            out["group"] = key[g.group_id or ""]
        if g.expires is not None:
            out["expires"] = _iso(g.expires)
        grants.append(out)
    return grants


def _dump_columns(columns: list[Column]) -> list[dict[str, str]]:
    return [{"name": c.name, "displayName": c.display_name, "type": c.type} for c in columns]


def _dump_value(value: Any, column: Column | None, key: dict[str, str]) -> Any:
    if column is not None and column.type in ("person", "personMulti"):
        return [key[v] for v in value] if isinstance(value, list) else key[value]
    return value


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
