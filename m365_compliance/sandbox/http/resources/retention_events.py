"""Event-based retention triggers: ``/security/triggers/retentionEvents`` (facts §4.4; Graph docs
``security-retentionevent-post``, ``security-retentionevent-list``, ``resources/security-retentionevent``,
``resources/security-eventqueries``).

Create needs RecordsManagement.ReadWrite.All (application permission supported); list also accepts
RecordsManagement.Read.All. The docs name the query property both ``eventQueries`` (resource page) and
``eventQuery`` (create page); which one the service accepts is unverified, so both are accepted.
``retentionEventType@odata.bind`` may be ``…/retentionEventTypes/{id}`` or ``…/retentionEventTypes('{id}')``.
Propagation is simulated: ``eventStatus.status`` is ``pending`` until the tenant clock moves past the
creation time, then ``success``. Not SharePoint traffic: charged 1 RU in the sandbox meter.
"""

from __future__ import annotations

import re
from typing import Any

from m365_compliance.sandbox.http import access
from m365_compliance.sandbox.http.paging import collection
from m365_compliance.sandbox.http.routing import (
    ROUTES,
    GraphRequest,
    GraphResponse,
    iso,
    ok,
    parse_iso,
)
from m365_compliance.sandbox.model import RetentionEvent
from m365_compliance.sandbox.tenant import APP_ID, SandboxError, Tenant

READ_EVENTS = ("RecordsManagement.Read.All", *access.RETENTION_EVENTS)
QUERY_TYPES = ("files", "messages")
_EVENT_TYPE_BIND = re.compile(r"retentionEventTypes(?:/|\(')(?P<id>[^/')]+)'?\)?/?$")
_PATH = r"/security/triggers/retentionEvents"


def _bad(message: str) -> SandboxError:
    return SandboxError(400, "BadRequest", message)


def _queries(body: dict[str, Any]) -> list[tuple[str, str]]:
    raw = body.get("eventQueries", body.get("eventQuery"))
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise _bad("eventQueries must be a non-empty array of {queryType, query}.")
    queries: list[tuple[str, str]] = []
    for entry in raw:
        if not isinstance(entry, dict) or entry.get("queryType") not in QUERY_TYPES:
            raise _bad(f"Each event query needs a queryType of {' or '.join(QUERY_TYPES)}.")
        query = entry.get("query")
        if not isinstance(query, str) or not query.strip():
            raise _bad("Each event query needs a non-empty query, e.g. 'ComplianceAssetID:4815'.")
        queries.append((entry["queryType"], query))
    return queries


def event_json(tenant: Tenant, event: RetentionEvent) -> dict[str, Any]:
    propagated = tenant.now > event.created
    return {
        "@odata.type": "#microsoft.graph.security.retentionEvent",
        "id": event.id,
        "displayName": event.display_name,
        "description": event.description,
        "eventQueries": [{"queryType": kind, "query": query} for kind, query in event.queries],
        "eventTriggerDateTime": iso(event.trigger_at),
        "createdDateTime": iso(event.created),
        "lastModifiedDateTime": iso(event.created),
        "lastStatusUpdateDateTime": iso(tenant.now if propagated else event.created),
        "eventStatus": {"error": None, "status": "success" if propagated else "pending"},
        "eventPropagationResults": [],
        "createdBy": {"application": {"id": APP_ID}},
    }


@ROUTES.add("POST", _PATH, name="POST /security/triggers/retentionEvents", cost=1)
def create_event(request: GraphRequest) -> GraphResponse:
    access.require(request, *access.RETENTION_EVENTS)
    body = request.json()
    if not isinstance(body, dict):
        raise _bad("The request body must be a retentionEvent object.")
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise _bad("displayName is required.")
    queries = _queries(body)
    bind = body.get("retentionEventType@odata.bind")
    found = _EVENT_TYPE_BIND.search(bind) if isinstance(bind, str) else None
    if found is None:
        raise _bad("retentionEventType@odata.bind must reference …/security/triggerTypes/retentionEventTypes/{id}.")
    trigger = body.get("eventTriggerDateTime")
    if trigger is not None and not isinstance(trigger, str):
        raise _bad("eventTriggerDateTime must be an ISO-8601 date and time.")
    event = request.tenant.add_retention_event(
        name, queries, parse_iso(trigger) if trigger is not None else request.tenant.now,
        event_type_id=found["id"], description=str(body.get("description") or ""))
    payload = {"@odata.context": f"{request.base_url}/$metadata#security/triggers/retentionEvents/$entity",
               **event_json(request.tenant, event)}
    return ok(payload, status=201)


@ROUTES.add("GET", _PATH, name="GET /security/triggers/retentionEvents", cost=1)
def list_events(request: GraphRequest) -> GraphResponse:
    access.require(request, *READ_EVENTS)
    tenant = request.tenant
    return collection(request, tenant.retention_events, lambda e: event_json(tenant, e),
                      context="security/triggers/retentionEvents")
