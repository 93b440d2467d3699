"""Whether a delivery gives a trustworthy picture of a library: readable whole, with a base, of this tenant,
holding the library, and neither too old nor from the future."""

from __future__ import annotations

from datetime import datetime, timedelta

from m365_compliance.mgdc.picture import LibraryAddress
from m365_compliance.mgdc.rows import DatasetRows

#: The gap operation of a delivery that gives no picture of a scope: a scope-wide gap (see snapshot_load).
DATASET_OPERATION = "mgdc dataset"
#: How far ahead of the run's clock a snapshot date may lie (time zones, a clock a little fast), no further.
CLOCK_SLACK = timedelta(days=1)


def delivery_problem(files: DatasetRows, permissions: DatasetRows, max_age: timedelta, now: datetime, *,
                     address: LibraryAddress, tenant_id: str | None) -> str | None:
    """Why the delivery gives no trustworthy picture of the library, or None."""
    for name, rows in (("Files", files), ("Permissions", permissions)):
        if rows.malformed:
            shown = ", ".join(rows.malformed[:3]) + (" …" if len(rows.malformed) > 3 else "")
            return f"{len(rows.malformed)} row(s) of the {name} dataset cannot be read as documented ({shown})."
        if rows.deltas_without_base:
            return (f"The {name} dataset holds {rows.deltas_without_base} delta row(s) and no full snapshot to "
                    "apply them to: pull a full snapshot (same start and end date) first.")
        foreign = {str(r["ptenant"]).lower() for r in rows.rows if r.get("ptenant")} - {(tenant_id or "").lower()}
        if tenant_id and foreign:
            return f"The {name} dataset holds rows of another tenant ({len(foreign)} tenant id(s) not the policy's)."
    in_library = [r for r in permissions.rows if address.item_path(r) is not None or address.is_web(r)]
    if not in_library:
        return "The Permissions dataset holds no rows for this library or its site: who may see it is unknown."
    named_items = sum(1 for r in in_library if str(r.get("ItemType") or "").lower() in ("file", "folder"))
    if named_items and not any(address.file_path(r) is not None for r in files.rows):
        return (f"The Files dataset holds no file of this library, though the Permissions dataset names "
                f"{named_items} item(s) in it: the Files delivery is incomplete.")
    dates = [d for d in (files.snapshot, permissions.snapshot) if d is not None]
    taken, newest = min(dates), max(dates)
    if newest - now > CLOCK_SLACK:
        return (f"The MGDC delivery is dated {newest.date().isoformat()}, after the run's clock "
                f"({now.date().isoformat()}): a snapshot from the future is not a picture.")
    if now - taken > max_age:
        return (f"The MGDC delivery is of {taken.date().isoformat()}, older than [mgdc] max_age "
                f"({max_age.days} d {max_age.seconds // 3600} h): deliver a newer one.")
    return None
