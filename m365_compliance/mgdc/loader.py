"""One library of an MGDC delivery as a partition of a distributed evaluation: the worker reads its own rows.

The driver sends only names: where the delivery is, which library, and the little Graph told it (the folder
units with their columns and dates, the SharePoint groups' ids). The worker reads that library's Files and
Permissions rows (Parquet filtered by site before rows are built) and builds the same :class:`ScopeSnapshot`
``inventory --source mgdc`` would have stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from m365_compliance.inventory.snapshot import MGDC_SOURCE, ScopeSnapshot, Staleness
from m365_compliance.mgdc.delivery import Delivery
from m365_compliance.mgdc.freshness import DATASET_OPERATION, delivery_problem
from m365_compliance.mgdc.picture import LibraryAddress, build_picture, place_units
from m365_compliance.mgdc.rows import read_site
from m365_compliance.model import DriveItem, Library


@dataclass(frozen=True)
class MgdcScopeLoader:
    """``load()`` builds scope ``scope`` from ``delivery``; ``units`` are the folders Graph listed down to the unit
    depth (path below the library → the folder as Graph read it, with the units' columns)."""

    scope: str
    site_url: str
    library: Library
    graph_site_id: str
    address: LibraryAddress
    folder: str  # the configured folder below the library root ("" = the root)
    unit_depth: int
    delivery: str
    units: Mapping[str, DriveItem] = field(default_factory=dict)
    site_groups: Mapping[str, str] = field(default_factory=dict)
    now: datetime | None = None  # the policy time the delivery's age is judged at
    max_age: timedelta = timedelta(days=3)
    tenant_id: str | None = None  # the policy's tenant: rows of another are refused

    def load(self) -> ScopeSnapshot:
        """The scope as the delivery pictures it; a delivery the ingest would refuse (too old, unreadable lines,
        deltas without a base, no rows) gives a stale scope saying why: every finding on it is "not evaluated"."""
        files, permissions = read_site(Delivery(self.delivery), self.address.site_guid)
        dates = [d for d in (files.snapshot, permissions.snapshot) if d is not None]
        taken = min(dates) if dates else None
        problem = delivery_problem(files, permissions, self.max_age, self.now or datetime.now(timezone.utc),
                                   address=self.address, tenant_id=self.tenant_id)
        picture = build_picture(self.library.id, self.address, [] if problem else files.rows,
                                [] if problem else permissions.rows, self.site_groups, self.graph_site_id)
        del files, permissions  # the rows: the picture holds what the rules need, and the rules need the memory
        place_units(picture, self.units, self.folder, self.unit_depth)
        return ScopeSnapshot.build(
            self.scope, self.site_url, self.library, picture.by_path.get(self.folder.strip("/").lower()),
            self.unit_depth,
            picture.items, picture.permissions, frozenset(picture.unreadable), picture_at=taken,
            stale=Staleness(taken, f"{DATASET_OPERATION}: {problem}") if problem else None, source=MGDC_SOURCE)
