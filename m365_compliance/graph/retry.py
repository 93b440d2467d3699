"""The one owner of retries (tenacity). Kiota's RetryHandler is switched off in ``client.py``.

Why here and not in Kiota (facts §8.3): Kiota skips any retry whose delay would reach 180 s, cannot
read fractional ``Retry-After``, and does not know a call's RU cost or whether it is safe to resend.
Two retry layers would also multiply (3 Kiota tries times N tenacity tries). Rules:

* 429 and 503 mean "not processed": always retried after ``Retry-After`` (or ``RateLimit-Reset`` if
  larger, §7.3), which also pauses every other caller through the pacer.
* 504 and dropped/timed-out connections may have been processed: retried only for idempotent calls.
  A connection that never opened is always safe to retry.
* Without a server delay: exponential back-off with jitter.
* The total wait of one call is capped by ``max_wait_seconds``, and of the whole run (every call of one
  gateway) by ``run_wait_budget``; then :class:`Throttled` (or the last error) says so.
* A connection that cannot be opened at all (refused, unknown host, no route, connect timeout) is
  retried ``connect_retries`` times, quickly; then :class:`Unreachable` names the address, and every
  later call of the run fails at once instead of retrying for minutes.
* No answer in time (httpx's read timeout, or the exchange's deadline, ``deadline.py``): while the
  address has never answered anything in this run, the second such attempt in a row ends the run with
  :class:`Unreachable` ("no answer within N s"), like a refused connection. Once it has answered, a
  silent attempt is a lost answer like any other (retried for idempotent calls), and the seconds it
  waited count against ``max_wait_seconds`` and ``run_wait_budget`` as back-off does; each retry logs a
  warning line, so no wait is silent.
"""

from __future__ import annotations

import errno
import logging
import random
import socket
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError
from kiota_abstractions.api_error import APIError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception

from m365_compliance.graph.calls import Call
from m365_compliance.graph.answers import SHAPE_ERRORS, malformed
from m365_compliance.graph.client import RedirectRefused
from m365_compliance.graph.deadline import RequestDeadlineExceeded
from m365_compliance.graph.errors import GraphError, Unreachable, error_from_exception, error_from_response
from m365_compliance.graph.headers import rate_limit, retry_after_seconds
from m365_compliance.graph.pacing import Pacer, Sleep
from m365_compliance.graph.stats import GatewayStats

log = logging.getLogger(__name__)

T = TypeVar("T")

NOT_PROCESSED = frozenset({429, 503})
MAYBE_PROCESSED = frozenset({504})
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_LOST_ANSWER = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError)
_NO_ANSWER = (httpx.ReadTimeout, httpx.WriteTimeout)  # connected and sent, but no (complete) answer in time
SILENT_LIMIT = 2  # attempts in a row with no answer from an address that never answered: then Unreachable
BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0
CONNECT_BACKOFF = 0.5  # seconds before the first retry of a connection that did not open; doubled after


def status_of(exc: BaseException) -> int | None:
    return exc.response_status_code if isinstance(exc, APIError) else None


def server_delay(exc: BaseException) -> float | None:
    """The wait Graph asked for: the larger of Retry-After and RateLimit-Reset (facts §7.3)."""
    if not isinstance(exc, APIError) or not exc.response_headers:
        return None
    headers = dict(exc.response_headers.items())
    lower = {k.lower(): v for k, v in headers.items()}
    delays = [retry_after_seconds(lower.get("retry-after"))]
    limit = rate_limit(headers)
    if limit is not None and status_of(exc) == 429:
        delays.append(limit.reset_seconds)
    known = [d for d in delays if d is not None]
    return max(known) if known else None


def is_retryable(exc: BaseException, call: Call) -> bool:
    status = status_of(exc)
    if status in NOT_PROCESSED or isinstance(exc, _NEVER_SENT):
        return True
    if status in MAYBE_PROCESSED or isinstance(exc, _LOST_ANSWER):
        return call.idempotent
    return False


