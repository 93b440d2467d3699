"""The Teams sink against a local receiver standing in for a Power Automate Workflows webhook."""

from __future__ import annotations

import json
from collections import Counter

import httpx
import pytest
from alerts_world import Demo, alert_of, assert_no_people, batch_of
from receiver import Answer, Receiver, refused_url

from m365_compliance.alerts.model import Alert
from m365_compliance.alerts.teams import TeamsWorkflowSink
from m365_compliance.alerts.teams_card import CARD_TYPE, MAX_BYTES, cards
from m365_compliance.alerts.texts import EN, NB

pytestmark = pytest.mark.anyio
ENV = "TEAMS_WEBHOOK_URL"


class Sleeps:
    def __init__(self) -> None:
        self.waited: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waited.append(seconds)


def sink(url: str, *, sleep: Sleeps | None = None, timeout: httpx.Timeout | None = None) -> TeamsWorkflowSink:
    return TeamsWorkflowSink(ENV, environ={ENV: url + "/workflows/abc/triggers/manual/paths/invoke?sig=SECRET"},
                             sleep=sleep or Sleeps(), **({"timeout": timeout} if timeout else {}))


def some_alerts(demo: Demo) -> list[Alert]:
    c1 = demo.with_paths("C1")
    c2 = demo.with_paths("C2")
    return [alert_of(c1[1], "new", breach=True), alert_of(c2[0], "reminder"), alert_of(c1[0], "fixed"),
            alert_of(c2[1], "expired")]


def card_texts(card: dict) -> list[str]:
    found = []
    for element in card["body"]:
        if element["type"] == "TextBlock":
            found.append(element["text"])
        for inner in element.get("items", ()):
            found.append(inner["text"])
    return found


async def test_one_card_with_counts_lines_and_the_breach_warning(receiver: Receiver, demo: Demo) -> None:
    alerts = some_alerts(demo)
    delivery = await sink(receiver.url).deliver(batch_of(alerts, report_url="https://ci.example/run/42"))

    assert delivery.ok and set(delivery.delivered) == {a.key for a in alerts} and delivery.sink == f"teams:{ENV}"
    [request] = receiver.requests
    assert request.method == "POST" and request.path == "/workflows/abc/triggers/manual/paths/invoke"
    assert request.query == {"sig": "SECRET"} and request.headers["content-type"] == "application/json"
    message = request.json
    assert message["type"] == "message" and len(message["attachments"]) == 1
    attachment = message["attachments"][0]
    assert attachment["contentType"] == CARD_TYPE and attachment["contentUrl"] is None
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    texts = card_texts(card)
    assert texts[0] == f"{NB.title}: 4 varsler"
    assert texts[1] == f"⚠ {NB.breach}" and card["body"][1]["style"] == "attention"
    facts = {f["title"]: f["value"] for f in card["body"][2]["facts"]}
    severities = Counter(NB.severity(a.severity) for a in alerts)
    assert facts == {"Nytt avvik": "1", "Påminnelse": "1", "Rettet": "1", "Unntaket er utløpt": "1",
                     **{label: str(n) for label, n in severities.items()}}
    assert list(facts)[4:] == [s for s in ("Høy", "Middels", "Lav") if s in severities]
    assert [t for t in texts if t in NB.kinds.values()] == ["Nytt avvik", "Påminnelse", "Rettet", "Unntaket er utløpt"]
    breach = alerts[0]
    assert f"[Høy] C1 · {breach.finding_id} · {breach.title} — {NB.breach_short}" in texts
    for alert in alerts:
        assert any(alert.finding_id in t and alert.title in t for t in texts)
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Åpne rapporten", "url": "https://ci.example/run/42"}]
    assert "run-42" in texts[-1] and "2022-07-04" in texts[-1]
    assert_no_people(receiver.bodies(), demo.people(demo.with_paths()))


async def test_english_and_no_breach_warning_without_a_breach_clock(receiver: Receiver, demo: Demo) -> None:
    alerts = [alert_of(f, "new") for f in demo.with_paths("C2")[:3]]
    assert (await sink(receiver.url).deliver(batch_of(alerts, language="en"))).ok
    card = receiver.requests[0].json["attachments"][0]["content"]
    texts = card_texts(card)
    assert texts[0] == f"{EN.title}: 3 alerts" and "New finding" in texts
    assert not any("72-hour" in t or "GDPR" in t for t in texts) and all(e.get("style") != "attention" for e in card["body"])
    assert "actions" not in card


async def test_a_large_batch_is_split_into_cards_under_the_limits(receiver: Receiver, demo: Demo) -> None:
    alerts = [alert_of(f, "new", breach=f.control == "C1") for f in demo.findings]  # every demo finding
    delivery = await sink(receiver.url).deliver(batch_of(alerts))

    assert delivery.ok and sorted(delivery.delivered) == sorted(a.key for a in alerts)
    assert len(receiver.requests) >= 4
    listed: list[str] = []
    for n, request in enumerate(receiver.requests, start=1):
        assert len(request.body) <= MAX_BYTES
        card = request.json["attachments"][0]["content"]
        texts = card_texts(card)
        assert texts[0] == f"{NB.title}: {len(alerts)} varsler (del {n} av {len(receiver.requests)})"
        lines = [t for t in texts if t.startswith("[")]
        assert 0 < len(lines) <= 25
        listed.extend(lines)
        has_breach = any(NB.breach_short in t for t in lines)
        assert (f"⚠ {NB.breach}" in texts) is has_breach
    assert len(listed) == len(alerts) and len(set(listed)) == len(alerts)
    assert_no_people(receiver.bodies(), demo.people(demo.with_paths()))


