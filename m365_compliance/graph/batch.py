"""Per-item reads of many items per round trip: Graph JSON ``$batch``, built by hand (facts §6).

Two reads go this way, both ``GET /drives/{d}/items/{i}/<segment>``: an item's permissions and its
retention label. What differs between them is a :class:`_Read` (segment, call, how an answer is
read); chunking, costing and the per-item retries are shared.

Not msgraph_core's BatchRequestContent: it serialises ``depends_on`` instead of ``dependsOn``, needs
the undeclared ``Deprecated`` package and is off by one at 20 items (facts §6.2). Our requests are
independent GETs, so the JSON is three keys per item.

Throttling inside a batch is per item (facts §6.1): the envelope answers 200 and single items 429/503
with their own ``Retry-After``. Those items are re-sent together after the longest Retry-After,
within the same retry and wait budgets as any call. The envelope itself goes through RetryPolicy.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from kiota_abstractions.method import Method
from kiota_abstractions.request_adapter import RequestAdapter
from kiota_abstractions.request_information import RequestInformation

from m365_compliance.graph import calls
from m365_compliance.graph.calls import Call
from m365_compliance.graph.client import send_for_bytes
from m365_compliance.graph.errors import AuthenticationError, GraphError, error_from_response
from m365_compliance.graph.headers import retry_after_seconds
from m365_compliance.graph.answers import Answers, malformed
from m365_compliance.graph.json_records import permission_from_json, retention_label_from_json
from m365_compliance.graph.pacing import Pacer, Sleep
from m365_compliance.graph.retry import NOT_PROCESSED, RetryPolicy
from m365_compliance.graph.stats import GatewayStats
from m365_compliance.model import Permission, RetentionLabelInfo

MAX_BATCH = 20  # Graph's limit per envelope (facts §6.1)
DEFAULT_ITEM_DELAY = 1.0  # seconds, when a throttled item carries no Retry-After

T = TypeVar("T")
Answer = list[Permission] | GraphError
LabelAnswer = RetentionLabelInfo | None | GraphError
Fallback = Callable[[str], Awaitable[list[Permission]]]


@dataclass(frozen=True, slots=True)
class _ItemResponse:
    status: int
    headers: Mapping[str, str]
    body: Any


@dataclass(frozen=True, slots=True)
class _Read(Generic[T]):
    """One kind of per-item GET: ``/drives/{d}/items/{i}/{segment}``."""

    segment: str
    call: Call  # charged per item like a direct call; names the call in errors
    read: Callable[[str, Any], Awaitable[T | GraphError]]  # (item id, body of a 2xx answer) → answer
    on_404: Callable[[_ItemResponse], T] | None = None  # what a 404 means, when it is not an error


async def _label(item_id: str, body: Any) -> RetentionLabelInfo | None | GraphError:
    """No body or ``{}`` is "no label"; a body that is not an object is malformed, not "no label"."""
    if body is None or body == "":
        return None
    if not isinstance(body, dict):
        return malformed(calls.GET_LABEL, f"a retention label that is not a JSON object ({type(body).__name__})")
    try:
        return retention_label_from_json(body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return malformed(calls.GET_LABEL, f"a malformed retention label ({type(exc).__name__})")


#: 404 is "no label": the sandbox's answer for an unlabelled item (Graph's is undocumented, facts
#: §4.1); it is also what an item deleted meanwhile answers, which the planner must re-read anyway.
_LABELS: _Read[RetentionLabelInfo | None] = _Read("retentionLabel", calls.GET_LABEL, _label,
                                                  on_404=lambda answer: None)


class ItemBatcher:
    def __init__(self, adapter: RequestAdapter, retry: RetryPolicy, pacer: Pacer, stats: GatewayStats,
                 answers: Answers, *, sleep: Sleep, max_rounds: int, max_wait_seconds: float) -> None:
        self._adapter = adapter
        self._answers = answers
        self._retry = retry
        self._pacer = pacer
        self._stats = stats
        self._sleep = sleep
        self._max_rounds = max_rounds
        self._max_wait = max_wait_seconds

    async def get_permissions(self, drive_id: str, item_ids: Sequence[str], site_id: str | None,
                              fallback: Fallback) -> dict[str, Answer]:
        """``fallback(item_id)`` reads one item directly when its batch answer is itself paged."""

        async def read(item_id: str, body: Any) -> Answer:
            return await _permissions(item_id, body, site_id, fallback, self._answers)

        return await self._get(drive_id, item_ids, _Read("permissions", calls.LIST_PERMISSIONS, read))

    async def get_labels(self, drive_id: str, item_ids: Sequence[str]) -> dict[str, LabelAnswer]:
        """Each item's label; None for no label (200 with an empty body or ``{}``, or 404)."""
        return await self._get(drive_id, item_ids, _LABELS)

    async def _get(self, drive_id: str, item_ids: Sequence[str], kind: _Read[T]) -> dict[str, T | GraphError]:
        results: dict[str, T | GraphError] = {}
        unique = list(dict.fromkeys(item_ids))
        for start in range(0, len(unique), MAX_BATCH):
            await self._chunk(drive_id, unique[start:start + MAX_BATCH], kind, results)
        return results

    async def _chunk(self, drive_id: str, pending: list[str], kind: _Read[T],
                     results: dict[str, T | GraphError]) -> None:
        waited = 0.0
        rounds = 0
        while pending:
            try:
                answers = await self._send(drive_id, pending, kind)
            except AuthenticationError:
                raise  # every item would fail the same way: stop the run, not 20 000 gaps
            except GraphError as exc:
                results.update((item_id, exc) for item_id in pending)
                return
            throttled: dict[str, _ItemResponse] = {}
            for item_id in pending:
                answer = answers.get(item_id)
                if answer is None:
                    results[item_id] = malformed(kind.call, "a $batch envelope without a readable response for "
                                                            "this item (each needs its id and an integer status)")
                elif 200 <= answer.status < 300:
                    results[item_id] = await kind.read(item_id, answer.body)
                elif answer.status == 404 and kind.on_404 is not None:
                    results[item_id] = kind.on_404(answer)
                elif answer.status in NOT_PROCESSED:
                    throttled[item_id] = answer
                else:
                    results[item_id] = _item_error(kind.call, answer, retries=0)
            self._stats.throttled += sum(1 for a in throttled.values() if a.status == 429)
            self._stats.unavailable += sum(1 for a in throttled.values() if a.status == 503)
            if not throttled:
                return
            delay = max(retry_after_seconds(_header(a.headers, "retry-after")) or DEFAULT_ITEM_DELAY
                        for a in throttled.values())
            if rounds >= self._max_rounds or waited + delay > self._max_wait:
                capped = rounds < self._max_rounds
                results.update((i, _item_error(kind.call, a, retries=rounds, wait_capped=capped))
                               for i, a in throttled.items())
                return
            rounds += 1
            waited += delay
            self._stats.retries += len(throttled)
            self._stats.retry_wait_seconds += delay
            self._pacer.pause(delay)
            await self._sleep(delay)
            pending = list(throttled)

    async def _send(self, drive_id: str, item_ids: list[str], kind: _Read[Any]) -> dict[str, _ItemResponse]:
        requests = [{"id": str(n), "method": "GET",
                     "url": f"/drives/{quote(drive_id, safe='!')}/items/{quote(item_id, safe='!')}/{kind.segment}"}
                    for n, item_id in enumerate(item_ids, start=1)]
        payload = json.dumps({"requests": requests}).encode()

        async def post() -> bytes | None:
            info = RequestInformation(Method.POST, "{+baseurl}/$batch")
            info.headers.try_add("Accept", "application/json")
            info.set_stream_content(payload, "application/json")
            return await send_for_bytes(self._adapter, info)

        # Each item is charged like a direct call of its kind (facts §6.1, §7.1).
        envelope = replace(calls.BATCH, cost=kind.call.cost * len(item_ids))
        raw = await self._retry.run(envelope, post)
        # Not JSON (an HTML page, a cut-off body): a GraphError for every item of the envelope.
        document = self._answers.object(raw, envelope) or {}
        responses = document.get("responses")
        by_number = {str(n): item_id for n, item_id in enumerate(item_ids, start=1)}
        answers: dict[str, _ItemResponse] = {}
        for response in responses if isinstance(responses, list) else ():
            item_id = by_number.get(str(response.get("id"))) if isinstance(response, dict) else None
            status = response.get("status") if item_id is not None else None
            if isinstance(status, int):  # anything else stays "no response for this item"
                headers = response.get("headers")
                answers[item_id] = _ItemResponse(status, headers if isinstance(headers, dict) else {},
                                                 response.get("body"))
        return answers


async def _permissions(item_id: str, body: Any, site_id: str | None, fallback: Fallback,
                       answers: Answers) -> Answer:
    """An item's permission list from its ``$batch`` body; unreadable is "not evaluated", never "none"."""
    try:
        if not isinstance(body, dict):
            raise malformed(calls.LIST_PERMISSIONS, "a permission list that is not a JSON object")
        if body.get("@odata.nextLink"):
            return await fallback(item_id)
        return answers.records(body, lambda p: permission_from_json(p, site_id), calls.LIST_PERMISSIONS)
    except GraphError as exc:
        return exc


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def _item_error(call: Call, answer: _ItemResponse, *, retries: int, wait_capped: bool = False) -> GraphError:
    error = answer.body.get("error", {}) if isinstance(answer.body, dict) else {}
    error = error if isinstance(error, dict) else {}
    inner = error.get("innerError") or error.get("innererror")
    inner_code = inner.get("code") if isinstance(inner, dict) else None
    return error_from_response(call, answer.status, _text(error.get("code")), _text(error.get("message")),
                               answer.headers, retries=retries, wait_capped=wait_capped, inner_code=_text(inner_code))


def _text(value: object) -> str | None:
    return str(value) if value is not None else None
