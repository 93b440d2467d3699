"""State store: private files, schema version guard, atomic crawl commits, orphan removal."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime

import pytest

from m365_compliance.actions.journal import Entry, Journal
from m365_compliance.errors import StateError
from m365_compliance.model import DriveItem, Library, LinkScope, Permission, Principal, PrincipalKind
from m365_compliance.state.inventory_repo import WRITE_CHUNK, InventoryRepository
from m365_compliance.state.schema import SCHEMA_VERSION
from m365_compliance.state.store import StateStore

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def item(item_id: str, parent: str | None, *, folder: bool = True, deleted: bool = False,
         shared: str | None = None) -> DriveItem:
    return DriveItem(id=item_id, drive_id="d1", name=item_id, parent_id=parent, is_folder=folder, deleted=deleted,
                     created=WHEN, modified=WHEN, shared_scope=shared, is_root=parent is None, etag=f'"{item_id},1"')


def test_store_file_is_private_and_version_guarded(tmp_path):
    path = tmp_path / "state" / "state.sqlite"
    StateStore(path).close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    with StateStore(path) as store:
        store.db.execute("UPDATE meta SET value='999' WHERE key='schema_version'")
    with pytest.raises(StateError, match="newer"):
        StateStore(path)


def test_garbage_file_gives_state_error(tmp_path):
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StateError) as info:
        StateStore(path)
    assert "Restore" in info.value.hint


def test_crawl_commit_is_atomic_and_replaces_on_full(tmp_path):
    with StateStore(tmp_path / "s.sqlite") as store:
        repo = InventoryRepository(store)
        repo.upsert_library("recruitment", Library("d1", "s1", "Docs", "https://x/Docs"), "https://x")
        repo.start_crawl("d1", "run1", "full")
        repo.stage_page("d1", [item("root", None, shared=""), item("a", "root")], "next")
        repo.stage_page("d1", [item("b", "a", folder=False, shared="anonymous")], None)
        # Nothing is visible before the commit.
        assert repo.item_count("d1") == 0
        perm = Permission("p1", ("read",), (), LinkScope.ANONYMOUS, "view")
        repo.commit_crawl("d1", kind="full", delta_link="delta-1", mode="sharing-delta", run_id="run1",
                          permissions={"root": [], "b": [perm]}, dropped_roots=[])
        assert repo.item_count("d1") == 3
        assert repo.library("d1")["delta_link"] == "delta-1"
        assert repo.checkpoint("d1") is None
        assert repo.permissions("d1")["b"][0].link_scope is LinkScope.ANONYMOUS
        # An incremental crawl deleting folder "a" removes its child too (delta tracks ids, facts §1.2).
        repo.start_crawl("d1", "run2", "incremental")
        repo.stage_page("d1", [item("a", "root", deleted=True)], None)
        repo.commit_crawl("d1", kind="incremental", delta_link="delta-2", mode="sharing-delta", run_id="run2",
                          permissions={}, dropped_roots=[])
        assert {i.id for i in repo.items("d1")} == {"root"}
        assert "b" not in repo.permissions("d1")


def test_failed_commit_leaves_previous_picture(tmp_path):
    with StateStore(tmp_path / "s.sqlite") as store:
        repo = InventoryRepository(store)
        repo.upsert_library("recruitment", Library("d1", "s1", "Docs", "https://x/Docs"), "https://x")
        repo.start_crawl("d1", "run1", "full")
        repo.stage_page("d1", [item("root", None, shared="")], None)
        repo.commit_crawl("d1", kind="full", delta_link="delta-1", mode="sharing-delta", run_id="run1",
                          permissions={"root": []}, dropped_roots=[])
        repo.start_crawl("d1", "run2", "full")
        repo.stage_page("d1", [item("root", None, shared=""), item("x", "root")], None)

        class Boom(Exception):
            pass

        with pytest.raises(Boom), store.transaction() as db:
            db.execute("DELETE FROM items WHERE drive_id='d1'")
            raise Boom
        assert repo.item_count("d1") == 1
        assert repo.library("d1")["delta_link"] == "delta-1"
        # The staged crawl is still there to resume.
        assert repo.checkpoint("d1").kind == "full"
        assert [i.id for i in repo.staged("d1")] == ["root", "x"]


def test_staged_keeps_last_occurrence(tmp_path):
    with StateStore(tmp_path / "s.sqlite") as store:
        repo = InventoryRepository(store)
        repo.start_crawl("d1", "run1", "full")
        repo.stage_page("d1", [item("a", "root"), item("b", "root")], "n")
        renamed = DriveItem(id="a", drive_id="d1", name="renamed", parent_id="root", is_folder=True)
        repo.stage_page("d1", [renamed], None)
        staged = list(repo.staged("d1"))
        assert [s.id for s in staged] == ["b", "a"]
        assert staged[1].name == "renamed"


def test_directory_round_trip(tmp_path):
    with StateStore(tmp_path / "s.sqlite") as store:
        repo = InventoryRepository(store)
        guest = Principal(PrincipalKind.GUEST, "u2", "Guest", "g@example.com")
        repo.replace_directory([guest], {"g1": [guest.key]})
        assert repo.principals()[guest.key] == guest
        assert repo.group_members() == {"g1": [guest.key]}


def _library(repo: InventoryRepository) -> None:
    repo.upsert_library("customers", Library("d1", "s1", "Avtaler", "https://x/Avtaler"), "https://x")


def test_staged_flags_follow_the_last_occurrence(tmp_path):
    with StateStore(tmp_path / "s.sqlite") as store:
        repo = InventoryRepository(store)
        repo.start_crawl("d1", "run1", "incremental")
        repo.stage_page("d1", [item("root", None, shared=""), item("a", "root"), item("f", "a", folder=False)], "n")
        repo.stage_page("d1", [item("a", "root", shared="users"), item("f", "a", folder=False, deleted=True)], None)
        flags = {f.id: f for f in repo.staged_flags("d1")}
        assert list(flags) == ["root", "a", "f"] and [f.id for f in repo.staged("d1")] == list(flags)
        assert flags["root"].is_root and flags["root"].shared and flags["root"].is_folder
        assert flags["a"].shared and not flags["a"].is_root and not flags["a"].deleted
        assert flags["f"].deleted and not flags["f"].is_folder and not flags["f"].shared


def test_commit_applies_pages_larger_than_a_write_chunk_in_staging_order(tmp_path):
    with StateStore(tmp_path / "s.sqlite") as store:
        repo = InventoryRepository(store)
        _library(repo)
        repo.start_crawl("d1", "run1", "full")
        files = [item(f"f{n}", "root", folder=False) for n in range(WRITE_CHUNK + 500)]
        repo.stage_page("d1", [item("root", None, shared=""), *files[:WRITE_CHUNK]], "n")
        # Seen again later in the feed: the last occurrence wins, a deletion included (facts §1.2).
        renamed = DriveItem(id="f1", drive_id="d1", name="renamed", parent_id="root", is_folder=False)
        repo.stage_page("d1", [*files[WRITE_CHUNK:], renamed, item("f2", "root", folder=False, deleted=True)], None)
        repo.commit_crawl("d1", kind="full", delta_link="delta-1", mode="sharing-delta", run_id="run1",
                          permissions={"root": []}, dropped_roots=[])
        names = {i.id: i.name for i in repo.items("d1")}
        assert len(names) == 1 + WRITE_CHUNK + 500 - 1 and names["f1"] == "renamed" and "f2" not in names


def test_deleting_a_folder_removes_its_whole_subtree_and_the_permissions_below(tmp_path):
    with StateStore(tmp_path / "s.sqlite") as store:
        repo = InventoryRepository(store)
        _library(repo)
        repo.start_crawl("d1", "run1", "full")
        tree = [item("root", None, shared=""), item("kunde", "root"), item("prosjekt", "kunde", shared=""),
                item("del", "prosjekt"), item("notat", "del", folder=False), item("annen", "root"),
                item("avtale", "annen", folder=False)]
        tree += [item(f"fil{n}", "del", folder=False) for n in range(1200)]  # more than one IN (...) chunk
        repo.stage_page("d1", tree, None)
        grant = Permission("p1", ("read",), (Principal(PrincipalKind.GROUP, "g1", "Prosjekt"),))
        repo.commit_crawl("d1", kind="full", delta_link="delta-1", mode="sharing-delta", run_id="run1",
                          permissions={"root": [], "prosjekt": [grant]}, dropped_roots=[])
        repo.start_crawl("d1", "run2", "incremental")
        repo.stage_page("d1", [item("kunde", "root", deleted=True)], None)
        repo.commit_crawl("d1", kind="incremental", delta_link="delta-2", mode="sharing-delta", run_id="run2",
                          permissions={}, dropped_roots=[])
        assert {i.id for i in repo.items("d1")} == {"root", "annen", "avtale"}
        assert set(repo.permissions("d1")) == {"root"} and repo.permission_read_ids("d1") == {"root"}


def test_grantees_lists_each_granted_principal(tmp_path):
    with StateStore(tmp_path / "s.sqlite") as store:
        repo = InventoryRepository(store)
        _library(repo)
        repo.start_crawl("d1", "run1", "full")
        repo.stage_page("d1", [item("root", None, shared=""), item("a", "root", shared=""),
                               item("b", "root", shared="")], None)
        group = Principal(PrincipalKind.GROUP, "g1", "Prosjekt")
        guest = Principal(PrincipalKind.GUEST, "u2", "Guest", "g@example.com")
        repo.commit_crawl("d1", kind="full", delta_link="delta-1", mode="sharing-delta", run_id="run1",
                          permissions={"root": [], "a": [Permission("p1", ("read",), (group,))],
                                       "b": [Permission("p1", ("read",), (group,)),
                                             Permission("p2", ("write",), (guest, group))]},
                          dropped_roots=[])
        assert sorted(repo.grantees(), key=lambda p: p.key) == [group, group, guest]


def test_a_store_of_the_first_schema_is_upgraded_and_keeps_its_permissions(tmp_path):
    """A store written before permissions kept their link flags opens, gains the column, and loses nothing."""
    import sqlite3

    from m365_compliance.state.schema import SCHEMA_VERSION

    path = tmp_path / "old.sqlite"
    StateStore(path).close()
    with sqlite3.connect(path) as db:  # as the first schema wrote it: no link_flags column, version 1
        db.execute("ALTER TABLE permissions DROP COLUMN link_flags")
        db.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
        db.execute("DELETE FROM meta WHERE key='pseudonym_key'")
        db.execute("INSERT INTO permissions(drive_id, item_id, perm_id, roles, link_scope, link_type, expires, "
                   "grantees) VALUES ('d1', 'r', 'p1', '[\"read\"]', 'anonymous', 'view', NULL, '[]')")
    with StateStore(path) as store:
        version = store.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
        columns = {r[1] for r in store.db.execute("PRAGMA table_info(permissions)")}
        kept = store.db.execute("SELECT perm_id, link_flags FROM permissions").fetchall()
    assert version == str(SCHEMA_VERSION) and "link_flags" in columns
    assert [tuple(r) for r in kept] == [("p1", None)]
    with StateStore(path) as store:
        assert len(store.pseudonym_key) == 32  # the upgrade made one


def test_a_person_known_only_by_address_gets_a_keyed_id_per_store(tmp_path):
    """Anyone reading alerts could confirm a guessed address against a plain digest; the store's key stops that."""
    import hashlib

    from m365_compliance.graph.identities import invited

    address = "someone@elsewhere.example"
    stored: list[str] = []
    for name in ("a.sqlite", "b.sqlite"):
        with StateStore(tmp_path / name) as store:
            repo = InventoryRepository(store)
            repo.upsert_library("recruitment", Library("d1", "s1", "Docs", "https://x/Docs"), "https://x")
            repo.start_crawl("d1", "run1", "full")
            repo.stage_page("d1", [item("r", None, shared="")], None)
            repo.commit_crawl("d1", kind="full", delta_link="https://x/delta?token=1", mode="sharing-delta",
                              run_id="run1", permissions={"r": [Permission("p1", ("read",), (invited({"email": address}),))]},
                              dropped_roots=())
            (grantee,) = repo.permissions("d1")["r"][0].grantees
            again = repo.permissions("d1")["r"][0].grantees[0]
        assert grantee.email == address and grantee.id == again.id  # stable within a store
        stored.append(grantee.id)
    plain = hashlib.sha256(address.encode()).hexdigest()[:16]
    assert all(i.startswith("mail-") and plain not in i for i in stored) and stored[0] != stored[1]


