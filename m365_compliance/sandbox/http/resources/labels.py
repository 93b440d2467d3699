"""An item's retention label: get, apply / lock (PATCH), remove (facts §4.1, §4.2, §10.9).

PATCH ``{"name": …}`` answers 201 the first time the item gets a label and 200 afterwards;
``{"retentionSettings": {"isRecordLocked": …}}`` locks or unlocks a record. RU: get 1, write 2 (§7.1).
A record label needs Sites.FullControl.All, or ``fullcontrol`` on the site under Sites.Selected
(``access.RECORD_LABEL``). Choices the facts leave open [UNVERIFIED]: GET on an unlabelled item
answers 404 ``itemNotFound``; an unknown label name answers 400 ``invalidRequest``; locking a
non-record label answers 400.
"""

from __future__ import annotations

from typing import Any

from m365_compliance.sandbox.http.access import RECORD_LABEL, WRITE_FILES, require_site
from m365_compliance.sandbox.http.resources.addressing import ITEM, item_of
from m365_compliance.sandbox.http.routing import (
    ROUTES,
    GraphRequest,
    GraphResponse,
    no_content,
    ok,
)
from m365_compliance.sandbox.http.serialize import retention_label
from m365_compliance.sandbox.model import Item
from m365_compliance.sandbox.tenant import SandboxError, Tenant

LABEL = ITEM + r"/retentionLabel"


@ROUTES.add("GET", LABEL, name="GET /drives/{id}/items/{id}/retentionLabel", cost=1)
def get_label(request: GraphRequest) -> GraphResponse:
    item = item_of(request)
    applied = request.tenant.effective_label(item)
    if applied is None:
        raise SandboxError(404, "itemNotFound", "The item has no retention label.")
    return ok(retention_label(request.tenant, applied))


@ROUTES.add("PATCH", LABEL, name="PATCH /drives/{id}/items/{id}/retentionLabel", cost=2)
def set_label(request: GraphRequest) -> GraphResponse:
    item = item_of(request, WRITE_FILES)
    body = request.json()
    if not isinstance(body, dict):
        raise SandboxError(400, "invalidRequest", "The request body must be an itemRetentionLabel object.")
    tenant = request.tenant
    name = body.get("name")
    locked = (body.get("retentionSettings") or {}).get("isRecordLocked")
    if name is None and locked is None:
        raise SandboxError(400, "invalidRequest", "Send 'name' or 'retentionSettings.isRecordLocked'.")
    first = False
    if name is not None:
        if not isinstance(name, str) or not name:
            raise SandboxError(400, "invalidRequest", "'name' must be a non-empty string.")
        definition = tenant.labels.get(name)
        if definition is not None and definition.is_record:
            require_site(request, tenant.drive(item.drive_id).site_id, RECORD_LABEL)
        first = tenant.set_label(item, name)
    if locked is not None:
        _lock(tenant, item, locked)
    applied = tenant.effective_label(item)
    assert applied is not None
    return ok(retention_label(tenant, applied), status=201 if first else 200)


def _lock(tenant: Tenant, item: Item, locked: Any) -> None:
    """Lock/unlock the item's own record label. Changes no eTag and no delta entry [UNVERIFIED]."""
    if not isinstance(locked, bool):
        raise SandboxError(400, "invalidRequest", "'isRecordLocked' must be true or false.")
    if item.label is None or not tenant.labels[item.label.name].is_record:
        raise SandboxError(400, "invalidRequest", "Only an item labelled as a record can be locked or unlocked.")
    item.label.record_locked = locked


@ROUTES.add("DELETE", LABEL, name="DELETE /drives/{id}/items/{id}/retentionLabel", cost=2)
def remove_label(request: GraphRequest) -> GraphResponse:
    """204; removing a record label is refused to an app (403, facts §4.1 / ``Tenant.remove_label``)."""
    item = item_of(request, WRITE_FILES)
    request.tenant.remove_label(item)
    return no_content()
