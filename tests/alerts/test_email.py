"""The e-mail sink through the real gateway to a real sandbox server: the outbox shows what was sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from html.parser import HTMLParser

import httpx
import pytest
from alerts_world import Demo, alert_of, assert_no_people, batch_of

from m365_compliance.alerts.email import GraphMailSink
from m365_compliance.alerts.model import Alert
from m365_compliance.alerts.texts import EN, NB
from m365_compliance.graph import GraphGateway
from m365_compliance.graph.settings import GatewaySettings
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.model import AppAccess
from m365_compliance.sandbox.tenant import Tenant

pytestmark = pytest.mark.anyio
SENDER = "compliance@tretoen.no"
TO = ("ledelse@tretoen.no", "personvern@tretoen.no")


@pytest.fixture
def tenant() -> Tenant:
    t = Tenant(access=AppAccess.tenant_wide())  # Graph behaviour, not access: every permission
    t.add_user("Compliance", SENDER)
    return t


@pytest.fixture
async def gateway(server: SandboxServer) -> AsyncIterator[GraphGateway]:
    async def no_wait(seconds: float) -> None:
        return None

    async with GraphGateway(GatewaySettings(graph_url=server.base_url, auth_method="none"), sleep=no_wait) as gw:
        yield gw


def outbox(server: SandboxServer) -> list[dict]:
    return httpx.get(f"{server.origin}/_sandbox/mail", timeout=10).json()["value"]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def parsed(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def alerts(demo: Demo) -> list[Alert]:
    c1, c2 = demo.with_paths("C1"), demo.with_paths("C2")
    return [alert_of(c1[1], "new", breach=True), alert_of(c2[0], "reminder"), alert_of(c1[0], "fixed")]


async def test_the_mail_reaches_the_outbox(server: SandboxServer, gateway: GraphGateway, demo: Demo) -> None:
    sent = alerts(demo)
    delivery = await GraphMailSink(SENDER, TO, gateway).deliver(batch_of(sent, report_url="https://ci.example/r/42"))

    assert delivery.ok and delivery.sink == f"email:{SENDER}" and set(delivery.delivered) == {a.key for a in sent}
    [mail] = outbox(server)
    assert mail["from"] == SENDER and mail["to"] == list(TO) and mail["contentType"] == "html"
    assert mail["saveToSentItems"] is False
    assert mail["subject"] == f"⚠ {NB.title}: Nytt avvik 1, Påminnelse 1, Rettet 1"
    page = parsed(mail["content"])
    text = " ".join(page.chunks)
    assert f"⚠ {NB.breach}" in text and "Nytt avvik" in text and "Påminnelse" in text
    for alert in sent:
        assert alert.finding_id in text and alert.title in text and alert.message in text
    assert "run-42" in text and "Åpne rapporten" in text and 'href="https://ci.example/r/42"' in mail["content"]
    assert set(page.tags) <= {"html", "body", "h2", "h3", "p", "table", "tr", "th", "td", "b", "br", "i", "a"}
    assert_no_people(mail["content"] + mail["subject"], demo.people(demo.with_paths()))


async def test_english_without_breach_clock(server: SandboxServer, gateway: GraphGateway, demo: Demo) -> None:
    sent = [alert_of(f, "expired") for f in demo.with_paths("C2")[:2]]
    assert (await GraphMailSink(SENDER, TO, gateway).deliver(batch_of(sent, language="en"))).ok
    [mail] = outbox(server)
    assert mail["subject"] == f"{EN.title}: Exception expired 2"
    assert EN.breach not in mail["content"] and "Exception expired" in mail["content"]


async def test_markup_in_alert_texts_is_escaped(server: SandboxServer, gateway: GraphGateway, demo: Demo) -> None:
    import dataclasses

    hostile = dataclasses.replace(alerts(demo)[1], title="<script>alert(1)</script>", message="a & b <img src=x>")
    assert (await GraphMailSink(SENDER, TO, gateway).deliver(batch_of([hostile]))).ok
    content = outbox(server)[0]["content"]
    assert "<script>" not in content and "<img" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content and "a &amp; b &lt;img src=x&gt;" in content


async def test_without_mail_send_the_delivery_fails_naming_the_permission(
        server: SandboxServer, gateway: GraphGateway, tenant: Tenant, demo: Demo) -> None:
    tenant.access.permissions.discard("Mail.Send")
    sent = alerts(demo)
    delivery = await GraphMailSink(SENDER, TO, gateway).deliver(batch_of(sent))
    assert delivery.delivered == () and set(delivery.failed) == {a.key for a in sent}
    assert delivery.error is not None and delivery.error.startswith("Graph 403 ErrorAccessDenied")
    assert "Mail.Send" in delivery.error and "Sites.Selected" not in delivery.error
    assert outbox(server) == []


async def test_an_unknown_sender_fails(server: SandboxServer, gateway: GraphGateway, demo: Demo) -> None:
    delivery = await GraphMailSink("nobody@tretoen.no", TO, gateway).deliver(batch_of(alerts(demo)))
    assert len(delivery.failed) == 3 and (delivery.error or "").startswith("Graph 404 ErrorInvalidUser")
    assert "nobody@" not in (delivery.error or "")
    assert outbox(server) == []


async def test_without_a_gateway_the_mail_fails_and_waits(demo: Demo) -> None:
    delivery = await GraphMailSink(SENDER, TO, None).deliver(batch_of(alerts(demo)))
    assert len(delivery.failed) == 3 and "no Graph connection" in (delivery.error or "")


async def test_an_empty_batch_sends_nothing(server: SandboxServer, gateway: GraphGateway) -> None:
    delivery = await GraphMailSink(SENDER, TO, gateway).deliver(batch_of([]))
    assert delivery.ok and delivery.delivered == () and outbox(server) == []
