"""The request deadline (graph/deadline.py) and what the retry policy does when no answer comes (retry.py).

The retry rules are tested with a scripted ``send`` and no real waiting: attempts are counted, not
timed. The transport rules run on a fake inner transport whose body arrives as slowly as a test says
(tenths of a second). The attacks on a real socket are in tests/reliability/test_silent_address.py."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import httpx
import pytest
from kiota_abstractions.api_error import APIError

from m365_compliance.errors import ConfigError
from m365_compliance.graph import calls
from m365_compliance.graph.deadline import Deadline, DeadlineTransport, RequestDeadlineExceeded
from m365_compliance.graph.errors import NotFound, TransportError, Unreachable
from m365_compliance.graph.pacing import Pacer
from m365_compliance.graph.retry import RetryPolicy
from m365_compliance.graph.settings import GatewaySettings
from m365_compliance.graph.stats import GatewayStats

pytestmark = pytest.mark.anyio
URL = "https://graph.example/v1.0"


class Script:
    """``send`` for RetryPolicy: each attempt takes the next outcome (an exception is raised)."""

    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)
        self.sent = 0

    async def __call__(self) -> Any:
        self.sent += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def silent(seconds: float = 120) -> RequestDeadlineExceeded:
    return RequestDeadlineExceeded("no answer", request=httpx.Request("GET", URL), seconds=seconds)


def not_found() -> APIError:
    error = APIError("not found")
    error.response_status_code = 404
    return error


def policy(**overrides: Any) -> tuple[RetryPolicy, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    stats = GatewayStats()
    options: dict[str, Any] = {"max_retries": 6, "max_wait_seconds": 900, "run_wait_budget": 1800,
                               "target": URL, "read_timeout": 100.0, **overrides}
    return RetryPolicy(pacer=Pacer(None, stats=stats, sleep=sleep), stats=stats, sleep=sleep, jitter=lambda: 0.0,
                       **options), slept


async def test_two_silent_attempts_from_an_address_that_never_answered_end_the_run() -> None:
    retry, slept = policy()
    send = Script(silent(), silent())
    with pytest.raises(Unreachable) as caught:
        await retry.run(calls.RESOLVE_SITE, send)
    assert caught.value.message == (f"Could not get an answer from {URL} (no answer within 120 s) to resolve the "
                                    "site: 2 attempts in a row failed.")
    assert "request_deadline_seconds" in (caught.value.hint or "")
    assert send.sent == 2 and slept == [1.0]
    later = Script({"id": "x"})
    with pytest.raises(Unreachable):  # every later call of the run fails at once, without sending
        await retry.run(calls.LIST_LIBRARIES, later)
    assert later.sent == 0


async def test_httpx_read_timeout_counts_as_silence_and_names_the_read_timeout() -> None:
    retry, _ = policy(read_timeout=100.0)
    with pytest.raises(Unreachable, match=r"no answer within 100 s"):
        await retry.run(calls.RESOLVE_SITE, Script(httpx.ReadTimeout("read"), httpx.ReadTimeout("read")))


async def test_silence_counts_across_calls_when_a_call_may_not_be_resent() -> None:
    """A POST is not resent after a lost answer; the next call's silence is still the second in a row."""
    retry, _ = policy()
    with pytest.raises(TransportError):
        await retry.run(calls.FIRE_EVENT, Script(silent()))
    with pytest.raises(Unreachable, match="2 attempts in a row"):
        await retry.run(calls.RESOLVE_SITE, Script(silent()))


async def test_after_any_answer_silence_is_retried_and_the_silent_seconds_spend_the_run_budget(
        caplog: pytest.LogCaptureFixture) -> None:
    """Budget 10 s, deadline 2 s, back-off 1, 2, 4 s: attempt 1 (2 s) + 1 → retry; attempt 2 (4 s) + 1 + 2 → retry;
    attempt 3 (6 s) + 3 + 4 > 10 → a TransportError. The next call: 8 s + 3 + 1 > 10 → no retry at all."""
    retry, slept = policy(max_retries=10, run_wait_budget=10)
    with pytest.raises(NotFound):  # an answer: the address speaks HTTP, so silence later is not "unreachable"
        await retry.run(calls.RESOLVE_SITE, Script(not_found()))
    send = Script(silent(2), silent(2), silent(2), {"id": "never reached"})
    with caplog.at_level(logging.INFO, logger="m365_compliance"):
        with pytest.raises(TransportError) as caught:
            await retry.run(calls.RESOLVE_SITE, send)
    assert not isinstance(caught.value, Unreachable) and "after 2 retries" in str(caught.value)
    assert send.sent == 3 and slept == [1.0, 2.0]
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "no answer within 2 s to resolve the site; retrying (attempt 2) in 1.0s",
        "no answer within 2 s to resolve the site; retrying (attempt 3) in 2.0s"]
    next_call = Script(silent(2), {"id": "never reached"})
    with pytest.raises(TransportError, match="after 0 retries"):
        await retry.run(calls.LIST_LIBRARIES, next_call)
    assert next_call.sent == 1


