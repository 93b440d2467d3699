"""The subject's copy (GDPR Art. 15(3)): a zip of their files with a manifest, "in a commonly used electronic form".

``<case>-export.zip`` (created 0600, and so is every file inside when unpacked):

* ``files/<scope>/<path>``: each file of an exact or confirmed match, downloaded through Graph as it
  is now (items found outside the scopes under ``files/other/<match>/``); every folder and file name
  cleaned and made unique by :mod:`~m365_compliance.dsar.member_names`, and the whole member path kept
  within 200 bytes (a folder chain too deep becomes one folder), so the zip unpacks completely on any
  system whatever the tenant named things and however deep it nested them;
* ``manifest.json`` and ``manifest.csv``: per file its member name, item id and original name, where it
  is (its full original path, webUrl), its dates and size, its SHA-256, why it was found, the purpose it is held for and
  the retention that applies (Art. 15(1)(a), (d)); the register entries naming the subject; what could
  not be searched;
* ``README.txt``: what the zip holds, in Norwegian and English.

manifest.json holds the original names exactly, in JSON escapes with no raw control character
(:func:`~m365_compliance.terminal_text.safe_json`); manifest.csv shows them escaped as ``\\x1b``,
``\\n`` (:func:`~m365_compliance.terminal_text.safe_line`): a spreadsheet cell is no place for them.

A file deleted since the inventory is listed as ``missing``. Each download goes to a private
temporary folder first, so a lost connection restarts one file, not the export.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from m365_compliance.actions.journal import to_csv
from m365_compliance.config.schema import Config
from m365_compliance.dsar.matching import agreements_naming, subject_ids
from m365_compliance.dsar.member_names import MemberNames
from m365_compliance.dsar.model import Case, Match, MatchItem
from m365_compliance.dsar.retention_info import RetentionInfo
from m365_compliance.graph.errors import NotFound
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.model import DriveItem
from m365_compliance.private_files import open_private
from m365_compliance.rules.dates import local_date
from m365_compliance.terminal_text import safe_json, safe_line

FORMAT = "m365-compliance/dsar-export@1"
CSV_COLUMNS = ("file", "itemId", "name", "status", "scope", "path", "webUrl", "created", "modified", "size", "sha256",
               "foundBy", "purpose", "retention", "keepUntil")
_COPY_CHUNK = 1 << 20


class ExportGateway(Protocol):
    async def download_to(self, drive_id: str, item_id: str, path: Path) -> int: ...
    async def list_children(self, drive_id: str, item_id: str, *, fields: Sequence[str] = ()) -> list[DriveItem]: ...


@dataclass(frozen=True)
class ExportResult:
    path: Path
    files: int  # files in the zip
    missing: int  # files found earlier that no longer exist
    sha256: str  # of the zip, recorded in the case


async def export_case(case: Case, matches: list[Match], snapshot: Snapshot, config: Config, gateway: ExportGateway,
                      out_dir: Path, now: datetime) -> ExportResult:
    info = RetentionInfo(snapshot, config, local_date(now, config.retention.timezone))
    final = out_dir / f"{case.case_id}-export.zip"
    partial = final.with_name(final.name + ".part")
    scratch = Path(tempfile.mkdtemp(prefix="dsar-"))  # 0700
    entries: list[dict[str, Any]] = []
    names = MemberNames()
    try:
        with open_private(partial) as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
            for match in (m for m in matches if m.actionable):
                for item in await _files(match, gateway):
                    entries.append(await _add(zf, match, item, gateway, scratch / "download", info, names))
            manifest = _manifest(case, info, entries, now)
            _text(zf, "manifest.json", safe_json(manifest, indent=2, sort_keys=True) + "\n", now)
            _text(zf, "manifest.csv", to_csv([_shown(e) for e in entries], CSV_COLUMNS), now)
            _text(zf, "README.txt", _readme(case, config, now), now)
        os.replace(partial, final)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        partial.unlink(missing_ok=True)
    with final.open("rb") as written:
        digest = hashlib.file_digest(written, "sha256").hexdigest()
    missing = sum(1 for e in entries if e["status"] == "missing")
    return ExportResult(final, len(entries) - missing, missing, digest)


async def _files(match: Match, gateway: ExportGateway) -> list[MatchItem]:
    """The match's files; a folder found outside the scopes is listed through Graph (no snapshot holds it)."""
    if match.scope != "tenant" or not match.items[0].is_folder:
        return list(match.files)
    found, stack = [], [(match.item_id, match.items[0].path)]
    while stack:
        folder, where = stack.pop()
        for child in await gateway.list_children(match.drive_id, folder):
            path = f"{where}/{child.name}"
            if child.is_folder:
                stack.append((child.id, path))
            else:
                found.append(MatchItem(child.id, path, False, child.size, child.created, child.modified))
    return found


