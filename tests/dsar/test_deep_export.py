"""A subject's copy from a folder tree nested far deeper than any path limit: the zip still unpacks completely.

The attack: a chain of 45 folders with 100-byte names inside an applicant's folder (member names of 4,597
bytes once: ``zipfile.extractall`` stopped with Errno 36 after two files, ``unzip`` exited 1), files at
several depths, two chains that differ only at the bottom, a long file name at the very bottom, and a
sibling file whose name a shortened one could collide with. Built in the sandbox tenant, inventoried,
found and exported through the CLI, then unpacked for real with ``zipfile`` and ``unzip``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest
from dsar_world import World

from m365_compliance.dsar.member_names import MAX_BYTES, MAX_PATH_BYTES, MemberNames

DEPTH = 45
FOLDER = "d" * 95 + " mappe"  # 101 bytes: cleaned and shortened to 100, as every name over the limit is
LONG_FILE = "Søknad " + "L" * 150 + ".docx"


def _deep_tree(world: World) -> tuple[str, str, dict[str, bytes]]:
    """The deep chains inside a "within" applicant's folder; (e-mail, person, {original path: bytes})."""
    t, m = world.demo.tenant, world.demo.manifest
    a = next(x for x in m.applicants if x.state == "within" and x.applied is not None)
    drive = t.drive(m.recruitment_drive)
    parent = t.item(m.recruitment_drive, a.folder_id)
    contents: dict[str, bytes] = {}

    def add(folder, name: str, where: str) -> None:  # type: ignore[no-untyped-def]
        data = f"{where}/{name}\n".encode() * 3
        t.add_file(drive, folder, name, created=t.clock, content=data)
        contents[f"{where}/{name}"] = data

    where = f"/Søkere/{a.name}"
    for depth in range(1, DEPTH + 1):
        parent = t.add_folder(drive, parent, FOLDER, created=t.clock)
        where = f"{where}/{FOLDER}"
        if depth in (1, 2, 10, 30, DEPTH - 1):
            add(parent, f"notat nivå {depth}.txt", where)
        if depth == DEPTH - 1:
            twin = t.add_folder(drive, parent, FOLDER.upper(), created=t.clock)  # a second chain, same start
            add(twin, "bunn.txt", f"{where}/{FOLDER.upper()}")
    add(parent, "bunn.txt", where)
    add(parent, LONG_FILE, where)
    add(parent, LONG_FILE[:-5] + " (2).docx", where)  # what a numbered shortened name could look like
    return a.email, a.person, contents


def test_a_45_folder_deep_tree_exports_to_a_zip_that_unpacks_completely(world: World, tmp_path: Path) -> None:
    email, person, contents = _deep_tree(world)
    deepest = max(len(p.encode()) for p in contents)
    assert deepest > 4500  # the attack: a path far over every limit
    world.cli("inventory", "--full")  # the next full inventory sees the new tree
    case = world.open(email, "access", name=person)
    world.cli("dsar", "find", case)
    world.cli("dsar", "export", case, "--out", world.dir / "out")
    zipped = world.dir / "out" / f"{case}-export.zip"

    with zipfile.ZipFile(zipped) as zf:
        members = [i.filename for i in zf.infolist()]
        manifest = json.loads(zf.read("manifest.json"))
    entries = {e["path"]: e for e in manifest["files"]}
    assert set(contents) <= set(entries)  # the manifest keeps every full original path
    for path in contents:
        assert entries[path]["status"] == "included" and entries[path]["name"] == path.rsplit("/", 1)[1]

    # Every member fits the bound, every part the per-name limit, and no two collide on Windows or macOS.
    assert all(len(m.encode()) <= MAX_PATH_BYTES for m in members), max(members, key=len)
    assert all(len(part.encode()) <= MAX_BYTES for m in members for part in m.split("/"))
    folded = [unicodedata.normalize("NFC", m).casefold() for m in members]
    assert len(set(folded)) == len(folded)
    folders = {f.rsplit("/", n)[0] for f in folded for n in range(1, f.count("/") + 1)}
    assert not folders & set(folded)
    # Recognisable: the applicant's folder is kept, and so are file names and their extensions.
    for path, data in contents.items():
        member = entries[path]["file"]
        assert member.startswith("files/recruitment/Søkere/"), member
        assert path.split("/")[2] in member  # the applicant's folder
        assert member.rsplit(".", 1)[1] == path.rsplit(".", 1)[1]
    bottoms = {entries[p]["file"].rsplit("/", 1)[0] for p in contents if p.endswith("/bunn.txt")}
    assert len(bottoms) == 2  # the two chains that differ only at the bottom stay apart

    _extracted_completely(zipped, tmp_path / "zipfile", contents, entries, tool="zipfile")
    if shutil.which("unzip") is None:
        pytest.skip("unzip is not installed (apt-get install -y unzip)")
    _extracted_completely(zipped, tmp_path / "unzip", contents, entries, tool="unzip")


def _extracted_completely(zipped: Path, target: Path, contents: dict[str, bytes], entries: dict[str, dict],
                          *, tool: str) -> None:
    target.mkdir()
    if tool == "unzip":
        done = subprocess.run(["unzip", "-q", str(zipped), "-d", str(target)], capture_output=True, text=True,
                              env={**os.environ, "LC_ALL": "C.UTF-8"}, check=False)
        assert done.returncode == 0 and not done.stderr, (done.returncode, done.stdout, done.stderr)
    else:
        with zipfile.ZipFile(zipped) as zf:
            zf.extractall(target)
    with zipfile.ZipFile(zipped) as zf:
        members = sorted(i.filename for i in zf.infolist())
    extracted = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert extracted == members, tool  # every member, and nothing else
    for path, data in contents.items():
        assert (target / entries[path]["file"]).read_bytes() == data, (tool, path)


def test_member_paths_are_bounded_deterministic_and_unique() -> None:
    """The rules on their own: whole paths within the bound (multi-byte names too), one member folder per
    original chain, a kept top, and folder chains that fit left exactly as they were."""
    names = MemberNames()
    prefix = ("files", "recruitment")
    deep = ["Søkere", "2025-11 Åse Ødegård"] + ["æøå" * 40] * 30
    first = names.file(prefix, deep, "CV.pdf")
    again = names.file(prefix, deep, "Søknad.pdf")
    assert first.rsplit("/", 1)[0] == again.rsplit("/", 1)[0]  # one chain, one member folder
    assert first.startswith("files/recruitment/Søkere/2025-11 Åse Ødegård/") and first.endswith("/CV.pdf")
    other = names.file(prefix, deep[:-1] + ["annen"], "CV.pdf")
    assert other.rsplit("/", 1)[0] != first.rsplit("/", 1)[0]
    assert names.file(prefix, deep, "CV.pdf") == first.replace("/CV.pdf", "/CV (2).pdf")
    shallow = names.file(prefix, ["Søkere", "Ola", "Intervju 2025", "Notater"], "referat.docx")
    assert shallow == "files/recruitment/Søkere/Ola/Intervju 2025/Notater/referat.docx"
    for depth in range(1, 40):
        for name in ("x.pdf", "ø" * 200 + ".pdf", "y" * 300):
            member = names.file(("files", "other", "m-0123abcd"), ["ü" * 99] * depth, name)
            assert len(member.encode()) <= MAX_PATH_BYTES and all(len(p.encode()) <= MAX_BYTES
                                                                  for p in member.split("/"))
    assert MemberNames().file(prefix, deep, "CV.pdf") == first  # the same in every export