class RetryPolicy:
    """Runs one Graph call: pace, send, and resend while Graph or the network says "try again"."""

    def __init__(self, *, max_retries: int, max_wait_seconds: float, pacer: Pacer, stats: GatewayStats,
                 sleep: Sleep, jitter: Callable[[], float] = random.random, run_wait_budget: float = float("inf"),
                 connect_retries: int = 3, target: str = "Graph", read_timeout: float = 100.0) -> None:
        self._max_retries = max_retries
        self._max_wait = max_wait_seconds
        self._pacer = pacer
        self._stats = stats
        self._sleep = sleep
        self._jitter = jitter
        self._run_budget = run_wait_budget
        self._connect_retries = connect_retries
        self._target = target
        self._unreachable: Unreachable | None = None
        self._read_timeout = read_timeout  # what an httpx ReadTimeout/WriteTimeout waited
        self._answered = False  # the address has answered something (anything: an error, a malformed page)
        self._silent = 0  # attempts in a row that got no answer in time
        self._silent_seconds = 0.0  # waited on attempts that got no answer, in this run

    async def run(self, call: Call, send: Callable[[], Awaitable[T]]) -> T:
        """``send()`` once or more; the result, or the mapped :class:`GraphError` (:class:`Unreachable`
        when the address answers nothing)."""
        if self._unreachable is not None:
            raise Unreachable(self._unreachable.message, hint=self._unreachable.hint)
        silent_before = self._silent_seconds
        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda exc: is_retryable(exc, call)),
            wait=self._wait,
            stop=lambda state: self._stop(state, self._silent_seconds - silent_before),
            sleep=self._sleep,
            before_sleep=lambda state: self._before_sleep(call, state),
            reraise=True,
        )
        try:
            return await retrying(self._attempt, call, send)
        except _NEVER_SENT as exc:
            made = retrying.statistics.get("attempt_number", 1)
            self._unreachable = Unreachable(
                f"Could not connect to {self._target} ({_why(exc)}) to {call.name}: {made} attempts failed.")
            raise self._unreachable from exc
        except (APIError, httpx.TransportError, ClientAuthenticationError, ServiceRequestError) as exc:
            if self._never_answered(exc):
                self._unreachable = Unreachable(
                    f"Could not get an answer from {self._target} (no answer within {self._waited(exc):g} s) to "
                    f"{call.name}: {self._silent} attempts in a row failed.", hint=_SILENT_HINT)
                raise self._unreachable from exc
            made = retrying.statistics.get("attempt_number", 1)
            capped = is_retryable(exc, call) and made <= self._max_retries
            raise error_from_exception(exc, call, retries=made - 1, wait_capped=capped) from exc

    async def _attempt(self, call: Call, send: Callable[[], Awaitable[T]]) -> T:
        await self._pacer.acquire(call.cost)
        self._stats.ru += call.cost
        self._stats.calls[call.name] += 1
        try:
            result = await send()
        except _NO_ANSWER as exc:
            self._stats.transport_errors += 1
            self._silent += 1
            self._silent_seconds += self._waited(exc)
            raise
        except httpx.TransportError:
            self._stats.transport_errors += 1
            raise
        except (APIError, GraphError):  # an answer, if not the one hoped for
            self._heard()
            raise
        except RedirectRefused as redirect:
            self._heard()
            raise error_from_response(call, redirect.status, None, None,
                                      {"location": redirect.location or "no location"}) from None
        except SHAPE_ERRORS as exc:  # the SDK could not read an error body (or an answer) it was sent
            self._heard()
            raise malformed(call, f"an answer the SDK could not read ({type(exc).__name__})") from None
        self._heard()
        return result

    def _heard(self) -> None:
        self._answered, self._silent = True, 0

    def _never_answered(self, exc: BaseException) -> bool:
        """``exc`` was the :data:`SILENT_LIMIT`-th attempt in a row without an answer from an address that has
        never answered in this run: nothing there speaks Graph, so the run ends."""
        return isinstance(exc, _NO_ANSWER) and not self._answered and self._silent >= SILENT_LIMIT

    def _waited(self, exc: BaseException) -> float:
        return exc.seconds if isinstance(exc, RequestDeadlineExceeded) else self._read_timeout

    def _wait(self, state: RetryCallState) -> float:
        assert state.outcome is not None
        exc = state.outcome.exception()
        if isinstance(exc, _NEVER_SENT):
            return CONNECT_BACKOFF * 2.0 ** (state.attempt_number - 1)
        delay = server_delay(exc) if exc is not None else None
        if delay is not None:
            return delay
        backoff = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** (state.attempt_number - 1))
        return backoff + self._jitter() * BACKOFF_BASE

    def _stop(self, state: RetryCallState, silent_seconds: float) -> bool:
        """``silent_seconds``: what this call's attempts without an answer waited (a wait like back-off)."""
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, _NEVER_SENT):
            return state.attempt_number > self._connect_retries
        if exc is not None and self._never_answered(exc):
            return True
        return (state.attempt_number > self._max_retries
                or state.idle_for + silent_seconds + state.upcoming_sleep > self._max_wait
                or self._stats.retry_wait_seconds + self._silent_seconds + state.upcoming_sleep > self._run_budget)

    def _before_sleep(self, call: Call, state: RetryCallState) -> None:
        assert state.outcome is not None
        exc = state.outcome.exception()
        status = status_of(exc) if exc is not None else None
        self._stats.retries += 1
        self._stats.retry_wait_seconds += state.upcoming_sleep
        if status in NOT_PROCESSED:
            self._pacer.pause(state.upcoming_sleep)
        if isinstance(exc, _NO_ANSWER):  # a wait the operator would otherwise not see: always said
            log.warning("no answer within %g s to %s; retrying (attempt %d) in %.1fs",
                        self._waited(exc), call.name, state.attempt_number + 1, state.upcoming_sleep)
            return
        log.info("retrying %s (attempt %d) in %.1fs after %s", call.name, state.attempt_number + 1,
                 state.upcoming_sleep, status or type(exc).__name__)


_SILENT_HINT = ("Something at tenant.graph_url accepts connections but does not answer like Graph (a wrong port, "
                "a proxy or a hung server): check the URL (host and port) and the network path to it, then run "
                "again. [graph] request_deadline_seconds is how long one request may take.")


def _why(exc: BaseException) -> str:
    """What kept the connection from opening, in words: the OS error under httpx's (and anyio's) wrapping."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return "host name not found"
        if isinstance(current, ConnectionRefusedError) or getattr(current, "errno", None) == errno.ECONNREFUSED:
            return "connection refused"
        for inner in getattr(current, "exceptions", ()):  # an ExceptionGroup of the addresses tried
            found = _why(inner)
            if found != type(inner).__name__:
                return found
        current = current.__cause__ or current.__context__
    text = str(exc).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename nor servname" in text or "temporary failure in name" in text:
        return "host name not found"
    return "connect timeout" if isinstance(exc, httpx.ConnectTimeout) else type(exc).__name__
