"""A sandbox tenant written as the four MGDC SharePoint datasets, so an MGDC reader is tested without Azure.

Layout (ours: MGDC documents none, only that a delivery is a folder of one or more files with
unspecified names)::

    out_dir/BasicDataSet_v0.SharePointSites_v1/part-00000.json
    out_dir/BasicDataSet_v0.SharePointPermissions_v1/part-00000.json
    out_dir/BasicDataSet_v0.SharePointFiles_v1/part-00000.json, part-00001.json, …
    out_dir/BasicDataSet_v0.SharePointGroups_v1/part-00000.json

JSON lines (one object per line, UTF-8, as the copy activity delivers) or Parquet (``.parquet``: the
documented fields as columns, see :mod:`m365_compliance.mgdc.arrow_schema`). Rows are streamed in chunks
(a Parquet row group each) and a part holds at most ``rows_per_part`` rows, so a million files never sit
in one Python list. Each part is written under a hidden temporary name and renamed when complete; the
part files an earlier export left in the four folders are removed before anything is written, so a reader
never mixes two exports (stopped halfway, the datasets not yet written are empty folders).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from m365_compliance.mgdc.fields import DATASETS, Dataset
from m365_compliance.private_files import open_private, open_private_text, private_dir
from m365_compliance.sandbox.mgdc_access_rows import group_rows, permission_rows
from m365_compliance.sandbox.mgdc_rows import Row, Snapshot, file_rows, site_rows
from m365_compliance.sandbox.tenant import Tenant

FORMATS = {"jsonl": ".json", "parquet": ".parquet"}
ROWS_PER_PART = 500_000
CHUNK_ROWS = 50_000

_ROWS: dict[str, Callable[[Tenant, Snapshot], Iterator[Row]]] = {
    "sites": site_rows, "permissions": permission_rows, "files": file_rows, "groups": group_rows}


@dataclass(frozen=True)
class DatasetOutput:
    """One dataset as written: its folder, its part files in order, and how many rows they hold."""

    name: str  # sites | permissions | files | groups
    folder: Path
    files: tuple[Path, ...]
    rows: int


@dataclass(frozen=True)
class MgdcExport:
    out_dir: Path
    format: str
    snapshot_date: date
    datasets: tuple[DatasetOutput, ...]

    def dataset(self, name: str) -> DatasetOutput:
        return next(d for d in self.datasets if d.name == name)


def part_name(index: int, fmt: str) -> str:
    return f"part-{index:05}{FORMATS[fmt]}"


def write_mgdc(tenant: Tenant, out_dir: Path, *, snapshot_date: date, fmt: str = "jsonl",
               rows_per_part: int = ROWS_PER_PART, chunk_rows: int = CHUNK_ROWS) -> MgdcExport:
    """Write the tenant's state as a full (``Operation`` "Full") MGDC snapshot of ``snapshot_date``."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt is one of {tuple(FORMATS)}, not {fmt!r}")
    if rows_per_part < 1 or chunk_rows < 1:
        raise ValueError("rows_per_part and chunk_rows must be positive")
    snapshot = Snapshot.of(tenant, snapshot_date)
    written = []
    folders = {name: private_dir(out_dir / dataset.id) for name, dataset in DATASETS.items()}
    for folder in folders.values():  # all first: stopped halfway, no folder holds an older export's parts
        _remove_parts(folder)
    with tenant.lock:  # one consistent state across the four datasets
        for name, dataset in DATASETS.items():
            files, rows = _write_parts(folders[name], _ROWS[name](tenant, snapshot), fmt, dataset, rows_per_part,
                                       chunk_rows)
            written.append(DatasetOutput(name, folders[name], files, rows))
    return MgdcExport(out_dir, fmt, snapshot_date, tuple(written))


def _remove_parts(folder: Path) -> None:
    for suffix in FORMATS.values():
        for stale in folder.glob(f"part-*{suffix}"):
            stale.unlink()


def _write_parts(folder: Path, rows: Iterable[Row], fmt: str, dataset: Dataset, rows_per_part: int,
                 chunk_rows: int) -> tuple[tuple[Path, ...], int]:
    """The rows in parts of at most ``rows_per_part``, each written chunk by chunk; an empty dataset is one
    empty part, so every folder holds at least one file."""
    source = iter(rows)
    files: list[Path] = []
    total = 0
    while True:
        sink: _Sink | None = None
        in_part = 0
        try:
            while in_part < rows_per_part:
                chunk = list(islice(source, min(chunk_rows, rows_per_part - in_part)))
                if not chunk:
                    break
                if sink is None:
                    sink = _open_sink(folder / part_name(len(files), fmt), fmt, dataset)
                sink.write(chunk)
                in_part += len(chunk)
            if sink is None:
                if files:
                    break
                sink = _open_sink(folder / part_name(0, fmt), fmt, dataset)
            files.append(sink.commit())
        except BaseException:
            if sink is not None:
                sink.abort()
            raise
        total += in_part
        if in_part < rows_per_part:
            break
    return tuple(files), total


class _Sink(Protocol):
    def write(self, rows: list[Row]) -> None: ...
    def commit(self) -> Path: ...
    def abort(self) -> None: ...


def _open_sink(path: Path, fmt: str, dataset: Dataset) -> _Sink:
    return _JsonLines(path) if fmt == "jsonl" else _Parquet(path, dataset)


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


def json_value(value: Any) -> str:
    """What ``json`` cannot write itself: a datetime, as MGDC writes it (``2024-05-16T00:00:00Z``)."""
    if isinstance(value, datetime):
        if value.utcoffset():
            value = value.astimezone(UTC)
        return value.isoformat(timespec="seconds")[:19] + "Z"
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class _JsonLines:
    def __init__(self, path: Path) -> None:
        self.path, self.temp = path, _temporary(path)
        self.out = open_private_text(self.temp)

    def write(self, rows: list[Row]) -> None:
        self.out.write("".join(json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=json_value) + "\n"
                               for row in rows))

    def commit(self) -> Path:
        self.out.close()
        os.replace(self.temp, self.path)
        return self.path

    def abort(self) -> None:
        self.out.close()
        self.temp.unlink(missing_ok=True)


class _Parquet:
    def __init__(self, path: Path, dataset: Dataset) -> None:
        import pyarrow.parquet as pq

        from m365_compliance.mgdc.arrow_schema import arrow_schema

        self.path, self.temp = path, _temporary(path)
        self.schema = arrow_schema(dataset)
        self.file = open_private(self.temp)
        self.writer = pq.ParquetWriter(self.file, self.schema)

    def write(self, rows: list[Row]) -> None:
        import pyarrow as pa

        self.writer.write_table(pa.Table.from_pylist(rows, schema=self.schema), row_group_size=len(rows))

    def commit(self) -> Path:
        self.writer.close()
        self.file.close()
        os.replace(self.temp, self.path)
        return self.path

    def abort(self) -> None:
        try:
            self.writer.close()
        finally:
            self.file.close()
            self.temp.unlink(missing_ok=True)
