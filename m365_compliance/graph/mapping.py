"""msgraph-sdk objects → domain records. Nothing from the SDK leaves the gateway (DESIGN principle 1).

The inventory's reads (sites, libraries, delta, children, permissions, directory objects) skip the
SDK's model parser and map Graph's JSON directly: :mod:`m365_compliance.graph.json_records`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from msgraph.generated.models.item_retention_label import ItemRetentionLabel
from msgraph.generated.models.drive_item import DriveItem as SdkDriveItem
from msgraph.generated.models.search_hit import SearchHit as SdkSearchHit

from m365_compliance.model import DriveItem, RetentionLabelInfo, SearchHit
from m365_compliance.model.content import RECORD_BEHAVIOURS


@dataclass(frozen=True, slots=True)
class DeltaPage:
    """One page of a drive's delta feed. Exactly one of ``next_link`` / ``delta_link`` is set (§1.2)."""

    items: tuple[DriveItem, ...]
    next_link: str | None
    delta_link: str | None
    preference_applied: tuple[str, ...] = ()  # Prefer values the service says it honoured


def search_hit(hit: SdkSearchHit) -> SearchHit | None:
    """A Microsoft Search hit whose resource is a driveItem; other resource types are not ours (None)."""
    item = hit.resource
    if not isinstance(item, SdkDriveItem) or not item.id:
        return None
    parent = item.parent_reference
    return SearchHit(drive_id=(parent.drive_id if parent else None) or "", item_id=item.id, name=item.name or "",
                     web_url=item.web_url or "", site_id=parent.site_id if parent else None,
                     is_folder=item.folder is not None)


def retention_label(label: ItemRetentionLabel | None) -> RetentionLabelInfo | None:
    """None when no label is applied (Graph may answer an empty object, facts §4.1)."""
    if label is None or not label.name:
        return None
    settings = label.retention_settings
    behaviour = settings.behavior_during_retention_period if settings else None
    behavior = None if behaviour is None else str(getattr(behaviour, "value", behaviour))
    return RetentionLabelInfo(
        name=label.name,
        applied_at=label.label_applied_date_time,
        explicit=label.is_label_applied_explicitly is not False,
        delete_allowed=settings.is_delete_allowed if settings else None,
        is_record=behavior in RECORD_BEHAVIOURS,
        behavior=behavior,
        record_locked=settings.is_record_locked if settings else None,
    )


def plain(value: Any) -> Any:
    """Field values as plain Python: the SDK turns GUID strings into UUID; give them back as str."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
