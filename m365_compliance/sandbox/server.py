"""Run the sandbox app under a real HTTP server (uvicorn) on 127.0.0.1, in a background thread.

msgraph-sdk allows plain http only for loopback hosts (facts §8.1), so the sandbox binds 127.0.0.1
and nothing else. Port 0 picks a free port; ``base_url`` tells which one was taken.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from m365_compliance.sandbox.http.app import SandboxApp, SandboxOptions
from m365_compliance.sandbox.tenant import Tenant

LOOPBACK = "127.0.0.1"


class SandboxServer:
    """``with SandboxServer(tenant) as server: server.base_url`` → ``http://127.0.0.1:PORT/v1.0``."""

    def __init__(self, tenant: Tenant, options: SandboxOptions | None = None, *, port: int = 0) -> None:
        self.app = SandboxApp(tenant, options)
        self.tenant = tenant
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit this: without it uvicorn's separate header/body writes meet Nagle
        # and delayed ACK, and every request on loopback takes ~40 ms instead of ~1 ms.
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.bind((LOOPBACK, port))
        # Listening from here on: a client told the URL before the server loop runs waits in the
        # backlog instead of being refused.
        self._socket.listen(2048)
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off",
                                timeout_keep_alive=30)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1.0"

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name="m365-sandbox", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the sandbox server stopped while starting; see the log above")
            if time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start within 15 seconds")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (used by ``sandbox serve``)."""
        self._server.run(sockets=[self._socket])

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
