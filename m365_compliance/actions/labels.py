"""Retention labels of everything a plan would delete, read from Graph before the plan is written.

Delta does not carry labels (driveitem-delta.md documents no ``retentionLabel`` in its answer; a label
is read with ``GET …/items/{id}/retentionLabel`` or ``$expand=retentionLabel`` on one item,
driveitem-getretentionlabel.md), so the inventory never knows them. The planner therefore names every
item a deletion would remove — the item and everything below it — and they are read here, 20 per
``$batch``, 1 RU each: the cost follows the planned deletions, not the tenant's size
(docs/inventory.md, "Retention labels"). A label that could not be read protects its item as surely
as a record label does: nothing is deleted whose label is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from m365_compliance.graph.errors import AuthenticationError, GraphError
from m365_compliance.model import DriveItem, RetentionLabelInfo

Key = tuple[str, str]  # (drive id, item id)


class LabelGateway(Protocol):
    async def batch_get_labels(self, drive_id: str,
                               item_ids: Sequence[str]) -> dict[str, RetentionLabelInfo | None | GraphError]: ...


@dataclass(frozen=True)
class LabelReading:
    """What Graph said about each item's label: the label, None (no label), or why it could not be read."""

    labels: Mapping[Key, RetentionLabelInfo | None] = field(default_factory=dict)
    failed: Mapping[Key, str] = field(default_factory=dict)

    def known(self, item: DriveItem) -> bool:
        return (item.drive_id, item.id) in self.labels

    def label(self, item: DriveItem) -> RetentionLabelInfo | None:
        """The label read for ``item`` (or the one the snapshot carries); None when it has none."""
        return self.labels.get((item.drive_id, item.id)) or item.label

    def failure(self, item: DriveItem) -> str:
        return self.failed.get((item.drive_id, item.id), "it was not read before planning")

    @staticmethod
    def from_items(items: Iterable[DriveItem]) -> LabelReading:
        """The labels the items carry, taken as read (a snapshot built by hand, whose labels are complete)."""
        return LabelReading({(i.drive_id, i.id): i.label for i in items})


async def read_labels(gateway: LabelGateway, targets: Iterable[DriveItem]) -> LabelReading:
    """Read the labels of ``targets`` (deduplicated, per drive, 20 per round trip)."""
    by_drive: dict[str, list[str]] = {}
    for item in targets:
        ids = by_drive.setdefault(item.drive_id, [])
        if item.id not in ids:
            ids.append(item.id)
    labels: dict[Key, RetentionLabelInfo | None] = {}
    failed: dict[Key, str] = {}
    for drive_id, item_ids in by_drive.items():
        try:
            answers = await gateway.batch_get_labels(drive_id, item_ids)
        except AuthenticationError:
            raise
        except GraphError as error:
            answers = {item_id: error for item_id in item_ids}
        for item_id in item_ids:
            answer = answers.get(item_id, GraphError("Graph gave no answer for this item's label."))
            if isinstance(answer, GraphError):
                failed[(drive_id, item_id)] = f"{answer.message} (status {answer.status})"
            else:
                labels[(drive_id, item_id)] = answer
    return LabelReading(labels, failed)
