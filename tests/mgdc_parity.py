"""Findings of one tenant read two ways, compared: what differs is only how items and grants are named.

A Graph crawl names items by driveItem id and grants by Graph permission id; an MGDC delivery by the
SharePoint UniqueId and by (scope, role, recipient). The comparison names each item by its scope and path,
and a grant by what the evidence says beside it (whom it reaches, with which roles, through what); finding
ids, which hash those names, are left out. Everything else must be equal.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from m365_compliance.inventory.snapshot import Snapshot
from night import Night
from m365_compliance.rules.findings import Finding


def normalised(findings: tuple[Finding, ...] | list[Finding], snapshot: Snapshot) -> Counter[str]:
    names: dict[str, str] = {}
    for scope in snapshot.scopes.values():
        names[scope.library.id] = f"<library {scope.scope}>"
        for item in scope.items.values():
            names[item.id] = f"<{scope.scope}:{scope.path(item)}>"
    long_ids = sorted((n for n in names if len(n) >= 12), key=len, reverse=True)
    out: Counter[str] = Counter()
    for finding in findings:
        data: dict[str, Any] = finding.as_dict()
        data.pop("id")
        for key in NOT_CARRIED:
            data["evidence"].pop(key, None)
        grant = data["evidence"].get("permission")
        if grant:  # who, with which roles, through what: the evidence says beside it
            data["evidence"]["permission"] = "<grant>"
            data["message"] = data["message"].replace(f"({grant})", "(<grant>)")
        out[json.dumps(_renamed(data, names, long_ids), sort_keys=True, ensure_ascii=False)] += 1
    return out


#: Evidence MGDC does not carry (a link's preventsDownload and hasPassword): left out, as for any answer that
#: does not send them (docs/mgdc.md).
NOT_CARRIED = ("preventsDownload", "hasPassword")


def _renamed(value: Any, names: dict[str, str], long_ids: list[str]) -> Any:
    """``value`` with every item and library id named by its path, wherever it stands."""
    if isinstance(value, dict):
        return {k: _renamed(v, names, long_ids) for k, v in value.items()}
    if not isinstance(value, str):
        return value
    if value in names and len(value) >= 12:
        return names[value]
    for raw in long_ids:
        if raw in value:
            value = value.replace(raw, names[raw])
    return value


def mgdc_policy(night: Night, name: str) -> Path:
    """A copy of the night's policy file with its own state store: the MGDC picture kept apart from Graph's."""
    policy = night.out / f"{name}.toml"
    policy.write_text(night.policy.read_text(encoding="utf-8").replace('path = "state.sqlite"',
                                                                       f'path = "{name}.sqlite"'), encoding="utf-8")
    return policy
