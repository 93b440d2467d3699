"""Rows of one MGDC dataset as one picture: tolerant parsing, keys by documented casing, deltas merged.

What the datasets' pages document and what this code does about it (microsoftgraph/dataconnect-solutions,
Datasets/data-connect-dataset-sharepoint*.md):
- Files are JSON lines; the published samples also put two objects on one line and indent lines, so each line is
  decoded object by object. A line that is not JSON is counted and reported: the picture is then incomplete.
- Key casing varies (the Permissions example writes ``AADObjectId``): keys are matched without regard to case.
- ``Operation`` is ``Full`` in a full pull, ``Created``/``Updated``/``Deleted`` in a delta. The newest full snapshot
  is the base; later deltas are applied in ``SnapshotDate`` order by the dataset's key (Files: SiteId + ItemId, the
  one key the docs state; Permissions: SiteId + ScopeId + RoleDefinition + LinkId, as Microsoft's own pipelines
  merge them; Sites: Id; Groups: SiteId + GroupId). Deltas with no full snapshot before them are not a picture.
"""

from __future__ import annotations

import json
from functools import lru_cache
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from m365_compliance.mgdc.delivery import Delivery, iter_batches

Row = dict[str, Any]

#: Every documented top-level and nested name this code reads, so other casings map onto them.
KNOWN_NAMES = ("SiteId", "WebId", "ListId", "ItemId", "ScopeId", "SiteUrl", "DirName", "FileName", "SizeInBytes",
               "TimeCreated", "TimeLastModified", "Author", "ModifiedBy", "MajorVersion", "SnapshotDate", "Operation",
               "ItemType", "ItemURL", "UniqueId", "ListItemId", "RoleDefinition", "LinkId", "LinkScope", "SharedWith",
               "ShareExpirationTime", "Type", "TypeV2", "Name", "Email", "AadObjectId", "UPN", "UserLoginName",
               "GroupId", "DisplayName", "Members", "LoginName", "Id", "Url", "RootWeb", "GroupLinkId")
_CANONICAL = {name.lower(): name for name in KNOWN_NAMES}

#: How the rows of each dataset are told apart when deltas are merged.
MERGE_KEYS: dict[str, Callable[[Row], tuple[Any, ...]]] = {
    "files": lambda r: (r.get("SiteId"), r.get("ItemId")),
    "permissions": lambda r: (r.get("SiteId"), r.get("ScopeId"), r.get("RoleDefinition"), r.get("LinkId") or ""),
    "sites": lambda r: (r.get("Id"),),
    "groups": lambda r: (r.get("SiteId"), r.get("GroupId")),
}


#: The columns read of a Parquet file, by dataset (None: all). The Files dataset is the big one: its structs
#: (Author, ModifiedBy, SensitivityLabelInfo) and sizes with versions are never read.
READ_COLUMNS: dict[str, tuple[str, ...] | None] = {
    "files": ("SiteId", "ListId", "ItemId", "ScopeId", "DirName", "FileName", "SizeInBytes", "TimeCreated",
              "TimeLastModified", "SnapshotDate", "Operation"),
    "permissions": None, "sites": None, "groups": None,
}


#: Columns whose values repeat across many rows: held once each (a million rows hold a few hundred folders).
REPEATED = ("SiteId", "WebId", "ListId", "ScopeId", "DirName", "SnapshotDate", "Operation", "ItemType",
            "RoleDefinition", "LinkScope")


def canonical(row: Mapping[str, Any]) -> Row:
    """The row with documented names for known keys, nested objects and arrays of objects included."""
    out: Row = {}
    for key, value in row.items():
        if isinstance(value, Mapping):
            value = canonical(value)
        elif isinstance(value, list):
            value = [canonical(v) if isinstance(v, Mapping) else v for v in value]
        out[_CANONICAL.get(key.lower(), key)] = value
    return out


@dataclass
class DatasetRows:
    """One dataset's rows after merging, with what could not be read."""

    rows: list[Row] = field(default_factory=list)
    snapshot: datetime | None = None  # the newest SnapshotDate the picture includes
    malformed: list[str] = field(default_factory=list)  # "file:line" of lines that are not JSON objects
    deltas_without_base: int = 0


def read_dataset(delivery: Delivery, dataset: str, keep: Callable[[Row], bool],
                 pushdown: dict[str, str] | None = None) -> DatasetRows:
    """The rows of ``dataset`` that ``keep`` accepts, as one merged picture. ``pushdown`` filters Parquet files
    before rows are built (an equality on top-level columns); ``keep`` still decides for every row."""
    result = DatasetRows()
    kept: list[Row] = []
    shared: dict[Any, Any] = {}  # one object for each repeated value: a site's GUID, a folder's path, the date
    for path in delivery.dataset_files(dataset):
        for where, row in _file_rows(delivery, path, dataset, pushdown, result.malformed):
            if keep(row):
                problem = row_problem(dataset, row)
                if problem is not None:
                    result.malformed.append(f"{where}: {problem}")
                    continue
                for name in REPEATED:
                    value = row.get(name)
                    if value is not None:
                        row[name] = shared.setdefault(value, value)
                kept.append(row)
    result.rows, result.snapshot, result.deltas_without_base = merge(kept, MERGE_KEYS[dataset])
    return result


def read_site(delivery: Delivery, site_guid: str) -> tuple[DatasetRows, DatasetRows]:
    """The Files and the Permissions rows of one site collection: what one library's picture is built from."""
    def of_site(row: Row) -> bool:
        return str(row.get("SiteId") or "").lower() == site_guid

    return (read_dataset(delivery, "files", of_site, pushdown={"SiteId": site_guid}),
            read_dataset(delivery, "permissions", of_site, pushdown={"SiteId": site_guid}))


