"""Keep the state store between runs on ephemeral runners: a file in a SharePoint library of the tenant.

Why there: the store holds personal data (applicant paths, data-subject requests) and the evidence
of C9, so it stays inside the tenant whose data it describes, under the same access control and
retention, with SharePoint's version history as its backups — not in CI artifacts or caches, which
expire (caches after a week unused) and are readable by everyone with access to the repository.

Safety: ``restore`` writes a receipt beside the store (what it restored: the remote file's eTag, or
"nothing there yet"). ``save`` refuses without a receipt — a failed restore must never be followed by
a save that overwrites months of history with a fresh store — and refuses when the remote file
changed since the restore (another run saved in between). A restored file is checked (SQLite
integrity, a schema this version can read) before it replaces anything. Losing the state altogether
degrades to a first night: a full crawl, every open finding "new" — never a false "fixed", and
approvals live in the reviewed approvals file as well as the store.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from m365_compliance.config.schema import Config, RemoteState
from m365_compliance.errors import StateError
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.model import DriveItem
from m365_compliance.state.store import StateStore, to_text, utc_now
from m365_compliance.state.lock import StoreLock
from m365_compliance.state.tenancy import bind, graph_origin

RECEIPT_SUFFIX = ".remote.json"


@dataclass(frozen=True)
class Transfer:
    """What ``restore`` or ``save`` did: ``status`` restored / first-run / saved, with the remote file's eTag."""

    status: Literal["restored", "first-run", "saved"]
    where: str  # site, library and file name: no personal data
    etag: str | None
    size: int


def receipt_path(config: Config) -> Path:
    return config.state.path.with_name(config.state.path.name + RECEIPT_SUFFIX)


def _remote(config: Config) -> RemoteState:
    if config.state.remote is None:
        raise StateError("No [state.remote] in the policy file: there is nowhere to keep the state between runs.",
                         hint="Add [state.remote] with site_url and library (see docs/state.md).")
    return config.state.remote


async def restore(config: Config, gateway: GraphGateway) -> Transfer:
    """Fetch the remote state file into ``[state] path`` (checked first); none yet → a first run.
    Never under a running writer: it replaces the store."""
    with StoreLock(config.state.path, "state restore"):
        return await _restore(config, gateway)


async def _restore(config: Config, gateway: GraphGateway) -> Transfer:
    remote = _remote(config)
    where = _where(remote)
    drive_id, folder_id = await _locate(gateway, remote)
    found = await _file_in(gateway, drive_id, folder_id, remote.file_name)
    target = config.state.path
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if found is None:
        _write_receipt(config, {"status": "first-run", "etag": None, "driveId": drive_id, "folderId": folder_id})
        return Transfer("first-run", where, None, 0)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".restore-", suffix=".sqlite")
    os.close(fd)
    temp = Path(temp_name)
    try:
        size = await gateway.download_to(drive_id, found.id, temp)
        _check_store(temp, config)
        for stale in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            stale.unlink(missing_ok=True)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    _write_receipt(config, {"status": "restored", "etag": found.etag, "itemId": found.id, "driveId": drive_id,
                            "folderId": folder_id, "size": size})
    return Transfer("restored", where, found.etag, size)


async def save(config: Config, gateway: GraphGateway) -> Transfer:
    """Upload a consistent copy of the store, if the remote file is still the one restored."""
    remote = _remote(config)
    where = _where(remote)
    receipt = _read_receipt(config)
    drive_id, folder_id = str(receipt["driveId"]), str(receipt["folderId"])
    current = await _file_in(gateway, drive_id, folder_id, remote.file_name)
    expected = receipt.get("etag")
    if (current.etag if current is not None else None) != expected:
        raise StateError(f"The remote state file changed since this run restored it ({where}).",
                         hint="Another run saved in between: nothing was overwritten. Restore and run again; "
                              "the nightly workflow's concurrency group keeps runs from overlapping.")
    if not config.state.path.exists():
        raise StateError(f"There is no state store at {config.state.path} to save.",
                         hint="Run the pipeline (m365-compliance run) before saving.")
    data = _consistent_copy(config.state.path)
    item = await gateway.upload_small(drive_id, folder_id, remote.file_name, data)
    _write_receipt(config, {**receipt, "status": "saved", "etag": item.etag, "itemId": item.id, "size": len(data),
                            "savedAt": to_text(utc_now())})
    return Transfer("saved", where, item.etag, len(data))


