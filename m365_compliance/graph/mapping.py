"""Small shapes the gateway hands out besides domain records: a delta page, plain field values.

Every Graph answer is read as JSON and mapped by :mod:`m365_compliance.graph.json_records`; nothing
from the SDK's model classes leaves the gateway (DESIGN principle 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from m365_compliance.model import DriveItem


@dataclass(frozen=True, slots=True)
class DeltaPage:
    """One page of a drive's delta feed. Exactly one of ``next_link`` / ``delta_link`` is set (§1.2)."""

    items: tuple[DriveItem, ...]
    next_link: str | None
    delta_link: str | None
    preference_applied: tuple[str, ...] = ()  # Prefer values the service says it honoured


def plain(value: Any) -> Any:
    """Field values as plain Python: the SDK turns GUID strings into UUID; give them back as str."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
