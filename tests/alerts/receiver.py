"""A local HTTP receiver for the sink tests: records every request and answers from a script.

A real threaded ``http.server`` on 127.0.0.1 with an ephemeral port, so each sink is tested over a
real socket with its real HTTP client: what it records is what went on the wire. Answers are given
in order (``script``) or by a function of the request (``router``); without either, ``default``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass
class Answer:
    status: int = 202
    body: Any = None  # dict/list → JSON; str/bytes as given; None → empty
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a timeout test makes the client give up first)


@dataclass
class Received:
    method: str
    path: str  # without the query
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class Receiver:
    """``with Receiver() as r: r.script.append(Answer(500)); ...; r.requests``"""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.script: list[Answer] = []
        self.router: Callable[[Received], Answer] | None = None
        self.default = Answer(202)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, received: Received) -> Answer:
        with self._lock:
            self.requests.append(received)
            if self.script:
                return self.script.pop(0)
        return self.router(received) if self.router is not None else self.default

    def bodies(self) -> str:
        """Everything the sink sent, decoded: what a personal-data check searches."""
        return "\n".join(r.body.decode("utf-8", "replace") for r in self.requests)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            received = Received(self.command, parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()},
                                {k.lower(): v for k, v in self.headers.items()}, body)
            answer = receiver.answer(received)
            if answer.delay:
                time.sleep(answer.delay)
            payload = answer.body
            if isinstance(payload, (dict, list)):
                raw = json.dumps(payload).encode()
                content_type = "application/json"
            else:
                raw = payload.encode() if isinstance(payload, str) else (payload or b"")
                content_type = "text/plain"
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if raw:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # the stdlib's signature
            pass

    return Handler


def refused_url() -> str:
    """A loopback URL where nothing listens: connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
