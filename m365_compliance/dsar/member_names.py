"""Member names in the subject's export zip: one unique, safe path per file, whatever the tenant named it.

Names come from whoever can edit a library, and the subject unpacks the zip with whatever they have
(Windows Explorer, macOS Archive Utility, ``unzip``, Python's ``zipfile``). A name like ``..`` once
made the export unusable after its first file, so each folder and file name in a member path is cleaned:

* NFC-normalised; control characters, bidi controls (as in :mod:`m365_compliance.terminal_text`) and the
  characters Windows refuses (``< > : " / \\ | ? *``) become ``_``;
* leading and trailing dots and spaces are dropped (``.`` and ``..`` would vanish or climb out, Windows
  drops trailing ones anyway); what is left empty becomes ``_``;
* a Windows device name (``CON``, ``NUL``, ``COM1`` …, with an extension too) gets a ``_`` in front;
* at most :data:`MAX_BYTES` bytes of UTF-8, the extension kept;

then made unique in its folder, compared as Windows and macOS compare (case-insensitively, after
normalisation): ``name (2).ext``, ``name (3).ext`` …; a file never takes the name of a folder beside it.

The whole member path is bounded too, at :data:`MAX_PATH_BYTES` bytes of UTF-8 (so at most as many
characters): a chain of 45 folders of 100 bytes once made a 4,597-byte member that neither ``unzip`` nor
``zipfile`` could create. The member's folder is kept whole while it fits in :data:`FOLDER_BYTES`; a
deeper one keeps its leading folders (the scope's folder, the applicant's or customer's folder) as far as
they fit, and the rest of the chain becomes one folder named after its first part and a short hash of the
whole chain (``Intervjuer 2025 og 2026~3f9a1c2e``), claimed and made unique like any other name: different
chains never share a folder, and one chain always lands in the same one. The file name keeps the room that
is left (at least :data:`MIN_FILE_BYTES`, its extension kept).

The manifest maps every member name back to the item id and its original path, whole, so nothing a
shortened or collapsed name leaves out is lost.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence

from m365_compliance.terminal_text import UNSAFE

#: Per folder or file name: well below the 255-byte limit of common file systems, so that a few levels
#: of folders and the folder the subject unpacks into still fit the usual path limits.
MAX_BYTES = 100
#: A whole member path (``files/…/name.ext``). Windows' legacy limit is 260 characters for the whole path,
#: destination included (MAX_PATH, which Explorer's "Extract all" is held to): 200 leaves 58 characters for
#: the folder it is unpacked into, e.g. ``C:\Users\kari\Downloads\dsar-20260101-a1b2c3-export\`` (51).
#: SharePoint and OneDrive allow 400 characters for a path, so the copy can also be uploaded there.
MAX_PATH_BYTES = 200
#: What a file name is always left in a member path (its extension kept).
MIN_FILE_BYTES = 60
#: The member's folder path (our prefix and the tenant's folders) at most.
FOLDER_BYTES = MAX_PATH_BYTES - MIN_FILE_BYTES - 1
_COLLAPSED_START = 24  # bytes of the first folder a collapsed chain keeps in its name
_COLLAPSED_MAX = 40  # bytes a collapsed chain's folder name may have, numbering included
_HASH_CHARS = 8
_MAX_EXTENSION = 16  # characters after the last dot that are kept as an extension when shortening
_REFUSED = re.compile(f"{UNSAFE.pattern}|[<>:\"/\\\\|?*]")
_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                      *(f"{port}{n}" for port in ("COM", "LPT") for n in (*"0123456789", "¹", "²", "³"))})


class MemberNames:
    """Hands out member names for one zip; each call claims a new, unique file name."""

    def __init__(self) -> None:
        self._taken: dict[tuple[str, ...], set[str]] = {}  # folder (member parts) -> keys of the names in it
        # (parent, original name or the original names of a collapsed chain) -> member name
        self._folders: dict[tuple[tuple[str, ...], str | tuple[str, ...]], str] = {}

    def file(self, prefix: Sequence[str], folders: Sequence[str], name: str) -> str:
        """``prefix`` (parts of our own, e.g. ``files/recruitment``) + the cleaned ``folders`` + the cleaned
        ``name``, at most :data:`MAX_PATH_BYTES` in all. The same original folder chain in the same place
        always maps to the same member folder."""
        parent = self._folder(tuple(prefix), tuple(folders))
        room = min(MAX_BYTES, MAX_PATH_BYTES - _length(parent) - 1)
        return "/".join((*parent, self._claim(parent, clean(name), room)))

    def _folder(self, prefix: tuple[str, ...], folders: tuple[str, ...]) -> tuple[str, ...]:
        """The member folder of ``folders`` below ``prefix``: whole when it fits in :data:`FOLDER_BYTES`, else
        its leading folders as far as they fit beside one folder standing for the rest."""
        planned = self._planned(prefix, folders)
        kept = len(folders)
        if _length(planned) > FOLDER_BYTES:
            kept = 0
            while (kept < len(folders)
                   and _length(planned[:len(prefix) + kept + 1]) + 1 + _COLLAPSED_MAX <= FOLDER_BYTES):
                kept += 1
        parent = prefix
        for original in folders[:kept]:
            parent = (*parent, self._place(parent, original))
        if kept < len(folders):
            parent = (*parent, self._place(parent, folders[kept:]))
        return parent

    def _planned(self, prefix: tuple[str, ...], folders: tuple[str, ...]) -> tuple[str, ...]:
        """``prefix`` and the member names ``folders`` get when kept whole, without claiming any (each level
        has a parent of its own, so what each would be given is known exactly)."""
        parent = prefix
        for original in folders:
            known = self._folders.get((parent, original))
            parent = (*parent, known if known is not None else self._candidate(parent, clean(original), MAX_BYTES))
        return parent

    def _place(self, parent: tuple[str, ...], original: str | tuple[str, ...]) -> str:
        place = (parent, original)
        if place not in self._folders:
            if isinstance(original, str):
                self._folders[place] = self._claim(parent, clean(original), MAX_BYTES)
            else:
                self._folders[place] = self._claim(parent, _collapsed(original), _COLLAPSED_MAX)
        return self._folders[place]

    def _candidate(self, parent: tuple[str, ...], base: str, limit: int) -> str:
        """The name ``base`` gets in ``parent`` now: fitted to ``limit`` bytes, numbered when taken."""
        taken = self._taken.get(parent, set())
        candidate, n = _fit(base, "", limit), 1
        while _key(candidate) in taken:
            n += 1
            candidate = _fit(base, f" ({n})", limit)
        return candidate

    def _claim(self, parent: tuple[str, ...], base: str, limit: int) -> str:
        candidate = self._candidate(parent, base, limit)
        self._taken.setdefault(parent, set()).add(_key(candidate))
        return candidate


def clean(name: str) -> str:
    """One folder or file name safe on Windows, macOS and Linux (not yet shortened or made unique)."""
    text = _REFUSED.sub("_", unicodedata.normalize("NFC", name)).strip(" .") or "_"
    return "_" + text if text.split(".", 1)[0].rstrip(" ").upper() in _DEVICES else text


def _collapsed(originals: tuple[str, ...]) -> str:
    """One folder name for a chain of folders too deep to keep: the start of the first (cleaned), ``~`` and a
    hash of the whole chain, so that different chains below one folder get different names."""
    digest = hashlib.sha256(json.dumps(originals).encode()).hexdigest()[:_HASH_CHARS]
    start = clean(originals[0]).encode()[:_COLLAPSED_START].decode("utf-8", errors="ignore").rstrip(" .") or "_"
    return f"{start}~{digest}"


def _length(parts: Sequence[str]) -> int:
    """Bytes of UTF-8 in the member path made of ``parts``."""
    return len("/".join(parts).encode())


def _fit(name: str, suffix: str, limit: int = MAX_BYTES) -> str:
    """``name`` with ``suffix`` before its extension, the stem shortened to fit ``limit`` bytes."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > _MAX_EXTENSION:
        stem, extension = name, ""
    tail = (suffix + ("." + extension if extension else "")).encode()
    room = limit - len(tail)
    short = stem.encode()[:room].decode("utf-8", errors="ignore")
    if short != stem:
        short = short.rstrip(" .") or "_"
    return short + tail.decode()


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()
