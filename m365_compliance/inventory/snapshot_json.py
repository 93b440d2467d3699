"""A snapshot as one JSON document, so a past picture can be re-evaluated offline (``check --snapshot``).

``load_snapshot_json(dump_snapshot(s)) == s``: everything the rules read survives the round trip.
The file holds what the inventory read (paths, names, register rows): treat it like the state store.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from m365_compliance.errors import StateError
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot
from m365_compliance.model import (
    Library,
    LinkScope,
    Permission,
    Principal,
    PrincipalKind,
)
from m365_compliance.private_files import write_private
from m365_compliance.state.inventory_repo import Gap, decode_item, encode_item
from m365_compliance.state.store import from_text, json_default, to_text
from m365_compliance.terminal_text import safe_json

FORMAT = "m365-compliance-snapshot/1"


def dump_snapshot(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "format": FORMAT, "runId": snapshot.run_id, "takenAt": to_text(snapshot.taken_at),
        "policyVersion": snapshot.policy_version,
        "scopes": {name: {
            "scope": s.scope, "siteUrl": s.site_url, "library": [s.library.id, s.library.site_id, s.library.name,
                                                                 s.library.web_url],
            "baseFolderId": s.base_folder_id, "unitDepth": s.unit_depth,
            "items": [json.loads(encode_item(i)) for i in s.items.values()],
            "permissions": {k: [_perm(p) for p in v] for k, v in s.permissions.items()},
            "unreadable": sorted(s.unreadable)} for name, s in snapshot.scopes.items()},
        "principals": [_principal(p) for p in snapshot.principals.values()],
        "groupMembers": {k: list(v) for k, v in snapshot.group_members.items()},
        "roles": {k: list(v) for k, v in snapshot.roles.items()},
        "registerRows": list(snapshot.register_rows),
        "gaps": [_gap(g) for g in snapshot.gaps],
        # The store's secret for permission refs, so a re-evaluation names permissions as the store's did; the
        # file already holds the addresses the refs hide, and is written owner-only like the store.
        "pseudonymKey": snapshot.pseudonym_key.hex(),
    }


def load_snapshot_json(data: dict[str, Any]) -> Snapshot:
    """The snapshot :func:`dump_snapshot` wrote (after ``json.loads``); ValueError when it is not one."""
    if data.get("format") != FORMAT:
        raise ValueError(f"format is {data.get('format')!r}, expected {FORMAT!r}")
    return _snapshot(data)


def write_snapshot(snapshot: Snapshot, path: Path) -> None:
    """Write the file readable by its owner only (0600): it names applicants and contact persons."""
    write_private(path, safe_json(dump_snapshot(snapshot), default=json_default, indent=1))  # names as \u escapes


def read_snapshot(path: Path) -> Snapshot:
    try:
        return load_snapshot_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StateError(f"Cannot read the snapshot file {path}: {exc}",
                         hint="Export one with `m365-compliance check --snapshot-out FILE`.") from exc


def _snapshot(d: dict[str, Any]) -> Snapshot:
    scopes = {}
    for name, s in d["scopes"].items():
        items = {i["id"]: decode_item(json.dumps(i)) for i in s["items"]}
        perms = {k: tuple(_unperm(p) for p in v) for k, v in s["permissions"].items()}
        scopes[name] = ScopeSnapshot.build(s["scope"], s["siteUrl"], Library(*s["library"]), s["baseFolderId"],
                                           s["unitDepth"], items, perms, frozenset(s["unreadable"]))
    principals = {p.key: p for p in (_unprincipal(x) for x in d["principals"])}
    return Snapshot(d["runId"], from_text(d["takenAt"]), d["policyVersion"], scopes,  # type: ignore[arg-type]
                    principals, {k: tuple(v) for k, v in d["groupMembers"].items()},
                    {k: tuple(v) for k, v in d["roles"].items()}, tuple(d["registerRows"]),
                    tuple(Gap(**g) for g in d["gaps"]), bytes.fromhex(d.get("pseudonymKey", "")))


def _principal(p: Principal) -> dict[str, Any]:
    return {"kind": p.kind.value, "id": p.id, "name": p.display_name, "email": p.email}


def _unprincipal(d: dict[str, Any]) -> Principal:
    return Principal(PrincipalKind(d["kind"]), d["id"], d["name"], d["email"])


def _perm(p: Permission) -> dict[str, Any]:
    return {"id": p.id, "roles": list(p.roles), "grantees": [_principal(g) for g in p.grantees],
            "linkScope": p.link_scope.value if p.link_scope else None, "linkType": p.link_type,
            "expires": to_text(p.expires), "inherited": p.inherited, "hasPassword": p.has_password,
            "preventsDownload": p.prevents_download}


def _unperm(d: dict[str, Any]) -> Permission:
    return Permission(d["id"], tuple(d["roles"]), tuple(_unprincipal(g) for g in d["grantees"]),
                      LinkScope(d["linkScope"]) if d["linkScope"] else None, d["linkType"], from_text(d["expires"]),
                      d.get("inherited"), d.get("hasPassword"), d.get("preventsDownload"))


def _gap(g: Gap) -> dict[str, Any]:
    return {"scope": g.scope, "target": g.target, "operation": g.operation, "message": g.message,
            "status": g.status, "hint": g.hint}