def merge(rows: Iterable[Row], key: Callable[[Row], tuple[Any, ...]]) -> tuple[list[Row], datetime | None, int]:
    """The newest full snapshot with the deltas after it applied; its date; the delta rows that had no base.

    Rows are grouped by key, never collapsed: a full snapshot may hold several rows with one key (one row per
    recipient of a role, or the same link twice), and each may grant something. A delta row replaces (or, when
    ``Deleted``, removes) every row of its key; delta rows of one key and one date are kept together."""
    rows = list(rows)
    full_dates = {d for d in (snapshot_date(r) for r in rows if _operation(r) == "full") if d is not None}
    if not full_dates:
        return [], None, sum(1 for r in rows if _operation(r) != "full")
    base = max(full_dates)
    if len(full_dates) == 1 and all(_operation(r) == "full" for r in rows):
        return rows, base, 0  # one full pull, the usual delivery: every row stands as it is
    picture: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        if _operation(row) == "full" and snapshot_date(row) == base:
            picture.setdefault(key(row), []).append(row)
    deltas = sorted((r for r in rows if _operation(r) != "full" and (snapshot_date(r) or base) > base),
                    key=lambda r: snapshot_date(r) or base)
    newest = base
    replaced: set[tuple[Any, ...]] = set()  # (key, date) already replaced by a delta of that date
    for row in deltas:
        when = snapshot_date(row) or base
        newest = max(newest, when)
        if _operation(row) == "deleted":
            picture.pop(key(row), None)
        elif (key(row), when) in replaced:
            picture.setdefault(key(row), []).append(row)
        else:
            picture[key(row)] = [row]
            replaced.add((key(row), when))
    return [r for group in picture.values() for r in group], newest, 0


def snapshot_date(row: Row) -> datetime | None:
    value = row.get("SnapshotDate")
    return _parsed_text(value) if isinstance(value, str) else parse_time(value)


@lru_cache(maxsize=1024)  # a delivery holds a handful of snapshot dates, on millions of rows
def _parsed_text(value: str) -> datetime | None:
    return parse_time(value)


def parse_time(value: Any) -> datetime | None:
    """An ISO datetime as MGDC writes it (``2024-05-03T00:00:00Z``, milliseconds or not); None when absent or
    unreadable (the published samples hold one malformed hour)."""
    if isinstance(value, datetime):  # a Parquet timestamp
        parsed = value
    elif isinstance(value, date):  # a Parquet date32
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _operation(row: Row) -> str:
    return str(row.get("Operation") or "Full").lower()


def row_problem(dataset: str, row: Row) -> str | None:
    """What makes a row unusable as documented, or None. A row the code cannot read is never skipped quietly: the
    library's picture would lack whatever it granted or held."""
    if snapshot_date(row) is None:
        return "no readable SnapshotDate"
    if _operation(row) not in OPERATIONS:
        return "an Operation that is not Full, Created, Updated or Deleted"
    if dataset == "files":
        for name in ("ItemId", "DirName", "FileName"):
            if not isinstance(row.get(name), str) or not row[name].strip():
                return f"no {name}"
        if any(part in (".", "..") for part in row["DirName"].strip("/").split("/")):
            return "a DirName with . or .. in it"
        size = row.get("SizeInBytes")
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
            return "a SizeInBytes that is not a byte count"
    if dataset == "permissions":
        if not isinstance(row.get("ScopeId"), str) or not isinstance(row.get("ItemURL"), str):
            return "no ScopeId or ItemURL"
        if any(part in (".", "..") for part in row["ItemURL"].strip("/").split("/")):
            return "an ItemURL with . or .. in it"
        shared = row.get("SharedWith")
        if shared is not None and (not isinstance(shared, list) or not all(isinstance(e, Mapping) for e in shared)):
            return "a SharedWith that is not a list of recipients"
    return None


OPERATIONS = ("full", "created", "updated", "deleted")


def _file_rows(delivery: Delivery, path: str, dataset: str, pushdown: dict[str, str] | None,
               malformed: list[str]) -> Iterator[tuple[str, Row]]:
    """Each row with where it stands (``file:line``, ``file:row``); what cannot be read goes to ``malformed``."""
    name = path.rsplit("/", 1)[-1]
    if path.lower().endswith(".parquet"):
        flat = READ_COLUMNS[dataset] is not None  # only flat columns read: their names are all to make canonical
        number = 0
        try:
            for batch in iter_batches(delivery, path, pushdown, columns=READ_COLUMNS[dataset]):
                batch = batch.rename_columns([_CANONICAL.get(n.lower(), n) for n in batch.schema.names])
                for row in batch.to_pylist():
                    number += 1
                    yield f"{name}:row {number}", row if flat else canonical(row)
        except (OSError, ValueError) as exc:  # ArrowInvalid is a ValueError: not Parquet, or cut short
            malformed.append(f"{name}: not a readable Parquet file ({type(exc).__name__})")
        return
    decoder = json.JSONDecoder()
    with delivery.open(path) as handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8").strip().lstrip("\ufeff")
            except UnicodeDecodeError:
                malformed.append(f"{name}:{number}: not UTF-8")
                continue
            position = 0
            while position < len(line):
                try:
                    value, end = decoder.raw_decode(line, position)
                    row = canonical(value) if isinstance(value, Mapping) else None
                except (json.JSONDecodeError, RecursionError):
                    malformed.append(f"{name}:{number}")
                    break
                if row is not None:
                    yield f"{name}:{number}", row
                else:
                    malformed.append(f"{name}:{number}")
                position = end
                while position < len(line) and line[position] in " \t\r":
                    position += 1
