"""One action against the tenant as it is now: re-fetch, check the preconditions, write.

Every step first asks whether the tenant already is as the action wants (item gone, label on,
permission removed). That makes each step idempotent, and it is how an action whose apply was
killed mid-write is resumed: the tenant's state decides, not a guess. Then the precondition
(eTag unchanged, folder content unchanged, permission still there, no record or retaining label),
then the write, which repeats the eTag as ``If-Match`` so a change in between is refused by Graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time

from m365_compliance.actions.dry_run import ActionGateway
from m365_compliance.actions.outcomes import Outcome, already, done, skipped
from m365_compliance.actions.plan_model import (
    DELETE,
    FIRE_EVENT,
    LABEL_KINDS,
    REMOVE_PERMISSION,
    Action,
)
from m365_compliance.graph.batch import MAX_BATCH
from m365_compliance.graph.errors import (
    GraphError,
    NotFound,
    PreconditionFailed,
    RetentionBlocked,
)
from m365_compliance.model import Permission, permission_ref

CHANGED = "changed since the plan"


def intent(action: Action, *, permanent: bool = False) -> str:
    """What the write would do, for a dry run's journal."""
    if action.kind == DELETE:
        where = "permanently" if permanent else "to the recycle bin"
        return f"would delete {action.items} item(s) {where}"
    if action.kind in LABEL_KINDS:
        until = f" (keep until {action.keep_until.isoformat()})" if action.keep_until else ""
        return f"would apply the label '{action.label}'{until}"
    if action.kind == REMOVE_PERMISSION:
        return "would remove the permission"
    return f"would fire the retention event '{action.event_type}' for asset {action.asset_id}"


class PermissionReader:
    """Permission lists of the items that have removals, re-read 20 per ``$batch`` just before use (facts §6)."""

    def __init__(self, graph: ActionGateway, pending: Sequence[Action], key: bytes) -> None:
        self._graph = graph
        self.key = key  # the state store's pseudonym key: plans name permissions by keyed ref
        self._queue = [a for a in pending if a.kind == REMOVE_PERMISSION]
        self._lists: dict[tuple[str, str], list[Permission] | GraphError] = {}

    async def permissions(self, action: Action) -> list[Permission] | GraphError:
        key = (action.drive_id, action.item_id)
        if key not in self._lists:
            ahead = self._queue[self._queue.index(action):] if action in self._queue else [action]
            wanted = list(dict.fromkeys(a.item_id for a in ahead if a.drive_id == action.drive_id and
                                        (a.drive_id, a.item_id) not in self._lists))[:MAX_BATCH]
            answers = await self._graph.batch_get_permissions(action.drive_id, wanted)
            self._lists.update(((action.drive_id, i), v) for i, v in answers.items())
        return self._lists.get(key, NotFound("The item's permissions were not returned.", status=404))


async def run_step(graph: ActionGateway, action: Action, reader: PermissionReader, *, permanent: bool) -> Outcome:
    """``permanent``: skip the recycle bin, as the policy file says now (never as the plan says)."""
    if action.kind in LABEL_KINDS:
        return await apply_label(graph, action)
    if action.kind == DELETE:
        return await delete_item(graph, action, permanent=permanent)
    if action.kind == REMOVE_PERMISSION:
        return await remove_permission(graph, action, reader)
    if action.kind == FIRE_EVENT:
        return await fire_event(graph, action)
    raise AssertionError(f"no step for {action.kind}")


async def apply_label(graph: ActionGateway, action: Action) -> Outcome:
    aid = action.action_id
    assert action.label is not None
    item = await graph.get_item(action.drive_id, action.item_id)
    if item is None:
        return skipped(aid, "gone", "The item no longer exists; there is nothing to label.")
    current = await graph.get_retention_label(action.drive_id, action.item_id)
    if current is not None and current.name == action.label:
        how = "" if current.explicit else " (inherited from its folder)"
        return already(aid, "labelled", f"The item already has the label '{action.label}'{how}.")
    if action.expected_etag is not None and item.etag != action.expected_etag:
        return skipped(aid, "changed_since_plan", f"The item was {CHANGED} (eTag differs); plan again.")
    if current is not None and current.is_record:
        return skipped(aid, "record_label", f"The item is a record ('{current.name}'); a record label is never "
                                            "replaced.")
    if current is not None and current.explicit:
        return skipped(aid, "label_conflict", f"The item has another label ('{current.name}'); labels are not "
                                              "replaced automatically, review it in Purview.")
    if current is not None and current.delete_allowed is False and action.kind == "apply_label":
        return skipped(aid, "label_conflict", f"The item inherits '{current.name}', which keeps it; the applicant "
                                              "label would weaken that, so it is not applied.")
    await graph.set_retention_label(action.drive_id, action.item_id, action.label)
    until = f", keep until {action.keep_until.isoformat()}" if action.keep_until else ""
    return done(aid, "labelled", f"Label '{action.label}' applied{until}.")


