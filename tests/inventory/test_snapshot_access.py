"""Effective access over a snapshot: inheritance, groups (nested via transitive membership), links."""

from __future__ import annotations

from datetime import UTC, datetime

from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot
from m365_compliance.model import DriveItem, Library, LinkScope, Permission, Principal, PrincipalKind

ALICE = Principal(PrincipalKind.USER, "alice", "Alice", "alice@tretoen.no")
BOB = Principal(PrincipalKind.USER, "bob", "Bob", "bob@tretoen.no")
GUEST = Principal(PrincipalKind.GUEST, "guest", "Guest", "g@kunde.no")
RECRUITERS = Principal(PrincipalKind.GROUP, "g-rec", "Rekruttering", "rekruttering@tretoen.no")
OWNERS = Principal(PrincipalKind.SITE_GROUP, "3", "Rekruttering Owners")


def _item(item_id: str, parent: str | None, folder: bool = True) -> DriveItem:
    return DriveItem(id=item_id, drive_id="d", name=item_id, parent_id=parent, is_folder=folder,
                     is_root=parent is None)


def _snapshot(unreadable: frozenset[str] = frozenset()) -> tuple[Snapshot, ScopeSnapshot]:
    items = {i.id: i for i in [_item("root", None), _item("Søkere", "root"), _item("kari", "Søkere"),
                               _item("cv.pdf", "kari", folder=False), _item("ola", "Søkere")]}
    permissions = {
        "root": (Permission("3", ("owner",), (OWNERS,)), Permission("g", ("write",), (RECRUITERS,))),
        "kari": (Permission("g", ("write",), (RECRUITERS,)),
                 Permission("l1", ("read",), (), LinkScope.ANONYMOUS, "view",
                            datetime(2026, 1, 1, tzinfo=UTC)),
                 Permission("l2", ("read",), (GUEST,), LinkScope.USERS, "view")),
    }
    scope = ScopeSnapshot.build("recruitment", "https://x/sites/r", Library("d", "s", "Dokumenter", "https://x"),
                                "Søkere", 1, items, permissions, unreadable)
    snap = Snapshot("run", datetime(2026, 11, 25, tzinfo=UTC), "v1", {"recruitment": scope},
                    {p.key: p for p in (ALICE, BOB, GUEST, RECRUITERS)},
                    {"g-rec": (ALICE.key, BOB.key)}, {"recruiters": ("g-rec",)}, (), ())
    return snap, scope


def test_inherited_access_expands_groups_and_keeps_site_groups():
    snap, scope = _snapshot()
    access = snap.effective_access(scope, scope.items["ola"])
    keys = {(a.principal.key, a.through, a.inherited) for a in access}
    assert keys == {(OWNERS.key, "site group", True), (RECRUITERS.key, "direct", True),
                    (ALICE.key, "group", True), (BOB.key, "group", True)}


def test_links_yield_their_audiences_and_expiry():
    snap, scope = _snapshot()
    access = snap.effective_access(scope, scope.items["cv.pdf"])
    by_key = {a.principal.key: a for a in access}
    assert by_key["anyone:anyone"].link_scope is LinkScope.ANONYMOUS
    assert by_key["anyone:anyone"].expires == datetime(2026, 1, 1, tzinfo=UTC)
    assert by_key[GUEST.key].through == "link:users"
    assert all(a.source_item_id == "kari" and a.inherited for a in access)
    assert OWNERS.key not in by_key  # unique permissions on kari cut the root's grants


def test_unreadable_root_gives_no_access_not_the_parents():
    snap, scope = _snapshot(unreadable=frozenset({"kari"}))
    assert snap.effective_access(scope, scope.items["cv.pdf"]) == []
    assert not scope.access_known(scope.items["cv.pdf"])
    assert scope.access_known(scope.items["ola"])


def test_units_paths_and_roles():
    snap, scope = _snapshot()
    assert [u.id for u in scope.units()] == ["kari", "ola"]
    assert scope.unit_of(scope.items["cv.pdf"]).id == "kari"
    assert scope.path(scope.items["cv.pdf"]) == "/Søkere/kari/cv.pdf"
    assert snap.role_members("recruiters") == {RECRUITERS.key, ALICE.key, BOB.key}


def _every_item_read(kari_owns: bool) -> tuple[Snapshot, ScopeSnapshot]:
    """The picture a per-item crawl takes: every item's list read, inherited grants listed on each (facts §2.3)."""
    link = Permission("l1", ("read",), (), LinkScope.ANONYMOUS, "view")
    group = Permission("g", ("write",), (RECRUITERS,))
    kari = DriveItem(id="kari", drive_id="d", name="kari", parent_id="Søkere", is_folder=True,
                     shared_scope="users" if kari_owns else None)
    items = {i.id: i for i in [_item("root", None), _item("Søkere", "root"), kari,
                               _item("cv.pdf", "kari", folder=False)]}
    permissions = {"root": (group,), "Søkere": (group,), "kari": (group, link), "cv.pdf": (group, link)}
    scope = ScopeSnapshot.build("recruitment", "https://x/sites/r", Library("d", "s", "Dokumenter", "https://x"),
                                "Søkere", 1, items, permissions, frozenset())
    snap = Snapshot("run", datetime(2026, 11, 25, tzinfo=UTC), "v1", {"recruitment": scope},
                    {p.key: p for p in (ALICE, BOB, RECRUITERS)}, {"g-rec": (ALICE.key, BOB.key)},
                    {"recruiters": ("g-rec",)}, (), ())
    return snap, scope


def test_a_grant_listed_on_every_item_is_attributed_to_where_it_is_defined():
    snap, scope = _every_item_read(kari_owns=False)
    sources = {(a.permission_id, a.source_item_id, a.inherited) for a in snap.effective_access(scope, scope.items["cv.pdf"])}
    assert sources == {("g", "kari", True), ("l1", "kari", True)}  # kari's list differs: kari broke inheritance
    above = {(a.permission_id, a.source_item_id) for a in snap.effective_access(scope, scope.items["Søkere"])}
    assert above == {("g", "root")}


def test_a_copy_made_by_breaking_inheritance_stays_the_items_own():
    snap, scope = _every_item_read(kari_owns=True)
    sources = {(a.permission_id, a.source_item_id, a.inherited) for a in snap.effective_access(scope, scope.items["kari"])}
    assert sources == {("g", "kari", False), ("l1", "kari", False)}


def test_where_every_list_was_read_a_list_unlike_the_parents_is_the_items_own():
    _, scope = _every_item_read(kari_owns=False)
    assert scope.owns_permissions(scope.items["kari"])  # it adds a link its parent does not have
    assert not scope.owns_permissions(scope.items["cv.pdf"])  # the very same list as kari's: inherited
    assert not scope.owns_permissions(scope.items["Søkere"])
    assert scope.own_permissions_holder(scope.items["cv.pdf"]).id == "kari"
