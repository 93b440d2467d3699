"""One writer at a time: an exclusive lock on the state store for inventory, apply, run and dsar erase.

``flock`` on ``<store>.lock`` is the lock: the kernel drops it when its holder dies, so a killed command never
wedges the store, and a second command is refused at once instead of waiting. The file also names its holder
(pid, host, command, since, heartbeat) so the refusal can say who, and so a holder on another host is still
seen on a network share that does not enforce ``flock`` across hosts.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from m365_compliance.errors import StoreLocked
from m365_compliance.private_files import FILE_MODE, private_dir

log = logging.getLogger(__name__)


class _Held:
    """A lock this process holds: ``count`` nested holders share one file descriptor and one heartbeat."""

    def __init__(self, fd: int, flocked: bool, record: dict[str, Any]) -> None:
        self.fd, self.flocked, self.record, self.count = fd, flocked, record, 1
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None


# flock conflicts between two descriptors of one process too, so nested locks (run → inventory) reuse the first.
_held: dict[Path, _Held] = {}
_guard = threading.Lock()


class StoreLock:
    """``with StoreLock(path, "inventory"):`` exclusive across processes and hosts, re-entrant within a process."""

    def __init__(self, store_path: Path | str, command: str, *, heartbeat_seconds: float = 30.0) -> None:
        # Beside the store's real file: a symlinked or relative path to the same store takes the same lock.
        self.path = None if str(store_path) == ":memory:" else Path(f"{os.path.realpath(store_path)}.lock")
        self.command = command
        self.heartbeat_seconds = heartbeat_seconds
        self._key: Path | None = None

    def __enter__(self) -> StoreLock:
        if self.path is None:
            return self
        private_dir(self.path.parent)
        key = self._key = Path(os.path.realpath(self.path))  # not Path.resolve(): a symlink loop raises RuntimeError
        with _guard:
            if key in _held:
                _held[key].count += 1
            else:
                _held[key] = self._acquire(self.path)
        return self

    def __exit__(self, *exc_info: object) -> None:
        key = self._key
        if key is None:
            return
        with _guard:
            held = _held[key]
            held.count -= 1
            if held.count == 0:
                del _held[key]
                _release(held)

    def _acquire(self, path: Path) -> _Held:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)  # an existing file keeps its mode on O_CREAT
            flocked = True
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise _refusal(_read(fd)) from None
            except OSError as exc:  # ENOLCK and the like: only the holder record and its heartbeat are left
                log.debug("flock unavailable on the state lock (%s); using the holder record only", exc.strerror)
                flocked = False
            previous = _read(fd)
            if previous and self._alive(previous, flocked):
                raise _refusal(previous)
            if previous:
                log.warning("took over the lock left by pid %s on host %s since %s",
                            previous.get("pid"), previous.get("host"), previous.get("since"))
            now = _stamp()
            held = _Held(fd, flocked, {"pid": os.getpid(), "host": socket.gethostname(),
                                       "command": self.command, "since": now, "heartbeat": now})
            _write(fd, held.record)
        except BaseException:
            os.close(fd)
            raise
        held.thread = threading.Thread(target=self._beat, args=(held,), name="store-lock-heartbeat", daemon=True)
        held.thread.start()
        return held

    def _alive(self, holder: dict[str, Any], flocked: bool) -> bool:
        """Whether a recorded holder may still write although ``flock`` let us in. Another host: while its
        heartbeat is younger than 3 intervals. This host: a granted flock proves it gone (a pid check would be
        fooled by a reused pid); without flock, while its pid runs and its heartbeat is fresh (bounds pid reuse)."""
        beat = _parse(holder.get("heartbeat"))
        # A heartbeat from the future (a clock far off, or a forged file) is no proof of life: taken over.
        age = datetime.now(UTC) - beat if beat is not None else None
        window = timedelta(seconds=3 * self.heartbeat_seconds)
        fresh = age is not None and -window < age < window
        if holder.get("host") != socket.gethostname():
            return fresh
        return not flocked and fresh and holder.get("pid") != os.getpid() and _pid_alive(holder.get("pid"))

    def _beat(self, held: _Held) -> None:
        while not held.stop.wait(self.heartbeat_seconds):
            held.record["heartbeat"] = _stamp()
            try:
                _write(held.fd, held.record)
            except OSError as exc:
                log.debug("state lock heartbeat not written (%s)", exc.strerror)


def _release(held: _Held) -> None:
    held.stop.set()
    if held.thread is not None:
        held.thread.join()
    try:  # without flock, clear the record only if it is still ours (another host may have taken over)
        if held.flocked or _read(held.fd) == held.record:
            os.ftruncate(held.fd, 0)
    finally:
        if held.flocked:
            fcntl.flock(held.fd, fcntl.LOCK_UN)
        os.close(held.fd)


def _write(fd: int, record: dict[str, Any]) -> None:
    """Overwrite in place (same length each heartbeat), never truncate first: a reader sees no empty file."""
    data = json.dumps(record).encode()
    os.pwrite(fd, data, 0)
    os.ftruncate(fd, len(data))
    os.fsync(fd)


def _read(fd: int) -> dict[str, Any] | None:
    try:
        record = json.loads(os.pread(fd, 65536, 0) or b"null")
    except ValueError:  # half written by a holder that is starting: no details yet
        return None
    return record if isinstance(record, dict) else None


def _refusal(holder: dict[str, Any] | None) -> StoreLocked:
    if not holder:
        return StoreLocked("The state store is in use by another m365-compliance command (not yet named).")
    since, beat = _parse(holder.get("since")), _parse(holder.get("heartbeat"))
    pid, host, command = holder.get("pid"), holder.get("host"), holder.get("command")
    when = since.strftime("%Y-%m-%dT%H:%M:%SZ") if since else "an unknown time"
    ago = f"{max(0, int((datetime.now(UTC) - beat).total_seconds()))} s ago" if beat else "unknown"
    return StoreLocked(f'The state store is in use by "{command}" (pid {pid} on host {host}) since {when}, '
                       f"last heartbeat {ago}.", pid=pid if isinstance(pid, int) else None, host=host,
                       command=command, since=holder.get("since"), heartbeat=holder.get("heartbeat"))


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"  # fixed width, milliseconds


def _parse(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)).astimezone(UTC) if text else None
    except ValueError:
        return None


def _pid_alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        pass
    return True