async def delete_item(graph: ActionGateway, action: Action, *, permanent: bool) -> Outcome:
    aid = action.action_id
    gone = already(aid, "gone", "The item no longer exists (deleted already).")
    item = await graph.get_item(action.drive_id, action.item_id)
    if item is None:
        return gone
    if item.etag != action.expected_etag:
        return skipped(aid, "changed_since_plan", f"The item was {CHANGED} (eTag differs): not deleted.")
    label = await graph.get_retention_label(action.drive_id, action.item_id)
    if label is not None and label.is_record:
        return skipped(aid, "record_label", f"The item is a record ('{label.name}'): never deleted.")
    if label is not None and label.protects:
        return skipped(aid, "retention_label", f"The retention label '{label.name}' keeps the item: not deleted.")
    if item.is_folder:
        inside = await folder_contents(graph, action.drive_id, action.item_id)
        changed = _content_changes(inside, dict(action.expected_contents))
        if changed:
            return skipped(aid, "changed_since_plan", f"The folder's content was {CHANGED} ({changed}): not deleted.")
        kept = await _protected_inside(graph, action.drive_id, list(inside))
        if kept:
            return skipped(aid, "retention_label", f"Item {kept} in the folder is kept by its retention label (or its "
                                                   "label could not be read): the folder is not deleted.")
        # Adding a file does not change the folder's eTag, so If-Match cannot guard the content: list it once
        # more right before the delete, keeping the window for an unseen upload to one listing (docs/safety.md).
        late = _content_changes(await folder_contents(graph, action.drive_id, action.item_id), inside)
        if late:
            return skipped(aid, "changed_since_plan", f"The folder's content changed while it was checked ({late}): "
                                                      "not deleted.")
    try:
        await graph.delete_item(action.drive_id, action.item_id, if_match=action.expected_etag,
                                permanent=permanent)
    except PreconditionFailed:
        return skipped(aid, "changed_since_plan", f"The item was {CHANGED} (412 on delete): not deleted.")
    except NotFound:
        return gone
    except RetentionBlocked:
        return skipped(aid, "retention_blocked", "A retention label on the item or inside the folder blocks "
                                                 "deletion (403): not deleted.")
    where = "permanently" if permanent else "to the recycle bin"
    return done(aid, "deleted", f"Deleted {action.items} item(s) {where}.")


async def _protected_inside(graph: ActionGateway, drive_id: str, item_ids: list[str]) -> str | None:
    """The first item below a folder whose label keeps it or cannot be read (labels read 20 per ``$batch``)."""
    if not item_ids:
        return None
    answers = await graph.batch_get_labels(drive_id, item_ids)
    for item_id in item_ids:
        answer = answers.get(item_id)
        if isinstance(answer, GraphError) or (answer is not None and answer.protects) or item_id not in answers:
            return item_id
    return None


async def folder_contents(graph: ActionGateway, drive_id: str, folder_id: str) -> dict[str, str | None]:
    """Every item below the folder now, with its eTag."""
    found: dict[str, str | None] = {}
    stack = [folder_id]
    while stack:
        for child in await graph.list_children(drive_id, stack.pop()):
            found[child.id] = child.etag
            if child.is_folder:
                stack.append(child.id)
    return found


def _content_changes(now: Mapping[str, str | None], planned: Mapping[str, str | None]) -> str:
    """What was added or changed below the folder (empty: nothing); removals only make the deletion smaller."""
    added = len(now.keys() - planned.keys())
    changed = sum(1 for i in now.keys() & planned.keys() if now[i] != planned[i])
    parts = [f"{added} new" if added else "", f"{changed} changed" if changed else ""]
    return ", ".join(p for p in parts if p)


async def remove_permission(graph: ActionGateway, action: Action, reader: PermissionReader) -> Outcome:
    aid = action.action_id
    assert action.permission_id is not None
    listed = await reader.permissions(action)
    if isinstance(listed, NotFound):
        return already(aid, "gone", "The item no longer exists, and its permissions with it.")
    if isinstance(listed, GraphError):
        raise listed
    held = next((p for p in listed if permission_ref(p.id, reader.key) == action.permission_id), None)
    if held is None:
        return already(aid, "removed", "The permission is no longer on the item.")
    try:
        await graph.delete_permission(action.drive_id, action.item_id, held.id)
    except NotFound:
        return already(aid, "removed", "The permission is no longer on the item.")
    return done(aid, "removed", "Permission removed.")


def event_description(action: Action) -> str:
    """The description an event is fired with: it names the action, so a resumed apply can find the event."""
    return f"m365-compliance action {action.action_id}"


async def fire_event(graph: ActionGateway, action: Action) -> Outcome:
    assert action.event_type is not None and action.asset_id is not None and action.event_date is not None
    event_id = await graph.fire_retention_event(
        event_type_id=action.event_type, display_name=f"Contract {action.asset_id} ended",
        asset_ids=[action.asset_id], trigger_at=datetime.combine(action.event_date, time(), tzinfo=UTC),
        description=event_description(action))
    return done(action.action_id, "fired", f"Retention event {event_id} fired for asset {action.asset_id} "
                                           f"(ended {action.event_date.isoformat()}).")
