"""``/security/triggers/retentionEvents`` over real HTTP (facts §4.4)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.tenant import Tenant

URL = "/security/triggers/retentionEvents"
EVENT_TYPE = "https://graph.microsoft.com/v1.0/security/triggerTypes/retentionEventTypes/8a2b-contract"


@pytest.fixture
def client(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        yield http


def _event(**changes: Any) -> dict[str, Any]:
    event = {
        "@odata.type": "#microsoft.graph.security.retentionEvent",
        "displayName": "Contract 4815 expired",
        "eventQueries": [{"queryType": "files", "query": "ComplianceAssetID:4815"}],
        "eventTriggerDateTime": "2026-09-04T00:00:00Z",
        "retentionEventType@odata.bind": EVENT_TYPE,
    }
    event.update(changes)
    return {k: v for k, v in event.items() if v is not None}


def test_create_stores_the_event_and_answers_201(client: httpx.Client, tenant: Tenant) -> None:
    response = client.post(URL, json=_event())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["eventStatus"] == {"error": None, "status": "pending"}
    assert body["eventQueries"] == [{"queryType": "files", "query": "ComplianceAssetID:4815"}]
    stored = tenant.retention_events[0]
    assert stored.id == body["id"] and stored.event_type_id == "8a2b-contract"
    assert stored.trigger_at == datetime(2026, 9, 4, tzinfo=UTC)


def test_singular_event_query_and_parenthesised_bind_are_accepted(client: httpx.Client, tenant: Tenant) -> None:
    single = _event(eventQueries=None, eventQuery={"queryType": "files", "query": "ComplianceAssetID:7"},
                    **{"retentionEventType@odata.bind": "…/security/triggerTypes/retentionEventTypes('abc')"})
    assert client.post(URL, json=single).status_code == 201
    assert tenant.retention_events[0].queries == (("files", "ComplianceAssetID:7"),)
    assert tenant.retention_events[0].event_type_id == "abc"


@pytest.mark.parametrize("changes", [
    {"displayName": None},
    {"eventQueries": []},
    {"eventQueries": [{"queryType": "sites", "query": "x"}]},
    {"retentionEventType@odata.bind": None},
    {"eventTriggerDateTime": "next week"},
])
def test_invalid_events_are_400_and_not_stored(client: httpx.Client, tenant: Tenant, changes: dict) -> None:
    assert client.post(URL, json=_event(**changes)).status_code == 400
    assert tenant.retention_events == []


def test_permissions(client: httpx.Client, tenant: Tenant) -> None:
    tenant.access.permissions = {"RecordsManagement.Read.All"}
    denied = client.post(URL, json=_event())
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "Authorization_RequestDenied"
    assert client.get(URL).status_code == 200
    tenant.access.permissions = set()
    assert client.get(URL).status_code == 403


def test_status_turns_success_once_the_clock_moves(client: httpx.Client, tenant: Tenant) -> None:
    client.post(URL, json=_event()).raise_for_status()
    assert client.get(URL).json()["value"][0]["eventStatus"]["status"] == "pending"
    tenant.advance_clock(hours=1)
    assert client.get(URL).json()["value"][0]["eventStatus"]["status"] == "success"