async def _add(zf: zipfile.ZipFile, match: Match, item: MatchItem, gateway: ExportGateway, scratch: Path,
               info: RetentionInfo, names: MemberNames) -> dict[str, Any]:
    retention = info.of(match.scope, item.item_id)
    *folders, name = item.path.removeprefix("/").split("/")
    entry: dict[str, Any] = {
        "file": None, "itemId": item.item_id, "name": name, "status": "included", "scope": match.scope,
        "path": item.path, "webUrl": _web_url(info.snapshot, match, item), "created": _iso(item.created),
        "modified": _iso(item.modified), "size": item.size, "sha256": None, "foundBy": match.rule,
        "purpose": retention.purpose, "retention": retention.rule,
        "keepUntil": retention.keep_until.isoformat() if retention.keep_until else None}
    try:
        size = await gateway.download_to(match.drive_id, item.item_id, scratch)
    except NotFound:
        return {**entry, "status": "missing"}
    prefix = ("files", "other", match.match_id) if match.scope == "tenant" else ("files", match.scope)
    arcname = names.file(prefix, folders, name)
    return {**entry, "file": arcname, "size": size, "sha256": _store(zf, arcname, item.modified, scratch, size)}


def _store(zf: zipfile.ZipFile, arcname: str, modified: datetime | None, source: Path, size: int) -> str:
    """Copy the downloaded file into the zip (0600, dated as the file) and return its SHA-256."""
    stamp = (modified or datetime(1980, 1, 1, tzinfo=UTC)).astimezone(UTC)
    member = zipfile.ZipInfo(arcname, date_time=max(stamp.timetuple()[:6], (1980, 1, 1, 0, 0, 0)))
    member.compress_type = zipfile.ZIP_DEFLATED
    member.external_attr = 0o600 << 16
    digest = hashlib.sha256()
    with source.open("rb") as src, zf.open(member, "w", force_zip64=size >= 2**31) as dst:
        while chunk := src.read(_COPY_CHUNK):
            digest.update(chunk)
            dst.write(chunk)
    return digest.hexdigest()


def _web_url(snapshot: Snapshot, match: Match, item: MatchItem) -> str | None:
    scope = snapshot.scopes.get(match.scope)
    if scope is not None:
        return scope.library.web_url + quote(item.path)
    return match.web_url if item.item_id == match.item_id else None


def _manifest(case: Case, info: RetentionInfo, entries: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    snapshot, config = info.snapshot, info.config
    rows = {a.row_id for a in agreements_naming(info.register, case.subject_email,
                                                subject_ids(snapshot, case.subject_email))}
    columns = set(config.register.columns.names())
    entries_of_register = [{k: _plain(v) for k, v in row.items() if k in columns or k == "id"}
                           for row in snapshot.register_rows if str(row.get("id", "")) in rows]
    return {"format": FORMAT, "case": case.case_id, "kind": case.kind, "controller": config.tenant.organization,
            "subject": {"email": case.subject_email, "name": case.subject_name},
            "received": case.received.isoformat(), "generatedAt": now.isoformat(),
            "policyVersion": config.policy_version, "snapshotRunId": snapshot.run_id,
            "files": entries, "registerEntries": entries_of_register, "notes": list(case.find_notes)}


def _shown(entry: dict[str, Any]) -> dict[str, Any]:
    """A manifest row for the spreadsheet: the tenant's name and path with their control characters shown
    escaped (the member name is safe already and must stay exactly what the zip holds)."""
    return {**entry, "name": safe_line(entry["name"]), "path": safe_line(entry["path"])}


def _readme(case: Case, config: Config, now: datetime) -> str:
    org = config.tenant.organization
    return "\n".join([
        f"Kopi av personopplysninger / Copy of personal data — {org}, sak/case {case.case_id}, {now.date()}",
        "",
        ("Norsk: Denne filen er kopien du ba om (personvernforordningen artikkel 15). Mappen files/ inneholder "
        "filene om deg slik de ligger hos oss. manifest.json og manifest.csv (åpnes i et regneark) viser for hver "
        "fil hvor den ligger, når den ble laget og endret, størrelse og SHA-256, hvorfor den ble funnet, formålet og "
        "hvor lenge den lagres. registerEntries i manifest.json er oppføringene om deg i avtaleregisteret. Et "
        "filnavn i files/ kan være endret så filen kan pakkes ut på enhver maskin (tegn som ikke er tillatt er "
        "byttet med _, lange navn er forkortet, like navn er nummerert, svært dype mappestier er slått sammen til "
        "én mappe); manifestet viser det opprinnelige navnet og hele den opprinnelige stien."),
        "",
        ("English: This is the copy you asked for (GDPR Article 15). The folder files/ holds the files about you as "
        "we keep them. manifest.json and manifest.csv (opens in a spreadsheet) show for each file where it is, when "
        "it was created and modified, its size and SHA-256, why it was found, the purpose and how long it is kept. "
        "registerEntries in manifest.json are the entries about you in the agreement register. A file's name under "
        "files/ may differ from ours so that it unpacks on any computer (characters not allowed replaced by _, long "
        "names shortened, equal names numbered, very deep folder paths collapsed into one folder); the manifest "
        "shows the original name and the full original path."),
        "",
    ])


def _text(zf: zipfile.ZipFile, name: str, text: str, now: datetime) -> None:
    member = zipfile.ZipInfo(name, date_time=now.astimezone(UTC).timetuple()[:6])
    member.compress_type = zipfile.ZIP_DEFLATED
    member.external_attr = 0o600 << 16
    zf.writestr(member, text.encode("utf-8"))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