def _as_schema_2(path, *, journal: bool) -> str:
    """Turn the store at ``path`` into one schema 2 wrote: no policy times beside the wall times."""
    import sqlite3

    with StateStore(path) as store:
        run = store.start_run("check", "v1")
        if journal:
            Journal(store).append(Entry("approval", "plan-1", actor="Marte Olsen", result="approved"))
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE runs DROP COLUMN policy_at")
        if journal:
            db.execute("ALTER TABLE journal DROP COLUMN policy_at")
        db.execute("UPDATE meta SET value='2' WHERE key='schema_version'")
    return run


@pytest.mark.parametrize("journal", [True, False], ids=["with-journal", "journal-not-made-yet"])
def test_a_schema_2_store_gains_the_policy_times_and_keeps_its_rows(tmp_path, journal):
    path = tmp_path / "v2.sqlite"
    run = _as_schema_2(path, journal=journal)
    rehearsed = datetime(2027, 3, 1, 2, tzinfo=UTC)
    with StateStore(path) as store:
        version = store.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
        old_run = store.db.execute("SELECT id, started_at, policy_at FROM runs WHERE id=?", (run,)).fetchone()
        log = Journal(store)  # a store that had no journal yet makes it now, with the column
        log.append(Entry("plan", "plan-2", actor="plan", result="recorded", policy_at=rehearsed))
        rows = [(e["plan_id"], e["policy_at"]) for e in log.entries()]
        new_run = store.start_run("check", "v1", policy_at=rehearsed)
        stamped = store.db.execute("SELECT policy_at FROM runs WHERE id=?", (new_run,)).fetchone()[0]
    assert version == str(SCHEMA_VERSION)
    assert old_run["id"] == run and old_run["started_at"] and old_run["policy_at"] is None
    assert rows == ([("plan-1", None)] if journal else []) + [("plan-2", rehearsed.isoformat())]
    assert stamped == rehearsed.isoformat() and new_run.startswith("20270301T020000Z-")


