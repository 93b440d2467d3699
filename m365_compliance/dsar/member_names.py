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
The manifest maps every member name back to the item id and its original path.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from m365_compliance.terminal_text import UNSAFE

#: Per folder or file name: well below the 255-byte limit of common file systems, so that a few levels
#: of folders and the folder the subject unpacks into still fit the usual path limits.
MAX_BYTES = 100
_MAX_EXTENSION = 16  # characters after the last dot that are kept as an extension when shortening
_REFUSED = re.compile(f"{UNSAFE.pattern}|[<>:\"/\\\\|?*]")
_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                      *(f"{port}{n}" for port in ("COM", "LPT") for n in (*"0123456789", "¹", "²", "³"))})


class MemberNames:
    """Hands out member names for one zip; each call claims a new, unique file name."""

    def __init__(self) -> None:
        self._taken: dict[tuple[str, ...], set[str]] = {}  # folder (member parts) -> keys of the names in it
        self._folders: dict[tuple[tuple[str, ...], str], str] = {}  # (parent, original name) -> member name

    def file(self, prefix: Sequence[str], folders: Sequence[str], name: str) -> str:
        """``prefix`` (parts of our own, e.g. ``files/recruitment``) + the cleaned ``folders`` + the cleaned
        ``name``. The same original folder in the same place always maps to the same member folder."""
        parent = tuple(prefix)
        for original in folders:
            place = (parent, original)
            if place not in self._folders:
                self._folders[place] = self._claim(parent, original)
            parent = (*parent, self._folders[place])
        return "/".join((*parent, self._claim(parent, name)))

    def _claim(self, parent: tuple[str, ...], original: str) -> str:
        base = clean(original)
        taken = self._taken.setdefault(parent, set())
        candidate, n = _fit(base, ""), 1
        while _key(candidate) in taken:
            n += 1
            candidate = _fit(base, f" ({n})")
        taken.add(_key(candidate))
        return candidate


def clean(name: str) -> str:
    """One folder or file name safe on Windows, macOS and Linux (not yet shortened or made unique)."""
    text = _REFUSED.sub("_", unicodedata.normalize("NFC", name)).strip(" .") or "_"
    return "_" + text if text.split(".", 1)[0].rstrip(" ").upper() in _DEVICES else text


def _fit(name: str, suffix: str) -> str:
    """``name`` with ``suffix`` before its extension, the stem shortened to fit :data:`MAX_BYTES`."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > _MAX_EXTENSION:
        stem, extension = name, ""
    tail = (suffix + ("." + extension if extension else "")).encode()
    room = MAX_BYTES - len(tail)
    short = stem.encode()[:room].decode("utf-8", errors="ignore")
    if short != stem:
        short = short.rstrip(" .") or "_"
    return short + tail.decode()


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()
