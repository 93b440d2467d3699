"""Files that can hold personal data or evidence are created readable by their owner only (mode 0600).

The mode is given to ``open`` itself, so the file is never readable by others, not even for the moment
between creating it and writing it, whatever the umask; folders the tool makes for them are 0700.

Every output goes through here, so this is also the one place that says why a path cannot be written (a
folder in it is a file, the folder is read-only, the disk is full): :func:`output_problem` before a
command starts, :class:`~m365_compliance.errors.OutputError` when a write fails anyway.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO, NamedTuple, TextIO

from m365_compliance.errors import OutputError

FILE_MODE = 0o600
DIR_MODE = 0o700

#: Endings that make a folder argument look like a file name: `--out report.html` would become a folder.
FILE_SUFFIXES = (".html", ".htm", ".xlsx", ".md", ".json", ".csv")
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_PATH_HINT = "Choose another path, or move away (or make writable) what is named, then run the command again."


class PathProblem(NamedTuple):
    reason: str
    hint: str


def output_problem(path: Path, *, folder: bool) -> PathProblem | None:
    """Why ``path`` cannot be written as a folder (``folder``) or as a file, or None if it can.

    Asked before a command does its work, so a wrong ``--out`` fails at once instead of after an hour of
    inventory. A missing folder is fine (it is made); what already exists on the way decides.
    """
    kind = _kind(path)
    if kind == "denied":
        return PathProblem(f"the folder {path.parent} may not be read", _PATH_HINT)
    if kind == "special":
        return PathProblem("it is not a regular file (a device, a pipe or a socket), and is never replaced",
                           "Give the path of an ordinary file.")
    if kind is not None:
        if folder and kind == "file":
            return PathProblem("it is a file, not a folder", _PATH_HINT)
        if not folder and kind == "dir":
            return PathProblem("it is a folder, not a file", "Give the path of a file, e.g. inside that folder.")
        home = path if folder else path.parent
    elif folder and path.suffix.lower() in FILE_SUFFIXES:
        return PathProblem("it looks like a file name", f"Give a folder such as {path.with_suffix('')}: the files keep "
                                                        "their own names inside it.")
    else:
        home = path.parent
        while _kind(home) is None and home != home.parent:
            home = home.parent
        if _kind(home) == "file":
            return PathProblem(f"{home} is a file, not a folder", _PATH_HINT)
    if not os.access(home, os.W_OK | os.X_OK):
        return PathProblem(f"the folder {home} is not writable", _PATH_HINT)
    return None


def output_error(exc: OSError, path: Path | None = None) -> OutputError:
    """``exc``, met writing ``path`` (default: the path it names, if any), as one sentence that says what to fix."""
    named = path if path is not None else exc.filename
    target = None if named is None else Path(named)
    shown = None if target is None else str(target)
    if exc.errno in _DISK_FULL:
        what = "a write failed" if target is None else f"cannot write {target}"
        return OutputError(f"{what}: the disk holding it is full", path=shown,
                           hint="Free space on that disk (or write somewhere else) and run the command again.")
    problem = None if target is None else output_problem(target, folder=isinstance(exc, FileExistsError))
    if problem is None:  # nothing wrong with the path itself: say what the system said, about that file
        return OutputError(f"{shown or 'a file'}: {exc.strerror or type(exc).__name__}", path=shown, hint=_PATH_HINT)
    return OutputError(f"cannot write {target}: {problem.reason}", path=shown, hint=problem.hint)


def _kind(path: Path) -> str | None:
    """What is at ``path``: "dir", "file", "special" (a device, pipe or socket), None (nothing) or "denied"
    (its folder may not be searched)."""
    try:
        mode = os.stat(path).st_mode
        return "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "special"
    except (FileNotFoundError, NotADirectoryError):
        return None
    except PermissionError:
        return "denied"


def refuse_special(path: Path) -> None:
    """Never replace, truncate or re-mode a device, a pipe or a socket (``/dev/null``, ``/dev/full`` …)."""
    if _kind(path) == "special":
        raise OutputError(f"cannot write {path}: it is not a regular file (a device, a pipe or a socket)",
                          path=str(path), hint="Give the path of an ordinary file.")


def private_dir(path: Path) -> Path:
    """``path`` and any missing parents made 0700 (a folder that already exists keeps its mode)."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    except OSError as exc:
        raise output_error(exc) from exc
    return path


def open_private(path: Path) -> BinaryIO:
    """``path`` created (or truncated) with mode 0600 before any byte is written; its folder is made if needed."""
    refuse_special(path)
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, FILE_MODE)
    except OSError as exc:
        raise output_error(exc, path) from exc
    os.fchmod(fd, FILE_MODE)  # an existing file keeps its mode on O_CREAT: make it private too
    return os.fdopen(fd, "wb")


def open_private_text(path: Path) -> TextIO:
    """:func:`open_private` for text (UTF-8, newlines as written)."""
    return io.TextIOWrapper(open_private(path), encoding="utf-8", newline="")


def write_private(path: Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` with mode 0600, replacing it in one step: a reader (or a
    crash) never sees half a file."""
    refuse_special(path)
    private_dir(path.parent)
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # created 0600
    except OSError as exc:
        raise output_error(exc, path) from exc
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise output_error(exc, path) from exc
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
