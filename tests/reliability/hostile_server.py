"""A real TCP server on 127.0.0.1 that misbehaves the way an outside tester's did: it accepts connections
and then never answers, or sends its headers and trickles the body a byte at a time — or answers
properly for a while first. Every connection is counted, so a test asserts how many attempts were made
rather than how long they took."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

#: What the server does with one connection once it has read the request's head.
Behaviour = Callable[[socket.socket, threading.Event], None]


def never_answer(conn: socket.socket, stop: threading.Event) -> None:
    """Accept, read the request, say nothing until the test ends (blackhole.py's default mode)."""
    stop.wait()


def trickle(every: float, length: int = 100_000) -> Behaviour:
    """Headers at once, then one byte of the promised body every ``every`` seconds (blackhole.py's slow mode)."""
    def behave(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % length)
        while not stop.wait(every):
            conn.sendall(b" ")
    return behave


def answer(status: int, body: dict[str, Any]) -> Behaviour:
    """A complete JSON answer, then the connection closed (so every request opens a connection of its own)."""
    def behave(conn: socket.socket, stop: threading.Event) -> None:
        data = json.dumps(body).encode()
        conn.sendall(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n%s" % (status, len(data), data))
    return behave


def steady(chunks: int, size: int, every: float) -> Behaviour:
    """A body of ``chunks`` × ``size`` bytes, one chunk every ``every`` seconds: slow overall, but steady."""
    def behave(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n" % (chunks * size))
        for _ in range(chunks):
            conn.sendall(b"x" * size)
            if stop.wait(every):
                return
    return behave


class HostileServer:
    """Serves each connection as ``behave(path, index)`` says (``index``: the connection's number, from 0)."""

    def __init__(self, behave: Callable[[str, int], Behaviour]) -> None:
        self._behave = behave
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(50)
        self._listener.settimeout(0.05)
        self.port = int(self._listener.getsockname()[1])
        self.paths: list[str] = []  # the path of every request received, in order: one per connection
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._conns)

    def __enter__(self) -> HostileServer:
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()
        self._threads.append(accept)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()
        with self._lock:
            for conn in self._conns:
                conn.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            with self._lock:
                index = len(self._conns)
                self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn, index), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket, index: int) -> None:
        try:
            conn.settimeout(5)
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(65536)
                if not data:
                    return
                head += data
            path = head.split(b" ", 2)[1].decode("latin-1")
            with self._lock:
                self.paths.append(path)
            self._behave(path, index)(conn, self._stop)
        except OSError:
            pass  # the client gave up and closed the connection: that is what is being tested
