"""Files that can hold personal data or evidence are created readable by their owner only (mode 0600).

The mode is given to ``open`` itself, so the file is never readable by others, not even for the moment
between creating it and writing it, whatever the umask; folders the tool makes for them are 0700.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, TextIO

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """``path`` and any missing parents made 0700 (a folder that already exists keeps its mode)."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    return path


def open_private(path: Path) -> BinaryIO:
    """``path`` created (or truncated) with mode 0600 before any byte is written; its folder is made if needed."""
    private_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, FILE_MODE)
    os.fchmod(fd, FILE_MODE)  # an existing file keeps its mode on O_CREAT: make it private too
    return os.fdopen(fd, "wb")


def open_private_text(path: Path) -> TextIO:
    """:func:`open_private` for text (UTF-8, newlines as written)."""
    return io.TextIOWrapper(open_private(path), encoding="utf-8", newline="")


def write_private(path: Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` with mode 0600, replacing it in one step: a reader (or a
    crash) never sees half a file."""
    private_dir(path.parent)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # created 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
