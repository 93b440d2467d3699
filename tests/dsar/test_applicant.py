"""An applicant's requests on the demo tenant: every file found, the copy verified byte for byte against
the sandbox, and an erasure after which only the journal and the case records know the person."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import logging
import stat
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from dsar_world import World

from m365_compliance.actions.plan_json import read_plan
from m365_compliance.dsar.repository import CaseRepository
from m365_compliance.inventory.service import inventory_from_config
from m365_compliance.sandbox.demo_manifest import ApplicantTruth

CASE_TABLES = {"dsar_cases", "dsar_matches", "dsar_events"}


def applicant(world: World, state: str) -> ApplicantTruth:
    return next(a for a in world.demo.manifest.applicants if a.state == state and a.applied is not None)


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


def tables_naming(world: World, words: list[str]) -> set[str]:
    """Every table with a text cell that contains one of ``words`` (case-insensitive)."""
    found = set()
    with world.store() as store:
        for (table,) in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
            for row in store.db.execute(f'SELECT * FROM "{table}"'):
                cells = " ".join(str(v) for v in tuple(row) if isinstance(v, str)).casefold()
                if any(w.casefold() in cells for w in words):
                    found.add(table)
                    break
    return found


def test_every_file_is_found_and_the_copy_matches_the_sandbox(world: World) -> None:
    m, t = world.demo.manifest, world.demo.tenant
    a = applicant(world, "within")
    case = world.open(a.email, "access", name=a.person)
    found = world.cli("dsar", "find", case)
    assert "1 match(es)" in found.output and "0 to confirm" in found.output
    assert a.email not in found.output and a.person not in found.output  # the terminal shows ids and counts
    with world.store() as store:
        (match,) = CaseRepository(store).matches(case)
    folder = world.subtree(m.recruitment_drive, a.folder_id)
    assert {i.item_id for i in match.items} == {i.id for i in folder}
    assert (match.rule, match.confidence, match.status) == ("email column", "exact", "auto")
    assert "also" not in match.reason and "name" in match.reason  # the folder name matched too, and says so

    world.cli("dsar", "export", case, "--out", world.dir / "out")
    zipped = world.dir / "out" / f"{case}-export.zip"
    assert private(zipped)
    files = [i for i in folder if not i.is_folder]
    with zipfile.ZipFile(zipped) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        rows = list(csv.DictReader(io.StringIO(zf.read("manifest.csv").decode())))
        readme = zf.read("README.txt").decode()
        by_name = {e["path"].rsplit("/", 1)[-1]: e for e in manifest["files"]}
        assert sorted(by_name) == sorted(i.name for i in files) and len(rows) == len(files)
        for item in files:
            entry = by_name[item.name]
            data = zf.read(entry["file"])
            assert data == t.file_content(item) and a.person.encode() in data
            assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["size"] == len(data)
            assert entry["status"] == "included" and entry["foundBy"] == "email column"
            assert entry["keepUntil"] == a.deadline.isoformat() and "12 months" in entry["retention"]
            assert entry["purpose"].startswith("Rekruttering") and entry["webUrl"].endswith(quote(item.name))
            assert entry["file"].startswith("files/recruitment/Søkere/")
            assert zf.getinfo(entry["file"]).external_attr >> 16 == 0o600
    assert manifest["subject"] == {"email": a.email, "name": a.person} and manifest["case"] == case
    assert manifest["registerEntries"] == []
    assert "Norsk" in readme and "English" in readme

    closed = world.cli("dsar", "close", case, "--out", world.dir)
    assert "access_provided" in closed.output
    statement = json.loads((world.dir / f"{case}-statement.json").read_text(encoding="utf-8"))
    assert statement["outcome"] == "access_provided" and statement["exported"]["files"] == len(files)
    assert private(world.dir / f"{case}-statement.json") and private(world.dir / f"{case}-statement.txt")
    assert world.cli("dsar", "export", case, ok=False).exit_code == 1  # a closed case takes no more steps


def test_erasure_leaves_nothing_but_the_journal_and_the_case(world: World, caplog: pytest.LogCaptureFixture) -> None:
    m, t = world.demo.manifest, world.demo.tenant
    a = applicant(world, "warning")  # a C2 warning: the stored findings name the folder's path too
    folder = world.subtree(m.recruitment_drive, a.folder_id)
    ids = {i.id for i in folder}
    assert "findings" in tables_naming(world, [a.person])
    case = world.open(a.email, "erasure", name=a.person)
    world.cli("dsar", "find", case)
    plan_path = world.dir / "erasure.json"
    world.cli("dsar", "erase", case, "--out", plan_path)
    plan = read_plan(plan_path)
    assert [(x.kind, x.item_id, x.approval_class, x.items) for x in plan.actions] == [
        ("delete_item", a.folder_id, "dsar_erasure", len(ids))]
    assert plan.actions[0].expected_etag == t.item(m.recruitment_drive, a.folder_id).etag
    text = plan_path.read_text(encoding="utf-8")
    assert a.person not in text and a.email not in text and case in text

    writes = world.server.app.meter.snapshot()["writes"]
    waiting = world.cli("dsar", "erase", case, "--apply", plan_path, "--execute")
    assert "awaiting_approval 1" in waiting.output and "stays open" in waiting.output
    world.cli("dsar", "erase", case, "--apply", plan_path)  # approved below; a dry run first
    world.cli("approve", plan_path, "--class", "dsar_erasure", "--by", "Marte Olsen")
    dry = world.cli("dsar", "erase", case, "--apply", plan_path)
    assert "dry_run 1" in dry.output and world.server.app.meter.snapshot()["writes"] == writes
    assert ids <= set(t.drive(m.recruitment_drive).items)

    with caplog.at_level(logging.DEBUG, logger="m365_compliance"):
        done = world.cli("dsar", "erase", case, "--apply", plan_path, "--execute", "--statement-out", world.dir)
    assert "done 1" in done.output and f"Case {case} closed" in done.output
    assert not ids & set(t.drive(m.recruitment_drive).items)
    (entry,) = [e for e in t.recycle_bin.values() if e.item_id == a.folder_id]
    assert set(entry.item_ids) == ids  # in the recycle bin, restorable for 93 days
    assert all(a.email not in r.getMessage() and a.person not in r.getMessage() for r in caplog.records)

    statement = json.loads((world.dir / f"{case}-statement.json").read_text(encoding="utf-8"))
    assert statement["outcome"] == "erased" and statement["kept"] == [] and statement["deletedTo"] == "recycle bin"
    (deleted,) = statement["deleted"]
    assert deleted["items"] == len(ids) and deleted["path"].endswith(a.name) and len(deleted["contents"]) == len(ids) - 1
    letter = (world.dir / f"{case}-statement.txt").read_text(encoding="utf-8")
    assert "Slettet (artikkel 17)" in letter and "Deleted (Article 17)" in letter and a.name in letter

    asyncio.run(inventory_from_config(world.config, full=True))  # the next night's inventory
    assert tables_naming(world, [a.person, a.email]) <= CASE_TABLES
    with world.store() as store:
        journal = [dict(r) for r in store.db.execute("SELECT * FROM journal WHERE target=?", (case,))]
    assert [r["event"] for r in journal] == ["dsar_opened", "dsar_found", "dsar_erasure_planned", "dsar_closed"]
    assert all(a.person not in str(r) and a.email not in str(r) for r in journal)