def test_link_flags_survive_the_store(tmp_path):
    link = Permission("p1", ("read",), (), LinkScope.ANONYMOUS, "view", has_password=True, prevents_download=False)
    with StateStore(tmp_path / "s.sqlite") as store:
        repo = InventoryRepository(store)
        repo.upsert_library("recruitment", Library("d1", "s1", "Docs", "https://x/Docs"), "https://x")
        repo.start_crawl("d1", "run1", "full")
        repo.stage_page("d1", [item("r", None, shared="")], None)
        repo.commit_crawl("d1", kind="full", delta_link="delta-1", mode="sharing-delta", run_id="run1",
                          permissions={"r": [link]}, dropped_roots=())
        assert repo.permissions("d1")["r"] == [link]


def test_a_store_of_schema_2_gains_the_exceptions_in_force_of_each_evaluation(tmp_path):
    """A store written before exceptions were kept per evaluation opens, gains the table, and loses nothing."""
    import sqlite3

    from m365_compliance.state.schema import MIGRATIONS, SCHEMA_VERSION

    path = tmp_path / "old.sqlite"
    StateStore(path).close()
    with sqlite3.connect(path) as db:  # as schema 2 wrote it
        db.execute("DROP TABLE evaluation_exceptions")
        db.execute("UPDATE meta SET value='2' WHERE key='schema_version'")
        db.execute("INSERT INTO runs(id, kind, started_at, status) VALUES ('r1', 'check', '2026-11-25', 'succeeded')")
    with StateStore(path) as store:
        version = store.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
        columns = [r[1] for r in store.db.execute("PRAGMA table_info(evaluation_exceptions)")]
        runs = [r["id"] for r in store.runs()]
    assert version == str(SCHEMA_VERSION)
    assert any("evaluation_exceptions" in s for step in MIGRATIONS.values() for s in step)
    assert columns == ["evaluation_id", "finding_id", "source", "owner", "reason", "expires", "state"]
    assert runs == ["r1"]