async def test_a_byte_limit_splits_before_the_count_limit(demo: Demo) -> None:
    alerts = [alert_of(f) for f in demo.findings[:20]]
    split = cards(batch_of(alerts), NB, max_bytes=2_000)
    assert len(split) > 1 and sorted(a.key for c in split for a in c.alerts) == sorted(a.key for a in alerts)
    assert all(len(json.dumps(c.payload, ensure_ascii=False, separators=(",", ":")).encode()) <= 2_000 for c in split)


@pytest.mark.parametrize("answer", [Answer(500, {"error": {"code": "InternalServerError", "message": "x"}}),
                                    Answer(400, {"error": {"code": "TriggerInputSchemaMismatch", "message": "x"}}),
                                    Answer(404, "")])
async def test_an_error_answer_fails_every_alert(receiver: Receiver, demo: Demo, answer: Answer) -> None:
    receiver.default = answer
    alerts = some_alerts(demo)
    delivery = await sink(receiver.url).deliver(batch_of(alerts))
    assert delivery.delivered == () and set(delivery.failed) == {a.key for a in alerts}
    assert delivery.error is not None and f"HTTP {answer.status}" in delivery.error
    if isinstance(answer.body, dict):
        assert answer.body["error"]["code"] in delivery.error
    assert "SECRET" not in delivery.error and "127.0.0.1" not in delivery.error


async def test_a_failing_second_card_keeps_the_first_delivered(receiver: Receiver, demo: Demo) -> None:
    receiver.script = [Answer(202), Answer(502)]
    alerts = [alert_of(f) for f in demo.findings[:60]]
    delivery = await sink(receiver.url).deliver(batch_of(alerts))
    assert len(receiver.requests) == 2  # stops at the failure
    first = {line for line in card_texts(receiver.requests[0].json["attachments"][0]["content"])}
    assert all(any(key.split(":")[0] in line for line in first) for key in delivery.delivered)
    assert len(delivery.delivered) == 25 and len(delivery.failed) == 35
    assert delivery.error == "card 2 of 3: HTTP 502"


async def test_a_timeout_fails(receiver: Receiver, demo: Demo) -> None:
    receiver.default = Answer(202, delay=1.0)
    delivery = await sink(receiver.url, timeout=httpx.Timeout(0.2)).deliver(batch_of(some_alerts(demo)))
    assert len(delivery.failed) == 4 and "no answer in time" in (delivery.error or "")


async def test_a_refused_connection_fails(demo: Demo) -> None:
    delivery = await sink(refused_url()).deliver(batch_of(some_alerts(demo)))
    assert len(delivery.failed) == 4 and "could not connect" in (delivery.error or "")
    assert "SECRET" not in (delivery.error or "")


async def test_a_missing_variable_names_it(demo: Demo) -> None:
    delivery = await TeamsWorkflowSink(ENV, environ={}).deliver(batch_of(some_alerts(demo)))
    assert len(delivery.failed) == 4 and ENV in (delivery.error or "") and not delivery.ok


async def test_plain_http_off_this_machine_is_refused(demo: Demo) -> None:
    delivery = await TeamsWorkflowSink(ENV, environ={ENV: "http://hooks.example/x"}).deliver(batch_of(some_alerts(demo)))
    assert len(delivery.failed) == 4 and "not https" in (delivery.error or "")


async def test_429_is_waited_out_once(receiver: Receiver, demo: Demo) -> None:
    receiver.script = [Answer(429, headers={"Retry-After": "3"})]
    sleeps = Sleeps()
    delivery = await sink(receiver.url, sleep=sleeps).deliver(batch_of(some_alerts(demo)))
    assert delivery.ok and sleeps.waited == [3.0] and len(receiver.requests) == 2
    assert receiver.requests[0].body == receiver.requests[1].body


async def test_429_twice_fails(receiver: Receiver, demo: Demo) -> None:
    receiver.script = [Answer(429, headers={"Retry-After": "1"}), Answer(429, headers={"Retry-After": "1"})]
    sleeps = Sleeps()
    delivery = await sink(receiver.url, sleep=sleeps).deliver(batch_of(some_alerts(demo)))
    assert len(delivery.failed) == 4 and sleeps.waited == [1.0] and "429" in (delivery.error or "")
    assert len(receiver.requests) == 2


async def test_429_with_a_long_retry_after_fails_without_waiting(receiver: Receiver, demo: Demo) -> None:
    receiver.script = [Answer(429, headers={"Retry-After": "3600"})]
    sleeps = Sleeps()
    delivery = await sink(receiver.url, sleep=sleeps).deliver(batch_of(some_alerts(demo)))
    assert len(delivery.failed) == 4 and sleeps.waited == [] and "Retry-After 3600" in (delivery.error or "")


async def test_a_connector_refusal_in_a_200_body_fails(receiver: Receiver, demo: Demo) -> None:
    receiver.default = Answer(200, "Microsoft Teams endpoint returned HTTP error 413 with ContextId abc")
    delivery = await sink(receiver.url).deliver(batch_of(some_alerts(demo)))
    assert len(delivery.failed) == 4 and "HTTP 413" in (delivery.error or "")


async def test_an_empty_batch_sends_nothing(receiver: Receiver) -> None:
    delivery = await sink(receiver.url).deliver(batch_of([]))
    assert delivery.ok and delivery.delivered == () and receiver.requests == []
