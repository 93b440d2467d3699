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

from m365_compliance.sandbox.model import Column, Drive, Item, Site
from m365_compliance.sandbox.tenant import Tenant
from m365_compliance.sandbox.tenant_file_access import dump_access
from m365_compliance.sandbox.tenant_file_build import (
    SITE_GROUPS,
    Builder,
    TenantFileError,
)

__all__ = ["TenantFileError", "build_tenant", "dump_tenant_file", "load_tenant_file", "tenant_file_schema"]

SITE_GROUP_NAMES = {v: k for k, v in SITE_GROUPS.items()}


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
    return Builder(data, source).build()


def _describe(error: Any) -> str:
    if error.validator == "additionalProperties":
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        return f"{error.message}; allowed keys: {allowed}"
    if error.validator == "enum":
        return f"{error.instance!r} is not allowed; use one of {', '.join(map(repr, error.validator_value))}"
    if error.validator == "oneOf":
        return "a grant needs exactly one of user, group, siteGroup, invitation, claim, application or link"
    if error.validator in ("pattern", "format"):
        return f"{error.instance!r} is not a valid value here (expected {error.schema.get('description') or error.validator_value})"
    return str(error.message)


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
        **({"quirks": {"inheritedFromEmpty": True}} if t.quirks.inherited_from_empty else {}),
        "access": dump_access(t),
    }
    return data


def _dump_site(t: Tenant, site: Site, key: dict[str, str]) -> dict[str, Any]:
    libraries = [t.drives[d] for d in site.drive_ids]
    library_lists = {d.list_id for d in libraries}
    return {
        "name": site.name, "displayName": site.display_name, "created": _iso(site.created),
        "siteGroups": {name: [key[m] for m in site.site_groups[gid].members] for name, gid in SITE_GROUPS.items()},
        "libraries": [_dump_library(t, d, key) for d in libraries],
        "lists": [{
            "name": lst.name, "columns": _dump_columns(lst.columns),
            "rows": [{k: _dump_value(v, lst.column(k), key) for k, v in row.fields.items()} for row in lst.items.values()],
        } for lst in (t.lists[i] for i in site.list_ids) if lst.id not in library_lists],
    }


def _dump_library(t: Tenant, drive: Drive, key: dict[str, str]) -> dict[str, Any]:
    """A library; values of columns the library never declared get a declared column (a file must load)."""
    columns = {c.name: c for c in t.lists[drive.list_id].columns}
    items = list(_dump_children(t, drive, drive.items[drive.root_id], key, columns))
    return {"name": drive.name, "created": _iso(drive.created), "columns": _dump_columns(list(columns.values())),
            "permissions": _dump_grants(t, drive.items[drive.root_id], key), "items": items}


def _dump_children(t: Tenant, drive: Drive, folder: Item, key: dict[str, str],
                   columns: dict[str, Column]) -> Iterator[dict[str, Any]]:
    for child_id in folder.children or {}:
        item = drive.items[child_id]
        out: dict[str, Any] = {"name": item.name, "type": "folder" if item.is_folder else "file",
                               "created": _iso(item.created), "createdBy": key.get(item.created_by)}
        if out["createdBy"] is None:
            del out["createdBy"]
        if not item.is_folder:
            out.update(modified=_iso(item.modified), size=item.size)
            text = _text(item.content)
            if text is not None:
                out["content"] = text
        if item.fields:
            for name, value in item.fields.items():
                if name not in columns:
                    columns[name] = Column(name, name, _inferred_type(value))
            out["fields"] = {k: _dump_value(v, columns[k], key) for k, v in item.fields.items()}
        if item.grants is not None:
            out["permissions"] = _dump_grants(t, item, key)
        if item.label is not None:
            out["label"] = item.label.name
        if item.is_folder:
            out["children"] = list(_dump_children(t, drive, item, key, columns))
        yield out


def _dump_grants(t: Tenant, item: Item, key: dict[str, str]) -> list[dict[str, Any]]:
    grants = []
    for g in item.grants or []:
        out: dict[str, Any] = {"roles": list(g.roles)}
        if g.link_scope:
            out.update(link=g.link_scope, type=g.link_type or "view")
            if g.link_recipients:
                out["recipients"] = [key[r] for r in g.link_recipients]
            out.update({k: True for k, v in (("hasPassword", g.has_password),
                                             ("preventsDownload", g.prevents_download)) if v})
        elif g.invitation:
            out["invitation"] = g.invitation
        elif g.claim:
            out["claim"] = g.claim
        elif g.application:
            out["application"] = {"id": g.application[0], "displayName": g.application[1]}
        elif g.site_group_id:
            out["siteGroup"] = SITE_GROUP_NAMES[g.site_group_id]
        elif g.user_id:
            out["user"] = key[g.user_id]
        else:
            out["group"] = key[g.group_id or ""]
        if g.expires is not None:
            out["expires"] = _iso(g.expires)
        if g.shape != "v2":
            out["shape"] = g.shape
        grants.append(out)
    return grants


def _dump_columns(columns: list[Column]) -> list[dict[str, str]]:
    return [{"name": c.name, "displayName": c.display_name, "type": c.type} for c in columns]


def _dump_value(value: Any, column: Column | None, key: dict[str, str]) -> Any:
    if column is not None and column.type in ("person", "personMulti"):
        return [key[v] for v in value] if isinstance(value, list) else key[value]
    return value


def _inferred_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, int | float) else "text"


def _text(content: bytes | None) -> str | None:
    """Given content as the file format's text; bytes that are not UTF-8 are left out (generated on load)."""
    try:
        return content.decode("utf-8") if content is not None else None
    except UnicodeDecodeError:
        return None


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
