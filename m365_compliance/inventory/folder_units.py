"""Columns of the folder units (one folder per applicant, one per customer), read with their list item.

Delta does not carry list-item columns, so the columns a rule needs (an applicant's application
date, whether they were hired) are read by listing the scope folder's children with
``$expand=listItem($expand=fields($select=…))`` (facts §3.4): 2 RU per page of units, and only when
a unit changed since the last run.
"""

from __future__ import annotations

from typing import Any

from m365_compliance.graph.errors import GraphError
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.state.inventory_repo import Gap, InventoryRepository


def find_folder(repo: InventoryRepository, drive_id: str, path: str) -> str | None:
    """The id of the folder at ``path`` below the library root ("" = the root), from the committed items."""
    current = repo.db.execute("SELECT item_id FROM items WHERE drive_id=? AND parent_id IS NULL",
                              (drive_id,)).fetchone()
    if current is None:
        return None
    item_id = current[0]
    for name in [p for p in path.strip("/").split("/") if p]:
        row = repo.db.execute("SELECT item_id FROM items WHERE drive_id=? AND parent_id=? AND name=? AND is_folder=1",
                              (drive_id, item_id, name)).fetchone()
        if row is None:
            return None
        item_id = row[0]
    return item_id


def unit_folders(repo: InventoryRepository, drive_id: str, base_id: str, depth: int) -> list[str]:
    level = [base_id]
    for _ in range(depth):
        level = [r[0] for parent in level for r in repo.db.execute(
            "SELECT item_id FROM items WHERE drive_id=? AND parent_id=? AND is_folder=1", (drive_id, parent))]
    return level


async def refresh_unit_fields(gateway: GraphGateway, repo: InventoryRepository, *, scope: str, drive_id: str,
                              base_id: str, depth: int, columns: tuple[str, ...],
                              changed_folders: frozenset[str] | None) -> list[Gap]:
    """Re-read the columns of unit folders whose parent level changed (all of them when ``changed`` is None)."""
    parents = unit_folders(repo, drive_id, base_id, depth - 1)
    units = set(unit_folders(repo, drive_id, base_id, depth))
    if changed_folders is not None and not (units & changed_folders):
        return []
    values: dict[str, dict[str, Any]] = {}
    gaps: list[Gap] = []
    for parent in parents:
        try:
            children = await gateway.list_children(drive_id, parent, fields=columns)
        except GraphError as exc:
            gaps.append(Gap(scope, f"{drive_id}/{parent}", "unit columns", str(exc), exc.status, exc.hint))
            continue
        for child in children:
            if child.is_folder:
                values[child.id] = {name: child.field(name) for name in columns if child.field(name) is not None}
    repo.set_fields(drive_id, values)
    return gaps
