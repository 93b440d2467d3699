"""Where an MGDC delivery lies and what files it holds: a local folder or any fsspec URL (``abfss://`` with adlfs).

MGDC documents no file names and no manifest: a pipeline run leaves one or more files of JSON lines (copy activity)
or Parquet (mapping data flows) in the sink folder (docs-contrib concepts/data-connect-datasets.md and
data-connect-faq.md). So a delivery is a root holding one folder per dataset, named by the dataset's id
(``BasicDataSet_v0.SharePointFiles_v1``) or its short name (``SharePointFiles_v1``); every ``*.json``, ``*.jsonl``
and ``*.parquet`` file below it, at any depth (date and run folders), is data; anything else is ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from m365_compliance.errors import InventoryError

#: The SharePoint datasets by what this code calls them (microsoftgraph/dataconnect-solutions, Datasets/).
DATASET_IDS = {
    "sites": "BasicDataSet_v0.SharePointSites_v1",
    "permissions": "BasicDataSet_v0.SharePointPermissions_v1",
    "files": "BasicDataSet_v0.SharePointFiles_v1",
    "groups": "BasicDataSet_v0.SharePointGroups_v1",
}
DATA_SUFFIXES = (".json", ".jsonl", ".parquet")
#: Where a delivery may be read from: a local folder, the Azure storage MGDC writes to (ADLS Gen2 or Blob, through
#: adlfs), and memory (tests). Anything else (http://, ftp://, …) is refused before a request is made.
STORAGE_SCHEMES = ("file", "local", "abfs", "abfss", "az", "memory")


class MgdcDeliveryError(InventoryError):
    """A delivery that cannot be read at all: no such folder, no access, a filesystem that is not installed."""

    default_hint = ("Give --path (or [mgdc] path) the folder or URL that holds one folder per MGDC dataset, e.g. "
                    "BasicDataSet_v0.SharePointFiles_v1/; docs/mgdc.md shows the layout.")


@dataclass(frozen=True)
class Delivery:
    """The root of an MGDC delivery: a local folder or a URL fsspec can open."""

    root: str

    def filesystem(self) -> tuple[Any, str]:
        import fsspec

        scheme = self.root.split("://", 1)[0].lower() if "://" in self.root else "file"
        if scheme not in STORAGE_SCHEMES:
            raise MgdcDeliveryError(f"The MGDC delivery {self.root} is not in storage this tool reads "
                                    f"('{scheme}://'): MGDC delivers to Azure storage.",
                                    hint="Give a local folder or an abfss:// (or az://) URL of the storage account "
                                         "the MGDC pipeline writes to.")
        try:
            return fsspec.core.url_to_fs(self.root)
        except (ImportError, ValueError) as exc:
            scheme = self.root.split("://", 1)[0] if "://" in self.root else "file"
            hint = ("For abfss:// and az:// install the Azure filesystem: pip install 'm365-compliance[azure-storage]'."
                    if scheme in ("abfs", "abfss", "az") else f"No filesystem is installed for '{scheme}://' URLs.")
            raise MgdcDeliveryError(f"The MGDC delivery {self.root} cannot be opened: {exc}", hint=hint) from None

    def dataset_files(self, dataset: str) -> list[str]:
        """The data files of one dataset (``files``, ``permissions``, ``sites``, ``groups``), sorted by path."""
        fs, root = self.filesystem()
        folder = self._dataset_folder(fs, root, dataset)
        try:
            found = fs.find(folder)
        except OSError as exc:
            raise MgdcDeliveryError(f"The MGDC dataset folder {folder} cannot be listed: {exc}") from None
        return sorted(path for path in found if path.lower().endswith(DATA_SUFFIXES))

    def open(self, path: str) -> Any:
        fs, _ = self.filesystem()
        return fs.open(path, "rb")

    def _dataset_folder(self, fs: Any, root: str, dataset: str) -> str:
        full = DATASET_IDS[dataset]
        wanted = {full.lower(), full.split(".", 1)[1].lower()}
        try:
            entries = fs.ls(root, detail=True)
        except FileNotFoundError:
            raise MgdcDeliveryError(f"The MGDC delivery {self.root} does not exist.") from None
        except OSError as exc:
            raise MgdcDeliveryError(f"The MGDC delivery {self.root} cannot be listed: {exc}") from None
        for entry in entries:
            name = str(entry["name"]).rstrip("/").rsplit("/", 1)[-1]
            if entry.get("type") == "directory" and name.lower() in wanted:
                return str(entry["name"])
        raise MgdcDeliveryError(f"The MGDC delivery {self.root} holds no folder for the {full} dataset.")


def iter_batches(delivery: Delivery, path: str, columns_equal: dict[str, str] | None = None,
                 batch_rows: int = 50_000, columns: tuple[str, ...] | None = None) -> Iterator[Any]:
    """Arrow record batches of one Parquet file: only ``columns`` (all when None), only rows whose columns equal
    ``columns_equal`` (without regard to case). Both are applied in Arrow, so a worker reading one library of a
    10M-row file never builds the other libraries' rows. Column names match without regard to case."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    with delivery.open(path) as handle:
        parquet = pq.ParquetFile(handle)
        actual = {name.lower(): name for name in parquet.schema_arrow.names}
        wanted = None if columns is None else [actual[c.lower()] for c in columns if c.lower() in actual]
        for batch in parquet.iter_batches(batch_size=batch_rows, columns=wanted):
            for column, value in (columns_equal or {}).items():
                if column.lower() in actual:
                    batch = batch.filter(pc.equal(pc.utf8_lower(batch.column(actual[column.lower()])), value.lower()))
            if batch.num_rows:
                yield batch
