"""Files that hold personal data (exports, statements) are created readable by their owner only."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO


def open_private(path: Path) -> BinaryIO:
    """``path`` created (or truncated) with mode 0600 before any byte is written; its folder is made if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode on O_CREAT: make it private too
    return os.fdopen(fd, "wb")


def write_private(path: Path, data: bytes) -> Path:
    with open_private(path) as out:
        out.write(data)
    return path
