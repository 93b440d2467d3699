"""Each way a delivery can be wrong, row by row: it is named (file, line, what), and the library gets no
picture from it — never a picture missing what the bad row held. Read level: no Graph, one small delivery."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from m365_compliance.mgdc.delivery import Delivery, MgdcDeliveryError
from m365_compliance.mgdc.freshness import delivery_problem
from m365_compliance.mgdc.picture import LibraryAddress
from m365_compliance.mgdc.rows import read_dataset
from night import Night

TENANT = "3f2a3210-0000-4000-8000-000000000321"  # the demo policy's tenant_id
FILES, PERMISSIONS = "BasicDataSet_v0.SharePointFiles_v1", "BasicDataSet_v0.SharePointPermissions_v1"


def part(root: Path, dataset: str) -> Path:
    return next((root / dataset).glob("*.json"))


def edit_rows(dataset: str, change: Callable[[list[dict]], None]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = part(root, dataset)
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        change(rows)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return apply


def first_file_row(change: Callable[[dict], None]) -> Callable[[Path], None]:
    return edit_rows(FILES, lambda rows: change(next(r for r in rows if "Søkere" in r["DirName"])))


def a_granting_row(change: Callable[[dict], None]) -> Callable[[Path], None]:
    return edit_rows(PERMISSIONS, lambda rows: change(next(r for r in rows if "rekruttering" in r["ItemURL"]
                                                         and r.get("SharedWith"))))


def all_rows(dataset: str, change: Callable[[dict], None]) -> Callable[[Path], None]:
    return edit_rows(dataset, lambda rows: [change(r) for r in rows])


def latin1(root: Path) -> None:
    path = part(root, FILES)
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))


def nested(root: Path) -> None:
    with part(root, PERMISSIONS).open("a", encoding="utf-8") as out:
        out.write("[" * 100_000 + "]" * 100_000 + "\n")


def garbage_parquet(root: Path) -> None:
    (root / FILES / "part-00009.parquet").write_bytes(b"PAR1 not really" * 100)


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "shared-with-strings": (a_granting_row(lambda r: r.update(SharedWith=["ola@kunde.example"])), "SharedWith"),
    "not-utf-8": (latin1, "not UTF-8"),
    "nested-too-deep": (nested, f"{PERMISSIONS.split('.')[0]}"),
    "dirname-null": (first_file_row(lambda r: r.update(DirName=None)), "no DirName"),
    "dirname-dot-dot": (first_file_row(lambda r: r.update(DirName="Dokumenter/../Andre")), ". or .."),
    "itemurl-dot-dot": (a_granting_row(lambda r: r.update(ItemURL=r["ItemURL"] + "/..")), ". or .."),
    "size-not-a-number": (first_file_row(lambda r: r.update(SizeInBytes="abc")), "SizeInBytes"),
    "unknown-operation": (first_file_row(lambda r: r.update(Operation="Frobnicated")), "Operation"),
    "no-snapshot-date": (a_granting_row(lambda r: r.update(SnapshotDate=None)), "SnapshotDate"),
    "from-the-future": (all_rows(PERMISSIONS, lambda r: r.update(SnapshotDate="2027-06-01T00:00:00Z")),
                        "from the future"),
    "another-tenant": (all_rows(FILES, lambda r: r.update(ptenant="99999999-0000-0000-0000-000000000000")),
                       "another tenant"),
    "files-emptied": (lambda root: part(root, FILES).write_text("", encoding="utf-8"), "holds no file"),
    "permissions-emptied": (lambda root: part(root, PERMISSIONS).write_text("", encoding="utf-8"), "holds no rows"),
    "garbage-parquet": (garbage_parquet, "not a readable Parquet file"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_delivery_is_named_and_gives_no_picture(case: str, graph_night: Night, delivery: Path,
                                                      tmp_path: Path) -> None:
    spoilt = tmp_path / "delivery"
    shutil.copytree(delivery, spoilt)
    spoil, expected = CASES[case]
    spoil(spoilt)
    address = recruitment(delivery)
    assert problem_of(delivery, graph_night, address) is None  # the unspoilt delivery gives a picture
    found = problem_of(spoilt, graph_night, address)
    assert found is not None and (expected in found or case == "nested-too-deep"), found


def problem_of(root: Path, night: Night, address: LibraryAddress) -> str | None:
    site = lambda r: str(r.get("SiteId") or "").lower() == address.site_guid  # noqa: E731
    files = read_dataset(Delivery(str(root)), "files", site)
    permissions = read_dataset(Delivery(str(root)), "permissions", site)
    return delivery_problem(files, permissions, timedelta(days=3), night.demo.tenant.clock, address=address,
                            tenant_id=TENANT)


def recruitment(root: Path) -> LibraryAddress:
    """The recruitment library as its List row names it (``sites/rekruttering/<library>``)."""
    for line in part(root, PERMISSIONS).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("ItemType") == "List" and "rekruttering" in row.get("ItemURL", ""):
            site_path, _, folder = row["ItemURL"].rpartition("/")
            return LibraryAddress(row["SiteId"], site_path, folder)
    raise AssertionError("no List row for the recruitment library")


def test_only_storage_urls_are_read_and_nothing_is_requested_elsewhere() -> None:
    for url in ("http://127.0.0.1:9/v1.0", "https://example.invalid/mgdc", "ftp://example.invalid/x"):
        with pytest.raises(MgdcDeliveryError) as raised:
            Delivery(url).dataset_files("files")
        assert "not in storage this tool reads" in raised.value.message
