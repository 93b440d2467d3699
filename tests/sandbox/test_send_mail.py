"""``POST /users/{id | upn}/sendMail`` over real HTTP, and the outbox of the operator window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.model import AppAccess
from m365_compliance.sandbox.tenant import Tenant


@pytest.fixture
def tenant() -> Tenant:
    t = Tenant(access=AppAccess.tenant_wide())  # Graph behaviour, not access: every permission
    t.add_user("Compliance", "compliance@tretoen.no", user_id="00000000-0000-4000-8000-0000000000c1")
    t.add_user("Gjest", "gjest@fabrikam.com", guest=True)
    return t


@pytest.fixture
def client(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        yield http


@pytest.fixture
def operator(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.origin, timeout=10) as http:
        yield http


def _mail(**message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"subject": "Avvik", "body": {"contentType": "HTML", "content": "<p>C1-1</p>"},
                            "toRecipients": [{"emailAddress": {"address": "ledelse@tretoen.no"}}]}
    body.update(message)
    return {"message": {k: v for k, v in body.items() if v is not None}, "saveToSentItems": False}


def _error(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


def test_sent_mail_is_accepted_and_lands_in_the_outbox(client: httpx.Client, operator: httpx.Client,
                                                       tenant: Tenant) -> None:
    response = client.post("/users/compliance@tretoen.no/sendMail", json=_mail())
    assert response.status_code == 202 and response.content == b""
    by_id = client.post("/users/00000000-0000-4000-8000-0000000000c1/sendMail",
                        json={**_mail(subject="To"), "saveToSentItems": "true"})
    assert by_id.status_code == 202

    outbox = operator.get("/_sandbox/mail").json()["value"]
    assert [(m["from"], m["subject"], m["saveToSentItems"]) for m in outbox] == [
        ("compliance@tretoen.no", "Avvik", False), ("compliance@tretoen.no", "To", True)]
    first = outbox[0]
    assert first["contentType"] == "html" and first["content"] == "<p>C1-1</p>"
    assert first["to"] == ["ledelse@tretoen.no"] and first["cc"] == [] and first["sent"] == "2026-11-25T02:00:00Z"
    assert len(tenant.outbox) == 2


def test_without_mail_send_the_answer_is_403_and_nothing_is_sent(client: httpx.Client, tenant: Tenant) -> None:
    tenant.access.permissions.discard("Mail.Send")
    response = client.post("/users/compliance@tretoen.no/sendMail", json=_mail())
    assert response.status_code == 403 and _error(response) == "ErrorAccessDenied"
    assert response.json()["error"]["innerError"]["request-id"]
    assert tenant.outbox == []


@pytest.mark.parametrize(("sender", "code"), [("nobody@tretoen.no", "ErrorInvalidUser"),
                                              ("gjest@fabrikam.com", "MailboxNotEnabledForRESTAPI")])
def test_a_sender_without_a_mailbox_is_404(client: httpx.Client, tenant: Tenant, sender: str, code: str) -> None:
    response = client.post(f"/users/{sender}/sendMail", json=_mail())
    assert response.status_code == 404 and _error(response) == code
    assert tenant.outbox == []


@pytest.mark.parametrize(("payload", "code"), [
    ({"saveToSentItems": False}, "ErrorInvalidRequest"),
    (_mail(toRecipients=[]), "ErrorInvalidRecipients"),
    (_mail(toRecipients=[{"emailAddress": {"address": "not-an-address"}}]), "ErrorInvalidRecipients"),
    (_mail(toRecipients=[{"address": "ledelse@tretoen.no"}]), "ErrorInvalidRecipients"),
    (_mail(body={"contentType": "markdown", "content": "x"}), "ErrorInvalidRequest"),
    (_mail(attachments=[{"name": "a.txt"}]), "ErrorInvalidRequest"),
    ({**_mail(), "saveToSentItems": "maybe"}, "ErrorInvalidRequest"),
])
def test_malformed_messages_are_400(client: httpx.Client, tenant: Tenant, payload: dict[str, Any],
                                    code: str) -> None:
    response = client.post("/users/compliance@tretoen.no/sendMail", json=payload)
    assert response.status_code == 400 and _error(response) == code
    assert tenant.outbox == []


def test_cc_alone_is_a_recipient(client: httpx.Client, tenant: Tenant) -> None:
    payload = _mail(toRecipients=[], ccRecipients=[{"emailAddress": {"address": "salg@tretoen.no"}}])
    assert client.post("/users/compliance@tretoen.no/sendMail", json=payload).status_code == 202
    assert tenant.outbox[0].cc == ("salg@tretoen.no",) and tenant.outbox[0].to == ()


def test_parameter_names_in_any_case(client: httpx.Client, tenant: Tenant) -> None:
    """msgraph-sdk-python sends the action's parameters as ``Message`` and ``SaveToSentItems``."""
    payload = _mail()
    response = client.post("/users/compliance@tretoen.no/sendMail",
                           json={"Message": payload["message"], "SaveToSentItems": False})
    assert response.status_code == 202
    assert tenant.outbox[0].subject == "Avvik" and tenant.outbox[0].save_to_sent_items is False
