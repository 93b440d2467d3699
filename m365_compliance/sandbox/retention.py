"""Retention in the sandbox tenant: label definitions, applied labels, deletion, recycle bin, events.

A label whose definition retains (anything but ``doNotRetain``) blocks deletion of the item and of
any folder above it; record labels cannot be replaced or removed by an application (facts §4.1).
Who may apply a record label is the HTTP layer's check (``http/access.py``): seeding a tenant is no call.
Deleted items go to the recycle bin as a subtree, restorable until purged; permanent deletion
leaves only the tombstones that delta reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from m365_compliance.sandbox.errors import SandboxError, not_found
from m365_compliance.sandbox.model import (
    APP_ID,
    AppliedLabel,
    Item,
    RecycleBinEntry,
    RetentionEvent,
    RetentionLabelDef,
)

if TYPE_CHECKING:
    from m365_compliance.sandbox.tenant import Tenant

__all__ = ["APP_ID", "RetentionMixin"]


class RetentionMixin:
    def add_label(self: Tenant, label: RetentionLabelDef) -> RetentionLabelDef:
        with self.lock:
            self.labels[label.name] = label
            return label

    def effective_label(self: Tenant, item: Item) -> AppliedLabel | None:
        """The item's label, else the nearest labelled folder's (labelling a folder tags its items)."""
        if item.label is not None:
            return item.label
        for ancestor in self.ancestors(item):
            if ancestor.label is not None:
                inherited = ancestor.label
                return AppliedLabel(inherited.name, inherited.applied_at, inherited.applied_by, explicit=False)
        return None

    def set_label(self: Tenant, item: Item, name: str, *, by: str = APP_ID) -> bool:
        """Apply a label; returns True when the item had no label before (Graph answers 201 then)."""
        with self.lock:
            definition = self.labels.get(name)
            if definition is None:
                raise SandboxError(400, "invalidRequest", f"The retention label '{name}' does not exist in this tenant.")
            current = item.label
            if current is not None and current.name != name and self.labels[current.name].is_record:
                raise SandboxError(403, "accessDenied", "A record label cannot be replaced by an application.")
            first = current is None
            if current is None or current.name != name:
                item.label = AppliedLabel(name, self.clock, by, explicit=True)
                item.version += 1
                self._log(self.drive(item.drive_id), item, "content")
            return first

    def remove_label(self: Tenant, item: Item) -> None:
        with self.lock:
            if item.label is None:
                return
            if self.labels[item.label.name].is_record:
                raise SandboxError(403, "accessDenied", "Removing a record label is not supported for applications.")
            item.label = None
            item.version += 1
            self._log(self.drive(item.drive_id), item, "content")

    def delete_blocker(self: Tenant, item: Item) -> Item | None:
        """The first item in the subtree whose label forbids deletion, or None."""
        for node in self.walk(self.drive(item.drive_id), item):
            label = self.effective_label(node)
            if label is not None and self.labels[label.name].blocks_delete:
                return node
        return None

    # ------------------------------------------------------------------ deletion and recycle bin
    def delete_item(self: Tenant, item: Item, *, by: str = APP_ID, permanent: bool = False) -> RecycleBinEntry | None:
        with self.lock:
            if item.parent_id is None:
                raise SandboxError(403, "accessDenied", "The root of a library cannot be deleted.")
            if self.delete_blocker(item) is not None:
                raise SandboxError(403, "accessDenied", "Request was cancelled by event received. If attempting to "
                                   "delete a non-empty folder, it's possible that it's on hold")
            drive = self.drive(item.drive_id)
            if any(node.checked_out_by for node in self.walk(drive, item)):
                raise SandboxError(423, "resourceLocked", "The resource you are attempting to access is locked.")
            subtree = list(self.walk(drive, item))
            parent = drive.items[item.parent_id]
            assert parent.children is not None
            parent.children.pop(item.id, None)
            for node in reversed(subtree):  # children are reported deleted before their folder
                del drive.items[node.id]
                node.deleted = True
                drive.tombstones[node.id] = node
                self._log(drive, node, "content")
            if permanent:
                return None
            entry = RecycleBinEntry(self.new_id("recycle"), drive.id, item.id, self.clock, by,
                                    tuple(n.id for n in subtree))
            self.recycle_bin[entry.id] = entry
            return entry

    def restore(self: Tenant, entry_id: str) -> Item:
        with self.lock:
            entry = self.recycle_bin.pop(entry_id, None)
            if entry is None:
                raise not_found(entry_id)
            drive = self.drive(entry.drive_id)
            top = drive.tombstones[entry.item_id]
            if top.parent_id not in drive.items:
                raise SandboxError(409, "nameAlreadyExists", "The original location of this item no longer exists.")
            for node_id in entry.item_ids:
                node = drive.tombstones.pop(node_id)
                node.deleted = False
                drive.items[node_id] = node
                node.version += 1
                self._log(drive, node, "content")
            parent = drive.items[top.parent_id]
            assert parent.children is not None
            parent.children[top.id] = None
            return top

    def purge_recycle_bin(self: Tenant) -> int:
        with self.lock:
            count = len(self.recycle_bin)
            self.recycle_bin.clear()
            return count

    def add_retention_event(self: Tenant, display_name: str, queries: list[tuple[str, str]], trigger_at: datetime,
                            *, event_type_id: str | None = None, description: str = "") -> RetentionEvent:
        with self.lock:
            event = RetentionEvent(self.new_id("event"), display_name, event_type_id, tuple(queries), trigger_at,
                                   self.clock, description)
            self.retention_events.append(event)
            return event