def _where(remote: RemoteState) -> str:
    """The remote file for messages: site, library and file name (no personal data)."""
    return f"{remote.site_url} / {remote.library} / {remote.folder or ''}/{remote.file_name}"


async def _locate(gateway: GraphGateway, remote: RemoteState) -> tuple[str, str]:
    """The library's drive id and the id of the folder the file lives in (its root when none is named)."""
    site = await gateway.resolve_site(remote.site_url)
    library = await gateway.library_by_name(site.id, remote.library)
    folder_id = "root"
    for part in (remote.folder or "").split("/"):
        if not part:
            continue
        children = await gateway.list_children(library.id, folder_id)
        match = next((c for c in children if c.is_folder and c.name.lower() == part.lower()), None)
        if match is None:
            raise StateError(f"The folder {remote.folder!r} does not exist in {remote.library!r}.",
                             hint="Create it (readable only by the compliance app and its administrators), or "
                                  "change [state.remote] folder.")
        folder_id = match.id
    return library.id, folder_id


async def _file_in(gateway: GraphGateway, drive_id: str, folder_id: str, name: str) -> DriveItem | None:
    children = await gateway.list_children(drive_id, folder_id)
    return next((c for c in children if not c.is_folder and c.name.lower() == name.lower()), None)


def _check_store(path: Path, config: Config) -> None:
    """A downloaded file replaces the store only if SQLite reads it whole and this version understands it."""
    try:
        with sqlite3.connect(path) as db:
            verdict = db.execute("PRAGMA integrity_check").fetchone()
        if verdict is None or verdict[0] != "ok":
            raise StateError(f"The remote state file is damaged ({verdict[0] if verdict else 'no answer'}).",
                             hint="Restore an earlier version from the library's version history.")
    except sqlite3.DatabaseError as exc:
        raise StateError(f"The remote state file is not a SQLite database: {exc}",
                         hint="Restore an earlier version from the library's version history.") from exc
    with StateStore(path) as store:  # refuses a store written by a newer version
        bind(store, config.tenant.tenant_id, graph_origin(config.tenant.graph_url))  # and another tenant's


def _consistent_copy(path: Path) -> bytes:
    """The store as one file, WAL included, read through SQLite's backup (safe while it is open)."""
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".save-", suffix=".sqlite")
    os.close(fd)
    temp = Path(temp_name)
    try:
        with sqlite3.connect(path) as source, sqlite3.connect(temp) as copy:
            source.backup(copy)
        with sqlite3.connect(temp) as copy:
            copy.execute("PRAGMA journal_mode=DELETE")
        return temp.read_bytes()
    finally:
        temp.unlink(missing_ok=True)


def _write_receipt(config: Config, body: dict[str, object]) -> None:
    path = receipt_path(config)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(body, out, indent=1)


def _read_receipt(config: Config) -> dict[str, object]:
    path = receipt_path(config)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StateError("This run did not restore the state, so it will not save it: that could overwrite the "
                         "history kept remotely with a newer but emptier store.",
                         hint="Run `m365-compliance state restore` first (the nightly workflow does); if it "
                              "failed, fix what it reported.") from None
    except (OSError, ValueError) as exc:
        raise StateError(f"The restore receipt {path.name} is unreadable: {exc}",
                         hint="Restore again, then save.") from exc
    if not isinstance(body, dict) or "driveId" not in body:
        raise StateError(f"The restore receipt {path.name} is incomplete.", hint="Restore again, then save.")
    return body