async def test_silent_seconds_count_against_the_wait_cap_of_one_call() -> None:
    retry, slept = policy(max_retries=10, max_wait_seconds=5)
    await retry.run(calls.RESOLVE_SITE, Script({"id": "site"}))
    send = Script(silent(2), silent(2), {"id": "never reached"})
    with pytest.raises(TransportError):
        await retry.run(calls.RESOLVE_SITE, send)
    assert send.sent == 2 and slept == [1.0]  # 2 + 1 ≤ 5, then 4 + 1 + 2 > 5


async def test_an_answer_between_silences_resets_the_count() -> None:
    retry, _ = policy(max_retries=0)
    with pytest.raises(TransportError):
        await retry.run(calls.RESOLVE_SITE, Script(silent()))
    await retry.run(calls.RESOLVE_SITE, Script({"id": "site"}))
    for _ in range(3):  # answered before: never Unreachable, however many
        with pytest.raises(TransportError):
            await retry.run(calls.RESOLVE_SITE, Script(silent()))


# ---------------------------------------------------------------------------------------------- the transport
class Slow(httpx.AsyncBaseTransport):
    """Headers after ``head`` seconds, then ``chunks`` bodies of ``size`` bytes, one every ``every`` seconds."""

    def __init__(self, *, head: float = 0.0, chunks: int = 0, size: int = 1, every: float = 0.0) -> None:
        self.head, self.chunks, self.size, self.every = head, chunks, size, every
        self.closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await anyio.sleep(self.head)
        return httpx.Response(200, stream=Body(self), request=request)


class Body(httpx.AsyncByteStream):
    def __init__(self, slow: Slow) -> None:
        self.slow = slow

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.slow.chunks):
            await anyio.sleep(self.slow.every)
            yield b"x" * self.slow.size

    async def aclose(self) -> None:
        self.slow.closed = True


async def exchange(inner: Slow, rule: Deadline, send: Callable[[httpx.AsyncClient], Any] | None = None) -> Any:
    async with httpx.AsyncClient(transport=DeadlineTransport(inner, rule)) as client:
        if send is not None:
            return await send(client)
        return await client.get("http://answer.example/")


async def test_no_headers_within_the_deadline() -> None:
    with pytest.raises(RequestDeadlineExceeded) as caught:
        await exchange(Slow(head=5), Deadline(0.2, 1024))
    assert caught.value.seconds == 0.2 and "no answer within 0.2 s" in str(caught.value)


async def test_a_trickled_body_ends_at_the_deadline_and_the_connection_is_closed() -> None:
    inner = Slow(chunks=100, size=1, every=0.05)  # 1 byte per 50 ms: never a read timeout, 5 s in all
    with pytest.raises(RequestDeadlineExceeded, match="the answer's body did not arrive within 0.3 s"):
        await exchange(inner, Deadline(0.3, 1024))
    assert inner.closed


async def test_an_answer_within_the_deadline_is_read_whole() -> None:
    response = await exchange(Slow(chunks=3, size=10, every=0.01), Deadline(5, 1024))
    assert response.status_code == 200 and response.content == b"x" * 30


async def test_an_upload_gets_time_for_its_size() -> None:
    """A request body of 2 KiB at 1 KiB/s adds 2 s to a 0.2 s deadline: a 0.5 s answer passes."""
    inner = Slow(head=0.5)
    async def put(client: httpx.AsyncClient) -> httpx.Response:
        return await client.put("http://answer.example/", content=b"x" * 2048)
    assert (await exchange(inner, Deadline(0.2, 1024), put)).status_code == 200
    with pytest.raises(RequestDeadlineExceeded):
        await exchange(Slow(head=0.5), Deadline(0.2, 1024))  # the same answer to a GET: too late


async def test_a_download_may_take_longer_than_the_deadline_while_bytes_keep_coming() -> None:
    """Each 1 KiB chunk buys 1 s at 1 KiB/s: 10 chunks 0.1 s apart (1 s in all) pass a 0.3 s deadline,
    the same chunks under the fixed rule do not, and 1-byte chunks buy nothing worth having."""
    steady = Slow(chunks=10, size=1024, every=0.1)
    response = await exchange(steady, Deadline(0.3, 1024, received_extends=True))
    assert len(response.content) == 10 * 1024
    with pytest.raises(RequestDeadlineExceeded):
        await exchange(Slow(chunks=10, size=1024, every=0.1), Deadline(0.3, 1024))
    with pytest.raises(RequestDeadlineExceeded):
        await exchange(Slow(chunks=100, size=1, every=0.05), Deadline(0.3, 1024, received_extends=True))


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf")])
def test_the_deadline_must_be_a_positive_number(value: float) -> None:
    with pytest.raises(ConfigError, match="request_deadline_seconds"):
        GatewaySettings(graph_url=URL, request_deadline_seconds=value)


async def test_the_graph_client_and_the_download_client_are_both_bounded() -> None:
    from m365_compliance.graph import GraphGateway

    settings = GatewaySettings(graph_url="http://127.0.0.1:9/v1.0", auth_method="none", request_deadline_seconds=7)
    async with GraphGateway(settings) as gateway:
        graph_transport = gateway._http._transport
        download_transport = gateway._downloads()._transport
    assert isinstance(graph_transport, DeadlineTransport) and graph_transport._rule == Deadline(7, 16 * 1024)
    assert isinstance(download_transport, DeadlineTransport)
    assert download_transport._rule == Deadline(7, 16 * 1024, received_extends=True)
