"""Files that can hold personal data or evidence are created readable by their owner only (mode 0600).

The mode is given to ``open`` itself, so the file is never readable by others, not even for the moment
between creating it and writing it, whatever the umask; folders the tool makes for them are 0700.

Every output goes through here, so this is also the one place that says why a path cannot be written (a
folder in it is a file, the folder is read-only, the disk is full, a name is longer than the filesystem
allows, a NUL is in it): :func:`path_problem` for what no disk could ever hold, :func:`output_problem`
before a command starts, :class:`~m365_compliance.errors.OutputError` when a write fails anyway, and
:func:`os_error` / :func:`path_value_error` for what reaches the CLI's catch-all. None of them raises for
a bad path: the code that explains an error must not fail on the path it explains.
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

#: What a name (one part between slashes) and a whole path may be when the filesystem does not say
#: (``os.pathconf``): Linux's NAME_MAX and PATH_MAX, in bytes of the path's encoding (UTF-8).
NAME_MAX_FALLBACK = 255
PATH_MAX_FALLBACK = 4096
#: At most this much of a refused path is quoted: the path may be kilobytes long, and is the bad value.
SHOWN_MAX = 60
_QUOTED_MAX = 200  # a path longer than this is quoted as a prefix even when valid: one line stays readable
_NAME_HINT = ("Give a shorter path (each folder or file name at most {name} bytes, the whole path at most {path}), "
              "without NUL characters.")
_VALUE_HINT = ("Check the paths given on the command line and in the policy file ([state] path, register.path, "
               "auth.certificate_path): `m365-compliance config check POLICY` names a bad one in the file.")


class PathProblem(NamedTuple):
    reason: str
    hint: str


def shown(path: object, limit: int = SHOWN_MAX) -> str:
    """``path`` as a message quotes a refused one: at most ``limit`` characters, then "…"."""
    text = os.fsdecode(path) if isinstance(path, bytes) else str(path)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def path_problem(path: Path | str, *, room: int = 0, path_max: int | None = None) -> str | None:
    """Why no file can ever be at ``path``, whatever is on the disk, or None: a NUL character in it, a name
    (a part between slashes) longer than the filesystem allows (``os.pathconf`` PC_NAME_MAX of the nearest
    folder that exists, else 255 bytes), or the whole path, made absolute, longer than PC_PATH_MAX (else 4096).

    ``room``: bytes the last name must leave free, for files named after it (a store's ``-journal``), and the
    whole path too; ``path_max``: a lower limit than the system's for the whole path (SQLite's). Only a short
    prefix of a name is quoted. Never raises."""
    text = os.fsdecode(path) if isinstance(path, bytes) else str(path)
    if "\x00" in text:
        return "it holds a NUL character, which no path may contain"
    try:
        encoded = os.fsencode(text)
    except UnicodeError:
        return "it holds a character no file name can have here (an unpaired surrogate)"
    absolute = _absolute(encoded)
    name_max = _limit(absolute, "PC_NAME_MAX", NAME_MAX_FALLBACK)
    parts = [part for part in encoded.split(b"/") if part]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        allowed = name_max - (room if last else 0)
        if len(part) > allowed:
            why = f" ({room} are kept free for the files named after it)" if room and last else ""
            return (f"the name {shown(os.fsdecode(part), 24)!r} in it is {len(part)} bytes long, and a name may have "
                    f"at most {allowed} bytes here{why}")
    system = _limit(absolute, "PC_PATH_MAX", PATH_MAX_FALLBACK) - 1  # PATH_MAX counts the closing NUL
    whole = system if path_max is None else min(path_max, system)
    if len(absolute) + room > whole:
        why = f" ({room} are kept free for the files named after it)" if room else ""
        return (f"it is {len(absolute)} bytes long as a full path, and a path may have at most {whole - room} "
                f"bytes here{why}")
    return None


def name_hint(path: Path | str | None = None) -> str:
    """What to do about a :func:`path_problem`, with the limits that apply to ``path``."""
    try:
        absolute = _absolute(os.fsencode(str(path))) if path is not None and "\x00" not in str(path) else b"/"
    except UnicodeError:
        absolute = b"/"
    return _NAME_HINT.format(name=_limit(absolute, "PC_NAME_MAX", NAME_MAX_FALLBACK),
                             path=_limit(absolute, "PC_PATH_MAX", PATH_MAX_FALLBACK) - 1)


def _absolute(encoded: bytes) -> bytes:
    if encoded.startswith(b"/"):
        return encoded
    try:
        return os.path.join(os.getcwdb(), encoded)
    except OSError:  # the working folder is gone
        return encoded


def _limit(absolute: bytes, name: str, fallback: int) -> int:
    """``os.pathconf(…, name)`` of the nearest folder above ``absolute`` that answers, else ``fallback``."""
    pathconf = getattr(os, "pathconf", None)
    probe = os.path.dirname(absolute) or b"."
    while pathconf is not None:
        try:
            value = pathconf(probe, name)
            return value if isinstance(value, int) and value > 0 else fallback
        except (OSError, ValueError):
            pass
        parent = os.path.dirname(probe)
        if not parent or parent == probe:
            break
        probe = parent
    return fallback


def output_problem(path: Path, *, folder: bool) -> PathProblem | None:
    """Why ``path`` cannot be written as a folder (``folder``) or as a file, or None if it can.

    Asked before a command does its work, so a wrong ``--out`` fails at once instead of after an hour of
    inventory. A missing folder is fine (it is made); what already exists on the way decides. Never raises.
    """
    bad = path_problem(path)
    if bad is not None:
        return PathProblem(bad, name_hint(path))
    kind, why = _look(path)
    if kind == "unreachable":
        return PathProblem(f"it cannot be reached ({why})", _PATH_HINT)
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
        kind, why = _look(home)
        if kind == "file":
            return PathProblem(f"{home} is a file, not a folder", _PATH_HINT)
        if kind == "unreachable":
            return PathProblem(f"{home} cannot be reached ({why})", _PATH_HINT)
    if not _writable(home):
        return PathProblem(f"the folder {home} is not writable", _PATH_HINT)
    return None


def _writable(folder: Path) -> bool:
    try:
        return os.access(folder, os.W_OK | os.X_OK)
    except (OSError, ValueError):
        return False


def output_error(exc: OSError, path: Path | None = None) -> OutputError:
    """``exc``, met writing ``path`` (default: the path it names, if any), as one sentence that says what to fix."""
    named = path if path is not None else exc.filename
    target = Path(os.fsdecode(named)) if isinstance(named, str | bytes | os.PathLike) else None
    text = None if target is None else str(target)
    quoted = None if target is None else quote(target)
    if exc.errno in _DISK_FULL:
        what = "a write failed" if target is None else f"cannot write {quoted}"
        return OutputError(f"{what}: the disk holding it is full", path=text,
                           hint="Free space on that disk (or write somewhere else) and run the command again.")
    problem = None if target is None else output_problem(target, folder=isinstance(exc, FileExistsError))
    if problem is None:  # nothing wrong with the path itself: say what the system said, about that file
        hint = name_hint(target) if exc.errno == errno.ENAMETOOLONG else _PATH_HINT
        return OutputError(f"{quoted or 'a file'}: {exc.strerror or type(exc).__name__}", path=text, hint=hint)
    return OutputError(f"cannot write {quoted}: {problem.reason}", path=text, hint=problem.hint)


def os_error(exc: OSError) -> OutputError:
    """Any ``OSError`` that reached the CLI (ENAMETOOLONG, ELOOP, ENOTDIR, EACCES, a full disk …) as one
    sentence and a hint; the last resort, so it never raises itself."""
    try:
        return output_error(exc)
    except Exception:  # noqa: BLE001 - explaining an error must not end in another traceback
        return OutputError(f"a file could not be read or written: {exc.strerror or type(exc).__name__}",
                           hint=_PATH_HINT)


def path_value_error(exc: ValueError) -> OutputError | None:
    """A ``ValueError`` that a path raised in the system's file functions (a NUL in it: "embedded null byte",
    a character the file system encoding cannot hold) as one sentence and a hint; None for any other."""
    text = str(exc)
    if "null byte" in text or "null character" in text:
        reason = "a path holds a NUL character, which no path may contain"
    elif isinstance(exc, UnicodeEncodeError) and "surrogates" in text:
        reason = "a path holds a character no file name can have here (an unpaired surrogate)"
    else:
        return None
    return OutputError(reason, hint=_VALUE_HINT)


def quote(path: Path | str) -> str:
    """``path`` as a message names it: whole, unless no file could be there or it is longer than a line
    should be (then a short prefix only)."""
    text = str(path)
    return text if len(text) <= _QUOTED_MAX and path_problem(path) is None else shown(path)


def _look(path: Path) -> tuple[str | None, str]:
    """What is at ``path``: "dir", "file", "special" (a device, pipe or socket), None (nothing), "denied" (its
    folder may not be searched) or "unreachable" (a symlink loop, a name too long …: the system's reason
    second). Never raises."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None, ""
    except PermissionError:
        return "denied", ""
    except OSError as exc:
        return "unreachable", exc.strerror or type(exc).__name__
    except ValueError:
        return "unreachable", "not a valid path"
    return ("dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "special"), ""


def _kind(path: Path) -> str | None:
    return _look(path)[0]


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


def _temp_prefix(path: Path) -> str:
    """``.<name>.`` for the temporary file beside ``path``, its name cut so that the temporary name (the
    prefix, 8 random characters, ``.tmp``) is no longer than a name may be: an output named up to the
    limit is written, not refused at the end of the command."""
    room = _limit(_absolute(os.fsencode(str(path))), "PC_NAME_MAX", NAME_MAX_FALLBACK) - len("..") - 8 - len(".tmp")
    name = os.fsencode(path.name)
    return "." + (path.name if len(name) <= room else name[:room].decode("utf-8", "ignore")) + "."


def write_private(path: Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` with mode 0600, replacing it in one step: a reader (or a
    crash) never sees half a file."""
    refuse_special(path)
    private_dir(path.parent)
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=_temp_prefix(path), suffix=".tmp")  # created 0600
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
