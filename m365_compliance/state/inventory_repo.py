"""Reading and writing the inventory tables: libraries, items, permissions, principals, register, gaps.

Writes of one library's crawl are staged page by page (``staged_items`` + a checkpoint) and applied
in a single transaction together with the new delta link, so the committed picture and its token
always belong together: a killed crawl resumes from its checkpoint or starts over, and never
leaves a token that skips changes it did not store.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from m365_compliance.model import (
    MAIL_ID_PREFIX,
    DriveItem,
    Library,
    LinkScope,
    Permission,
    Principal,
    PrincipalKind,
    RetentionLabelInfo,
)
from m365_compliance.state.store import StateStore, from_text, json_default, to_text, utc_now


@dataclass(frozen=True, slots=True)
class Gap:
    """Something the inventory could not read: every rule over it reports "not evaluated"."""

    scope: str  # "recruitment", "customers", "register", "directory"
    target: str  # site URL, library, item or group id (never personal data)
    operation: str  # e.g. "resolve site", "delta", "permissions", "transitiveMembers"
    message: str
    status: int | None = None
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class StagedFlags:
    """What choosing permission reads needs of one staged item: no names, dates or decoding."""

    id: str
    deleted: bool
    is_folder: bool
    shared: bool  # carries a ``shared`` facet (a permission root under hierarchicalsharing)
    is_root: bool


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where a crawl stands: ``pages`` staged, the ``next_link`` to page on from, and once the last page is
    staged its ``final_link`` (the delta link to commit). Neither link with pages staged cannot happen; no
    page staged means there is nothing to resume (the crawl starts again)."""

    drive_id: str
    run_id: str
    kind: str  # "full" or "incremental"
    next_link: str | None
    final_link: str | None
    pages: int


#: Rows per ``executemany`` when applying a crawl: amortises the call, keeps memory flat at any size.
WRITE_CHUNK = 2000

#: The latest staged record of each item (delta may repeat one, facts §1.2), in staging order.
_LATEST_STAGED = ("FROM staged_items s WHERE drive_id=? AND seq = (SELECT MAX(seq) FROM staged_items t "
                  "WHERE t.drive_id=s.drive_id AND t.item_id=s.item_id) ORDER BY seq")


