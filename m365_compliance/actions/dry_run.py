"""What the executor needs from Graph, and the read-only wrapper that makes a dry run unable to write.

A dry run is the same executor over :class:`ReadOnlyGateway`: every read (re-fetching items,
labels, permissions) really happens, so the dry run reports what apply would meet, and every write
method raises :class:`WriteRefused` before a request is built. Reads are delegated by name, one by
one: a method this wrapper does not know is absent, never passed through.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from m365_compliance.errors import ComplianceError
from m365_compliance.graph.errors import GraphError
from m365_compliance.model import DriveItem, Permission, RetentionLabelInfo


class ActionGateway(Protocol):
    """The part of :class:`~m365_compliance.graph.gateway.GraphGateway` that apply uses."""

    async def get_item(self, drive_id: str, item_id: str) -> DriveItem | None: ...
    async def list_children(self, drive_id: str, item_id: str, *, fields: Sequence[str] = ()) -> list[DriveItem]: ...
    async def get_retention_label(self, drive_id: str, item_id: str) -> RetentionLabelInfo | None: ...
    async def batch_get_permissions(self, drive_id: str,
                                    item_ids: Sequence[str]) -> dict[str, list[Permission] | GraphError]: ...
    async def batch_get_labels(self, drive_id: str,
                               item_ids: Sequence[str]) -> dict[str, RetentionLabelInfo | None | GraphError]: ...
    async def set_retention_label(self, drive_id: str, item_id: str, name: str) -> RetentionLabelInfo: ...
    async def delete_item(self, drive_id: str, item_id: str, *, if_match: str | None,
                          permanent: bool = False) -> None: ...
    async def delete_permission(self, drive_id: str, item_id: str, permission_id: str, *,
                                if_match: str | None = None) -> None: ...
    async def fire_retention_event(self, *, event_type_id: str, display_name: str, asset_ids: Sequence[str],
                                   trigger_at: datetime, description: str = "") -> str: ...
    async def retention_events_described(self, description: str) -> list[str]: ...


class WriteRefused(ComplianceError):
    """Raised by :class:`ReadOnlyGateway` instead of writing: the action's preconditions held."""

    default_hint = "This was a dry run. Apply with --execute to make the changes."

    def __init__(self, operation: str) -> None:
        super().__init__(f"dry run: {operation} refused")
        self.operation = operation


class ReadOnlyGateway:
    """Reads go to ``inner``; writes raise :class:`WriteRefused` and never reach Graph."""

    def __init__(self, inner: ActionGateway) -> None:
        self._inner = inner

    async def get_item(self, drive_id: str, item_id: str) -> DriveItem | None:
        return await self._inner.get_item(drive_id, item_id)

    async def list_children(self, drive_id: str, item_id: str, *, fields: Sequence[str] = ()) -> list[DriveItem]:
        return await self._inner.list_children(drive_id, item_id, fields=fields)

    async def get_retention_label(self, drive_id: str, item_id: str) -> RetentionLabelInfo | None:
        return await self._inner.get_retention_label(drive_id, item_id)

    async def batch_get_permissions(self, drive_id: str,
                                    item_ids: Sequence[str]) -> dict[str, list[Permission] | GraphError]:
        return await self._inner.batch_get_permissions(drive_id, item_ids)

    async def retention_events_described(self, description: str) -> list[str]:
        return await self._inner.retention_events_described(description)

    async def batch_get_labels(self, drive_id: str,
                               item_ids: Sequence[str]) -> dict[str, RetentionLabelInfo | None | GraphError]:
        return await self._inner.batch_get_labels(drive_id, item_ids)

    async def set_retention_label(self, drive_id: str, item_id: str, name: str) -> RetentionLabelInfo:
        raise WriteRefused("apply a retention label")

    async def delete_item(self, drive_id: str, item_id: str, *, if_match: str | None,
                          permanent: bool = False) -> None:
        raise WriteRefused("delete an item")

    async def delete_permission(self, drive_id: str, item_id: str, permission_id: str, *,
                                if_match: str | None = None) -> None:
        raise WriteRefused("remove a permission")

    async def fire_retention_event(self, *, event_type_id: str, display_name: str, asset_ids: Sequence[str],
                                   trigger_at: datetime, description: str = "") -> str:
        raise WriteRefused("fire a retention event")
