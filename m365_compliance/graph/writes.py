"""What the gateway changes: labels, deletions, permissions, retention events, mail, uploads.

Every write is built by msgraph-sdk and sent through the shared request path; where Graph answers
with a body, it is read through the same guard as every read (:mod:`.answers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.item_retention_label import ItemRetentionLabel
from msgraph.generated.models.message import Message
from msgraph.generated.models.recipient import Recipient
from msgraph.generated.models.security.event_query import EventQuery
from msgraph.generated.models.security.query_type import QueryType
from msgraph.generated.models.security.retention_event import RetentionEvent
from msgraph.generated.users.item.send_mail.send_mail_post_request_body import SendMailPostRequestBody

from m365_compliance.graph import calls
from m365_compliance.graph.answers import required_id
from m365_compliance.graph.errors import GraphError
from m365_compliance.graph.json_records import drive_item_from_json, retention_label_from_json
from m365_compliance.graph.session import GraphSession, request_config
from m365_compliance.model import DriveItem, RetentionLabelInfo

MAX_SIMPLE_UPLOAD = 250 * 1024 * 1024  # driveitem-put-content.md


class Writes(GraphSession):
    async def set_retention_label(self, drive_id: str, item_id: str, name: str) -> RetentionLabelInfo:
        label = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id).retention_label
        answer = await self._send_json(calls.SET_LABEL,
                                       lambda: label.to_patch_request_information(ItemRetentionLabel(name=name)))
        applied = retention_label_from_json(answer) if answer else None
        return applied or RetentionLabelInfo(name=name)

    async def delete_item(self, drive_id: str, item_id: str, *, if_match: str | None,
                          permanent: bool = False) -> None:
        """Delete to the recycle bin (or permanently); ``if_match`` guards against changes (facts §5)."""
        item = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id)
        cfg = request_config(if_match=if_match)
        if permanent:
            await self._send_json(calls.PERMANENT_DELETE, lambda: item.permanent_delete.to_post_request_information(cfg))
        else:
            await self._send_json(calls.DELETE_ITEM, lambda: item.to_delete_request_information(cfg))

    async def delete_permission(self, drive_id: str, item_id: str, permission_id: str, *,
                                if_match: str | None = None) -> None:
        perm = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id).permissions \
            .by_permission_id(permission_id)
        await self._send_json(calls.DELETE_PERMISSION,
                              lambda: perm.to_delete_request_information(request_config(if_match=if_match)))

    async def fire_retention_event(self, *, event_type_id: str, display_name: str, asset_ids: Sequence[str],
                                   trigger_at: datetime, description: str = "") -> str:
        """Start event-based retention for the documents with these Asset IDs (facts §4.4); the event id."""
        event = RetentionEvent(
            odata_type="#microsoft.graph.security.retentionEvent", display_name=display_name,
            description=description or None, event_trigger_date_time=trigger_at,
            event_queries=[EventQuery(query_type=QueryType.Files, query=asset_query(a)) for a in asset_ids])
        event.additional_data["retentionEventType@odata.bind"] = (
            f"{self.settings.graph_url}/security/triggerTypes/retentionEventTypes/{event_type_id}")
        events = self._graph.security.triggers.retention_events
        created = await self._send_json(calls.FIRE_EVENT, lambda: events.to_post_request_information(event))
        return self._answers.one(created, required_id, calls.FIRE_EVENT)

    async def send_mail(self, from_user: str, subject: str, html: str, to: Sequence[str]) -> None:
        """Send an HTML mail from ``from_user``'s mailbox (id or UPN); Graph answers 202 without a body.

        Not kept in Sent Items: the alert is journaled by the tool, a second copy in a mailbox adds nothing.
        """
        body = SendMailPostRequestBody(
            message=Message(subject=subject, body=ItemBody(content_type=BodyType.Html, content=html),
                            to_recipients=[Recipient(email_address=EmailAddress(address=a)) for a in to]),
            save_to_sent_items=False)
        send_mail = self._graph.users.by_user_id(from_user).send_mail
        await self._send_json(calls.SEND_MAIL, lambda: send_mail.to_post_request_information(body))

    async def upload_small(self, drive_id: str, parent_id: str, name: str, data: bytes) -> DriveItem:
        """``PUT /drives/{d}/items/{parent-id}:/{name}:/content``: a new file, or new bytes for the file of
        that name (``driveitem-put-content.md``; up to 250 MB, larger files need an upload session)."""
        if len(data) > MAX_SIMPLE_UPLOAD:
            raise GraphError(f"{len(data)} bytes is more than a simple upload takes (250 MB).", code="tooLarge",
                             hint="Upload large files with an upload session (createUploadSession).")
        url = f"{self.settings.graph_url}/drives/{quote(drive_id, safe='!')}/items/{quote(parent_id)}:/{quote(name)}:/content"
        content = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(parent_id).content.with_url(url)
        answer = await self._send_json(calls.UPLOAD, lambda: content.to_put_request_information(data))
        return self._answers.one(answer, lambda d: drive_item_from_json(d, drive_id), calls.UPLOAD)


def asset_query(asset_id: str) -> str:
    """``ComplianceAssetID:"<id>"`` (facts §4.4), quoted so the value is one term whatever it holds; a value that
    could end the quotes is refused (the planner only passes ids fitting ``retention.asset_id_pattern``)."""
    if not asset_id or any(c in asset_id for c in '"\\') or not asset_id.isprintable():
        raise ValueError("an asset id must be printable and hold no quote or backslash")
    return f'ComplianceAssetID:"{asset_id}"'