class InventoryRepository:
    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.db: sqlite3.Connection = store.db

    # ------------------------------------------------------------------ libraries
    def upsert_library(self, scope: str, library: Library, site_url: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO libraries(drive_id, scope, site_id, site_url, name, web_url) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT(drive_id) DO UPDATE SET scope=excluded.scope, site_id=excluded.site_id, "
                "site_url=excluded.site_url, name=excluded.name, web_url=excluded.web_url",
                (library.id, scope, library.site_id, site_url, library.name, library.web_url),
            )

    def library(self, drive_id: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM libraries WHERE drive_id=?", (drive_id,)).fetchone()

    def libraries(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM libraries ORDER BY scope, name").fetchall()

    def forget_delta_link(self, drive_id: str) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE libraries SET delta_link=NULL WHERE drive_id=?", (drive_id,))

    # ------------------------------------------------------------------ checkpoints and staging
    def checkpoint(self, drive_id: str) -> Checkpoint | None:
        row = self.db.execute("SELECT * FROM checkpoints WHERE drive_id=?", (drive_id,)).fetchone()
        if row is None:
            return None
        return Checkpoint(row["drive_id"], row["run_id"], row["kind"], row["next_link"], row["base_delta_link"],
                          row["pages"])

    def start_crawl(self, drive_id: str, run_id: str, kind: str) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM staged_items WHERE drive_id=?", (drive_id,))
            db.execute("INSERT OR REPLACE INTO checkpoints(drive_id, run_id, kind, next_link, base_delta_link, pages, "
                       "updated_at) VALUES (?,?,?,NULL,NULL,0,?)", (drive_id, run_id, kind, to_text(utc_now())))

    def stage_page(self, drive_id: str, items: Iterable[DriveItem], next_link: str | None,
                   final_link: str | None = None) -> None:
        """Store one delta page with the link to the next one — or, on the last page, the final delta link
        (column ``base_delta_link``) — atomically, so a checkpoint always says how to go on."""
        with self.store.transaction() as db:
            start = db.execute("SELECT COALESCE(MAX(seq), 0) FROM staged_items WHERE drive_id=?",
                               (drive_id,)).fetchone()[0]
            db.executemany("INSERT INTO staged_items(drive_id, seq, item_id, record) VALUES (?,?,?,?)",
                           ((drive_id, start + n, item.id, encode_item(item)) for n, item in enumerate(items, 1)))
            db.execute("UPDATE checkpoints SET next_link=?, base_delta_link=?, pages=pages+1, updated_at=? "
                       "WHERE drive_id=?", (next_link, final_link, to_text(utc_now()), drive_id))

    def staged(self, drive_id: str) -> Iterator[DriveItem]:
        """Staged records, last occurrence of each id winning (delta may repeat an item, facts §1.2)."""
        for row in self.db.execute(f"SELECT record {_LATEST_STAGED}", (drive_id,)):
            yield decode_item(row[0])

    def staged_flags(self, drive_id: str) -> Iterator[StagedFlags]:
        """Like :meth:`staged`, reduced to flags read inside SQLite (keys as :func:`encode_item` writes them)."""
        rows = self.db.execute(
            "SELECT item_id, json_extract(record, '$.deleted'), json_extract(record, '$.folder'), "
            f"json_extract(record, '$.shared') IS NOT NULL, json_extract(record, '$.root') {_LATEST_STAGED}",
            (drive_id,))
        for item_id, deleted, folder, shared, root in rows:
            yield StagedFlags(item_id, bool(deleted), bool(folder), bool(shared), bool(root))

    def commit_crawl(self, drive_id: str, *, kind: str, delta_link: str, mode: str, run_id: str,
                     permissions: dict[str, list[Permission]], dropped_roots: Iterable[str]) -> None:
        """Apply the staged crawl, the permissions read for it and the new delta link in one transaction."""
        key = self.store.pseudonym_key
        with self.store.transaction() as db:
            if kind == "full":
                db.execute("DELETE FROM items WHERE drive_id=?", (drive_id,))
                db.execute("DELETE FROM permissions WHERE drive_id=?", (drive_id,))
                db.execute("DELETE FROM permission_reads WHERE drive_id=?", (drive_id,))
            removed: list[str] = []
            upserts: list[tuple[Any, ...]] = []
            for item in self.staged(drive_id):
                if item.deleted:
                    _upsert_items(db, upserts)  # keep staging order: a deletion after an update wins
                    _delete_items(db, drive_id, [item.id])
                    removed.append(item.id)
                else:
                    upserts.append(_item_row(item))
                    if len(upserts) >= WRITE_CHUNK:
                        _upsert_items(db, upserts)
            _upsert_items(db, upserts)
            _delete_descendants(db, drive_id, removed)
            _forget_permissions(db, drive_id, list(dropped_roots))
            now = to_text(utc_now())
            for item_id, perms in permissions.items():
                db.execute("DELETE FROM permissions WHERE drive_id=? AND item_id=?", (drive_id, item_id))
                db.executemany("INSERT INTO permissions(drive_id, item_id, perm_id, roles, link_scope, link_type, "
                               "expires, grantees, link_flags) VALUES (?,?,?,?,?,?,?,?,?)",
                               [(drive_id, item_id, *encode_permission(p, key)) for p in perms])
                db.execute("INSERT OR REPLACE INTO permission_reads(drive_id, item_id, read_at) VALUES (?,?,?)",
                           (drive_id, item_id, now))
            db.execute("UPDATE libraries SET delta_link=?, mode=?, last_run_id=?, last_full_at=CASE WHEN ?='full' "
                       "THEN ? ELSE last_full_at END WHERE drive_id=?",
                       (delta_link, mode, run_id, kind, now, drive_id))
            db.execute("DELETE FROM staged_items WHERE drive_id=?", (drive_id,))
            db.execute("DELETE FROM checkpoints WHERE drive_id=?", (drive_id,))

    def abandon_crawl(self, drive_id: str) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM staged_items WHERE drive_id=?", (drive_id,))
            db.execute("DELETE FROM checkpoints WHERE drive_id=?", (drive_id,))

    # ------------------------------------------------------------------ reading the committed picture
    def items(self, drive_id: str) -> Iterator[DriveItem]:
        for row in self.db.execute("SELECT * FROM items WHERE drive_id=?", (drive_id,)):
            yield _row_to_item(row)

    def item_count(self, drive_id: str | None = None) -> int:
        if drive_id is None:
            return self.db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM items WHERE drive_id=?", (drive_id,)).fetchone()[0]

    def expected_permission_roots(self, drive_id: str, mode: str) -> set[str]:
        """Items whose permission list the inventory must hold, by mode (see inventory.crawl)."""
        if mode == "per-item":
            return self.item_ids(drive_id)
        return {r[0] for r in self.db.execute(
            "SELECT item_id FROM items WHERE drive_id=? AND (shared_scope IS NOT NULL OR parent_id IS NULL)",
            (drive_id,))}

    def permission_read_ids(self, drive_id: str) -> set[str]:
        """Items whose permission list is stored (read successfully, possibly empty)."""
        return {r[0] for r in self.db.execute("SELECT item_id FROM permission_reads WHERE drive_id=?", (drive_id,))}

    def grantees(self) -> Iterator[Principal]:
        """Every principal granted anywhere, each distinct grantee list decoded once (not once per root)."""
        for (text,) in self.db.execute("SELECT DISTINCT grantees FROM permissions"):
            yield from _decode_grantees(text)

    def item_ids(self, drive_id: str) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT item_id FROM items WHERE drive_id=?", (drive_id,))}

    def root_shows_sharing(self, drive_id: str) -> bool:
        """Whether the committed drive root carries a ``shared`` facet (permission roots were visible)."""
        row = self.db.execute("SELECT 1 FROM items WHERE drive_id=? AND parent_id IS NULL AND is_root=1 "
                              "AND shared_scope IS NOT NULL LIMIT 1", (drive_id,)).fetchone()
        return row is not None

    def unread_permission_roots(self, drive_id: str, mode: str) -> set[str]:
        """Expected roots with no permission list stored: a failed read, to retry and to report."""
        return self.expected_permission_roots(drive_id, mode) - self.permission_read_ids(drive_id)

    def permissions(self, drive_id: str) -> dict[str, list[Permission]]:
        result: dict[str, list[Permission]] = {}
        for row in self.db.execute("SELECT item_id FROM permission_reads WHERE drive_id=?", (drive_id,)):
            result[row["item_id"]] = []
        for row in self.db.execute("SELECT * FROM permissions WHERE drive_id=? ORDER BY item_id, perm_id",
                                   (drive_id,)):
            result.setdefault(row["item_id"], []).append(decode_permission(row))
        return result

    def set_fields(self, drive_id: str, values: dict[str, dict[str, Any]]) -> None:
        """Store list-item columns read for folder units (e.g. an applicant's application date)."""
        with self.store.transaction() as db:
            db.executemany("UPDATE items SET fields=? WHERE drive_id=? AND item_id=?",
                           [(json.dumps(v, sort_keys=True, default=json_default), drive_id, k) for k, v in values.items()])

    # ------------------------------------------------------------------ directory, register, gaps
    def replace_directory(self, principals: Iterable[Principal], members: dict[str, list[str]]) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM principals")
            db.execute("DELETE FROM group_members")
            db.executemany("INSERT OR REPLACE INTO principals(key, kind, id, display_name, email) VALUES (?,?,?,?,?)",
                           [(p.key, p.kind.value, p.id, p.display_name, p.email) for p in principals])
            db.executemany("INSERT OR IGNORE INTO group_members(group_id, member_key) VALUES (?,?)",
                           [(g, m) for g, keys in members.items() for m in keys])

    def principals(self) -> dict[str, Principal]:
        return {r["key"]: Principal(PrincipalKind(r["kind"]), r["id"], r["display_name"] or "", r["email"])
                for r in self.db.execute("SELECT * FROM principals")}

    def group_members(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for row in self.db.execute("SELECT group_id, member_key FROM group_members ORDER BY group_id, member_key"):
            result.setdefault(row["group_id"], []).append(row["member_key"])
        return result

    def replace_register(self, rows: list[dict[str, Any]]) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM register_rows")
            db.executemany("INSERT INTO register_rows(row_id, fields) VALUES (?,?)",
                           [(str(r.get("id", n)), json.dumps(r, sort_keys=True, default=json_default))
                            for n, r in enumerate(rows, 1)])

    def register_rows(self) -> list[dict[str, Any]]:
        return [json.loads(r["fields"]) for r in self.db.execute("SELECT fields FROM register_rows ORDER BY rowid")]

    def add_gap(self, run_id: str, gap: Gap) -> None:
        with self.store.transaction() as db:
            db.execute("INSERT INTO gaps(run_id, scope, target, operation, status, message, hint) VALUES (?,?,?,?,?,?,?)",
                       (run_id, gap.scope, gap.target, gap.operation, gap.status, gap.message, gap.hint))

    def gaps(self, run_id: str) -> list[Gap]:
        return [Gap(r["scope"], r["target"], r["operation"], r["message"], r["status"], r["hint"])
                for r in self.db.execute("SELECT * FROM gaps WHERE run_id=? ORDER BY rowid", (run_id,))]


# ---------------------------------------------------------------------- row codecs
def encode_item(item: DriveItem) -> str:
    return json.dumps({
        "id": item.id, "drive": item.drive_id, "name": item.name, "parent": item.parent_id, "folder": item.is_folder,
        "deleted": item.deleted, "size": item.size, "created": to_text(item.created), "modified": to_text(item.modified),
        "createdBy": item.created_by, "modifiedBy": item.modified_by, "eTag": item.etag, "cTag": item.ctag,
        "shared": item.shared_scope, "sharedChanged": item.sharing_changed, "root": item.is_root,
        "fields": [list(f) for f in item.fields] if item.fields else None,
        "label": _encode_label(item.label),
    }, default=json_default)


def decode_item(text: str) -> DriveItem:
    d = json.loads(text)
    return DriveItem(
        id=d["id"], drive_id=d["drive"], name=d["name"], parent_id=d["parent"], is_folder=d["folder"],
        deleted=d["deleted"], size=d["size"], created=from_text(d["created"]), modified=from_text(d["modified"]),
        created_by=d["createdBy"], modified_by=d["modifiedBy"], etag=d["eTag"], ctag=d["cTag"],
        shared_scope=d["shared"], sharing_changed=d["sharedChanged"], is_root=d["root"],
        fields=tuple((k, v) for k, v in d["fields"]) if d["fields"] else (), label=_decode_label(d["label"]),
    )


def _encode_label(label: RetentionLabelInfo | None) -> dict[str, Any] | None:
    if label is None:
        return None
    return {"name": label.name, "appliedAt": to_text(label.applied_at), "explicit": label.explicit,
            "deleteAllowed": label.delete_allowed, "record": label.is_record}


def _decode_label(data: dict[str, Any] | None) -> RetentionLabelInfo | None:
    if data is None:
        return None
    return RetentionLabelInfo(data["name"], from_text(data["appliedAt"]), data["explicit"], data["deleteAllowed"],
                              data["record"])


def encode_permission(p: Permission, key: bytes) -> tuple[Any, ...]:
    grantees = [{"kind": g.kind.value, "id": _keyed_id(g, key), "name": g.display_name, "email": g.email}
                for g in p.grantees]
    flags = {k: v for k, v in (("hasPassword", p.has_password), ("preventsDownload", p.prevents_download))
             if v is not None}
    return (p.id, json.dumps(list(p.roles)), p.link_scope.value if p.link_scope else None, p.link_type,
            to_text(p.expires), json.dumps(grantees), json.dumps(flags) if flags else None)


def _keyed_id(grantee: Principal, key: bytes) -> str:
    """A person known only by address gets the store's keyed digest of it (``StateStore.pseudonym_key``)
    in place of the plain digest the parser gave: the id that findings and alerts then carry."""
    if not grantee.id.startswith(MAIL_ID_PREFIX) or not grantee.email:
        return grantee.id
    return MAIL_ID_PREFIX + hmac.new(key, grantee.email.lower().encode(), hashlib.sha256).hexdigest()[:16]


def decode_permission(row: sqlite3.Row) -> Permission:
    flags = json.loads(row["link_flags"]) if row["link_flags"] else {}
    return Permission(row["perm_id"], tuple(json.loads(row["roles"])), _decode_grantees(row["grantees"]),
                      LinkScope(row["link_scope"]) if row["link_scope"] else None, row["link_type"],
                      from_text(row["expires"]), has_password=flags.get("hasPassword"),
                      prevents_download=flags.get("preventsDownload"))


def _decode_grantees(text: str) -> tuple[Principal, ...]:
    return tuple(Principal(PrincipalKind(g["kind"]), g["id"], g["name"] or "", g["email"]) for g in json.loads(text))


def _item_row(item: DriveItem) -> tuple[Any, ...]:
    fields = json.dumps(dict(item.fields), sort_keys=True, default=json_default) if item.fields else None
    return (item.drive_id, item.id, item.parent_id, item.name, int(item.is_folder), int(item.is_root), item.size,
            to_text(item.created), to_text(item.modified), item.created_by, item.modified_by, item.etag, item.ctag,
            item.shared_scope, fields, json.dumps(_encode_label(item.label)) if item.label else None)


def _upsert_items(db: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Write and empty ``rows`` (from :func:`_item_row`)."""
    if not rows:
        return
    db.executemany(
        "INSERT INTO items(drive_id, item_id, parent_id, name, is_folder, is_root, size, created, modified, created_by, "
        "modified_by, etag, ctag, shared_scope, fields, label) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(drive_id, item_id) DO UPDATE SET parent_id=excluded.parent_id, name=excluded.name, "
        "is_folder=excluded.is_folder, is_root=excluded.is_root, size=excluded.size, created=excluded.created, "
        "modified=excluded.modified, created_by=excluded.created_by, modified_by=excluded.modified_by, "
        "etag=excluded.etag, ctag=COALESCE(excluded.ctag, items.ctag), shared_scope=excluded.shared_scope, "
        "fields=COALESCE(excluded.fields, items.fields), label=COALESCE(excluded.label, items.label)",
        rows,
    )
    rows.clear()


def _forget_permissions(db: sqlite3.Connection, drive_id: str, item_ids: list[str]) -> None:
    keys = [(drive_id, item_id) for item_id in item_ids]
    db.executemany("DELETE FROM permissions WHERE drive_id=? AND item_id=?", keys)
    db.executemany("DELETE FROM permission_reads WHERE drive_id=? AND item_id=?", keys)


def _delete_items(db: sqlite3.Connection, drive_id: str, item_ids: list[str]) -> None:
    db.executemany("DELETE FROM items WHERE drive_id=? AND item_id=?", [(drive_id, i) for i in item_ids])
    _forget_permissions(db, drive_id, item_ids)


def _delete_descendants(db: sqlite3.Connection, drive_id: str, removed: list[str]) -> None:
    """Remove what lay below deleted items: delta reports a deleted folder, not its children
    (facts §1.2: track by id). Walks down from the deleted ids, so the cost follows what was deleted."""
    level = removed
    while level:
        below: list[str] = []
        for start in range(0, len(level), 500):
            chunk = level[start:start + 500]
            below.extend(r[0] for r in db.execute(
                f"SELECT item_id FROM items WHERE drive_id=? AND parent_id IN ({','.join('?' * len(chunk))})",
                (drive_id, *chunk)))
        _delete_items(db, drive_id, below)
        level = below


def _row_to_item(row: sqlite3.Row) -> DriveItem:
    fields = tuple(sorted(json.loads(row["fields"]).items())) if row["fields"] else ()
    label = _decode_label(json.loads(row["label"])) if row["label"] else None
    return DriveItem(
        id=row["item_id"], drive_id=row["drive_id"], name=row["name"], parent_id=row["parent_id"],
        is_folder=bool(row["is_folder"]), size=row["size"], created=from_text(row["created"]),
        modified=from_text(row["modified"]), created_by=row["created_by"], modified_by=row["modified_by"],
        etag=row["etag"], ctag=row["ctag"], shared_scope=row["shared_scope"], is_root=bool(row["is_root"]),
        fields=fields, label=label,
    )


_ = datetime
