"""Every HTTP exchange ends in bounded time: connect, send, headers and the whole answer under one deadline.

httpx's timeouts are per operation: a server that accepts the connection and never answers costs a
full read timeout (100 s) per attempt, and one that sends its headers and then a byte within every
read timeout never trips any of them (an outside tester held one request for 15 minutes with a byte
every 5 s). :class:`DeadlineTransport` wraps a client's transports and bounds the exchange as a whole;
running out raises :class:`RequestDeadlineExceeded`, an ``httpx.ReadTimeout``, so the retry policy
treats it as any answer that did not come (``retry.py``).

Two rules (:class:`Deadline`):

* **Graph's API** (``request_deadline_seconds``, 120 s): the answer, body included, must be complete
  within the deadline after the request was handed to the transport. A request body (an upload) adds
  its size ÷ ``min_bytes_per_second`` to it; an answer does not (Graph's answers are pages of at most
  a few MB, and a fixed bound also ends an answer that streams forever).
* **Downloads** of a file's bytes (``received_extends``): the headers must come within the deadline,
  and every byte received extends it by 1 ÷ ``min_bytes_per_second`` s, so a large file may take as
  long as it needs at no less than that average rate, while a trickle (one byte every few seconds)
  ends soon after the deadline. A transfer that stalls after a fast start ends at httpx's read timeout
  (the inactivity limit, ``timeout_seconds``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import anyio
import httpx


class RequestDeadlineExceeded(httpx.ReadTimeout):
    """No complete answer within the exchange's deadline; ``seconds`` is that deadline."""

    def __init__(self, message: str, *, request: httpx.Request, seconds: float) -> None:
        super().__init__(message, request=request)
        self.seconds = seconds


@dataclass(frozen=True, slots=True)
class Deadline:
    """How long one exchange may take: ``seconds``, plus 1 s per ``min_bytes_per_second`` of the request body
    and, with ``received_extends``, of the answer received so far."""

    seconds: float
    min_bytes_per_second: float
    received_extends: bool = False


class _Clock:
    """One exchange's deadline as it moves (bytes sent and received extend it under the rule)."""

    def __init__(self, rule: Deadline, request: httpx.Request, now: Callable[[], float]) -> None:
        self.rule, self.request, self._now = rule, request, now
        sent = request.headers.get("content-length", "")
        self.allowed = rule.seconds + (int(sent) / rule.min_bytes_per_second if sent.isdigit() else 0.0)
        self.ends = now() + self.allowed

    def remaining(self) -> float:
        return max(0.0, self.ends - self._now())

    def received(self, size: int) -> None:
        if self.rule.received_extends:
            self.ends += size / self.rule.min_bytes_per_second

    def exceeded(self, what: str) -> RequestDeadlineExceeded:
        return RequestDeadlineExceeded(f"{what} within {self.rule.seconds:g} s (the request deadline)",
                                       request=self.request, seconds=self.rule.seconds)


class _DeadlineStream(httpx.AsyncByteStream):
    """An answer's body, each read bounded by what is left of its exchange's deadline."""

    def __init__(self, inner: httpx.AsyncByteStream, clock: _Clock) -> None:
        self._inner, self._clock = inner, clock

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = self._inner.__aiter__()
        while True:
            try:
                with anyio.fail_after(self._clock.remaining()):
                    chunk = await chunks.__anext__()
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise self._clock.exceeded("the answer's body did not arrive") from None
            self._clock.received(len(chunk))
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class DeadlineTransport(httpx.AsyncBaseTransport):
    """``inner`` with every exchange — connect, send, headers, body — bounded by ``rule``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, rule: Deadline,
                 now: Callable[[], float] = time.monotonic) -> None:
        self._inner, self._rule, self._now = inner, rule, now

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        clock = _Clock(self._rule, request, self._now)
        try:
            with anyio.fail_after(clock.remaining()):
                response = await self._inner.handle_async_request(request)
        except TimeoutError:
            raise clock.exceeded("no answer") from None
        if isinstance(response.stream, httpx.AsyncByteStream):
            response.stream = _DeadlineStream(response.stream, clock)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def bound_exchanges(client: httpx.AsyncClient, rule: Deadline) -> httpx.AsyncClient:
    """Put every transport of ``client`` — its own and any mounted one (a proxy from the environment) —
    under ``rule``; the client is returned. This is how msgraph-core installs its middleware pipeline
    (``GraphClientFactory._load_middleware_to_client``): httpx has no public hook around a transport."""
    client._transport = DeadlineTransport(client._transport, rule)
    client._mounts = {pattern: None if transport is None else DeadlineTransport(transport, rule)
                      for pattern, transport in client._mounts.items()}
    return client
