"""Whether a delivery gives a trustworthy picture of a library: readable whole, with a base, and fresh enough."""

from __future__ import annotations

from datetime import datetime, timedelta

from m365_compliance.mgdc.rows import DatasetRows

#: The gap operation of a delivery that gives no picture of a scope: a scope-wide gap (see snapshot_load).
DATASET_OPERATION = "mgdc dataset"


def delivery_problem(files: DatasetRows, permissions: DatasetRows, max_age: timedelta, now: datetime) -> str | None:
    """Why the delivery gives no trustworthy picture of the library, or None."""
    for name, rows in (("Files", files), ("Permissions", permissions)):
        if rows.malformed:
            shown = ", ".join(rows.malformed[:3]) + (" …" if len(rows.malformed) > 3 else "")
            return f"{len(rows.malformed)} line(s) of the {name} dataset are not JSON objects ({shown})."
        if rows.deltas_without_base:
            return (f"The {name} dataset holds {rows.deltas_without_base} delta row(s) and no full snapshot to "
                    "apply them to: pull a full snapshot (same start and end date) first.")
    dates = [d for d in (files.snapshot, permissions.snapshot) if d is not None]
    if not dates:
        return "The delivery holds no rows for this library (not in the datasets, or a delivery of another tenant)."
    taken = min(dates)
    if now - taken > max_age:
        return (f"The MGDC delivery is of {taken.date().isoformat()}, older than [mgdc] max_age "
                f"({max_age.days} d {max_age.seconds // 3600} h): deliver a newer one.")
    return None
