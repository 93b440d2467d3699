"""A delivery is input: too old, cut, deltas without a base, a foreign casing, another filesystem. Each either
gives the same picture or a gap of the scope with nothing stored — the tenant's items never go missing silently."""

from __future__ import annotations

import importlib.util
import json
import shutil
from datetime import timedelta
from pathlib import Path

import fsspec
import pytest
from click.testing import CliRunner

from m365_compliance.cli.main import cli
from m365_compliance.exit_codes import INCOMPLETE
from m365_compliance.mgdc.delivery import Delivery, MgdcDeliveryError
from m365_compliance.mgdc.rows import read_dataset
from m365_compliance.sandbox.mgdc_export import write_mgdc
from m365_compliance.state.inventory_repo import InventoryRepository
from m365_compliance.state.store import StateStore
from mgdc_parity import mgdc_policy
from night import Night


def ingest(night: Night, name: str, delivery: str | Path) -> tuple[object, int, list[str]]:
    """``inventory --source mgdc`` into a store of its own: the result, the items stored, the gaps' operations."""
    policy = mgdc_policy(night, name)
    with night.served():
        result = CliRunner().invoke(cli, ["inventory", "--config", str(policy), "--now", night.now, "--source", "mgdc",
                                          "--path", str(delivery)])
    assert "Traceback" not in result.output, result.output
    with StateStore(night.out / f"{name}.sqlite") as store:
        repo = InventoryRepository(store)
        run = store.runs("inventory")[-1]
        return result, repo.item_count(), [g.operation for g in repo.gaps(run["id"])]


def files_part(delivery: Path) -> Path:
    return next((delivery / "BasicDataSet_v0.SharePointFiles_v1").glob("*.json"))


def test_a_delivery_older_than_max_age_is_a_gap_and_nothing_is_stored(graph_night: Night, tmp_path: Path) -> None:
    old = tmp_path / "old"
    tenant = graph_night.demo.tenant
    write_mgdc(tenant, old, snapshot_date=(tenant.clock - timedelta(days=5)).date(), fmt="jsonl")
    result, items, gaps = ingest(graph_night, "old", old)
    assert result.exit_code == INCOMPLETE.code
    assert items == 0 and gaps.count("mgdc dataset") == 3  # both scopes, and the SharePoint groups
    assert "older than [mgdc] max_age" in result.output


def test_a_cut_line_is_a_gap_naming_file_and_line(graph_night: Night, delivery: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut"
    shutil.copytree(delivery, cut)
    part = files_part(cut)
    lines = part.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3][: len(lines[3]) // 2]  # a write cut short
    part.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result, items, gaps = ingest(graph_night, "cut", cut)
    assert result.exit_code == INCOMPLETE.code and items == 0
    assert f"{part.name}:4" in result.output


def test_deltas_apply_in_order_and_deltas_without_a_base_are_refused(graph_night: Night, delivery: Path,
                                                                     tmp_path: Path) -> None:
    merged = tmp_path / "delta"
    shutil.copytree(delivery, merged)
    rows = [json.loads(line) for line in files_part(merged).read_text(encoding="utf-8").splitlines()]
    gone, renamed = rows[0], dict(rows[1])
    later = (graph_night.demo.tenant.clock + timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z")
    renamed.update(FileName="Omdøpt.pdf", Operation="Updated", SnapshotDate=later)
    deleted = dict(gone, Operation="Deleted", SnapshotDate=later)
    folder = merged / "BasicDataSet_v0.SharePointFiles_v1" / "2026" / "delta"
    folder.mkdir(parents=True)
    (folder / "part-00000.json").write_text(json.dumps(renamed) + "\n" + json.dumps(deleted) + "\n", encoding="utf-8")
    picture = read_dataset(Delivery(str(merged)), "files", lambda r: True)
    ids = {r["ItemId"]: r for r in picture.rows}
    assert gone["ItemId"] not in ids and ids[renamed["ItemId"]]["FileName"] == "Omdøpt.pdf"
    assert len(picture.rows) == len(rows) - 1 and picture.snapshot.strftime("%Y-%m-%dT00:00:00Z") == later
    only_deltas = tmp_path / "only-deltas"
    shutil.copytree(merged, only_deltas)
    files_part(only_deltas).unlink()
    assert read_dataset(Delivery(str(only_deltas)), "files", lambda r: True).deltas_without_base == 2


def test_other_casing_and_two_objects_on_a_line_read_the_same(delivery: Path, tmp_path: Path) -> None:
    """The published Permissions sample writes AADObjectId and packs two objects on one line."""
    odd = tmp_path / "odd"
    shutil.copytree(delivery, odd)
    part = next((odd / "BasicDataSet_v0.SharePointPermissions_v1").glob("*.json"))
    lines = part.read_text(encoding="utf-8").replace('"AadObjectId"', '"AADObjectId"').splitlines()
    part.write_text("".join(lines[:2]) + "\n" + "\n".join(lines[2:]) + "\n", encoding="utf-8")
    plain = read_dataset(Delivery(str(delivery)), "permissions", lambda r: True).rows
    assert read_dataset(Delivery(str(odd)), "permissions", lambda r: True).rows == plain


def test_a_url_is_read_through_fsspec_and_abfss_without_adlfs_says_what_to_install(delivery: Path) -> None:
    memory = fsspec.filesystem("memory")
    memory.put(str(delivery), "/mgdc-delivery", recursive=True)
    local = read_dataset(Delivery(str(delivery)), "files", lambda r: True).rows
    assert read_dataset(Delivery("memory://mgdc-delivery"), "files", lambda r: True).rows == local
    if importlib.util.find_spec("adlfs") is None:  # installed, abfss:// opens: nothing to say
        with pytest.raises(MgdcDeliveryError) as raised:
            Delivery("abfss://mgdc@account.dfs.core.windows.net/spo").dataset_files("files")
        assert "m365-compliance[azure-storage]" in raised.value.hint


def test_an_empty_folder_is_no_delivery(graph_night: Night, tmp_path: Path) -> None:
    result, items, gaps = ingest(graph_night, "empty", tmp_path)
    assert result.exit_code == INCOMPLETE.code and items == 0 and "mgdc dataset" in gaps
    assert "holds no folder for the BasicDataSet_v0.SharePointFiles_v1 dataset" in result.output


def test_a_parquet_delivery_reads_as_the_json_one(graph_night: Night, delivery: Path, tmp_path: Path) -> None:
    parquet = tmp_path / "parquet"
    write_mgdc(graph_night.demo.tenant, parquet, snapshot_date=graph_night.demo.tenant.clock.date(), fmt="parquet")
    for dataset in ("files", "permissions"):
        as_json = read_dataset(Delivery(str(delivery)), dataset, lambda r: True)
        as_parquet = read_dataset(Delivery(str(parquet)), dataset, lambda r: True)
        assert as_parquet.snapshot == as_json.snapshot and len(as_parquet.rows) == len(as_json.rows)
    result, items, gaps = ingest(graph_night, "parquet", parquet)
    _, json_items, _ = ingest(graph_night, "json", delivery)
    assert items == json_items > 200 and "mgdc dataset" not in gaps
