"""GraphGateway: the only class that speaks HTTP (DESIGN principle 1).

Every method returns domain records (``m365_compliance.model``), raises the error tree of
``graph.errors``, and goes through one :class:`RetryPolicy` (pacing + retries). A real tenant, a
national cloud or the sandbox differ only in :class:`GatewaySettings`.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

import httpx
from azure.core.credentials import TokenCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_information import RequestInformation
from kiota_http.middleware.options import HeadersInspectionHandlerOption
from kiota_serialization_json.json_parse_node import JsonParseNode
from msgraph.generated.drives.item.items.item.children.children_request_builder import ChildrenRequestBuilder
from msgraph.generated.drives.item.items.item.delta.delta_request_builder import DeltaRequestBuilder
from msgraph.generated.drives.item.items.item.drive_item_item_request_builder import DriveItemItemRequestBuilder
from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder
from msgraph.generated.groups.item.transitive_members.transitive_members_request_builder import (
    TransitiveMembersRequestBuilder,
)
from msgraph.generated.models.item_retention_label import ItemRetentionLabel
from msgraph.generated.models.security.event_query import EventQuery
from msgraph.generated.models.security.query_type import QueryType
from msgraph.generated.models.security.retention_event import RetentionEvent
from msgraph.generated.sites.item.lists.item.items.items_request_builder import ItemsRequestBuilder
from msgraph.generated.users.users_request_builder import UsersRequestBuilder

from m365_compliance.graph import calls, mapping
from m365_compliance.graph.batch import PermissionBatcher
from m365_compliance.graph.calls import Call
from m365_compliance.graph.client import build_graph_client, build_http_client, send_for_bytes
from m365_compliance.graph.credentials import build_credential
from m365_compliance.graph.errors import GraphError, NotFound
from m365_compliance.graph.json_records import (
    GROUP_TYPE,
    USER_TYPE,
    drive_item_from_json,
    library_from_json,
    permission_from_json,
    principal_from_json,
    site_from_json,
)
from m365_compliance.graph.mapping import DeltaPage
from m365_compliance.graph.pacing import Clock, Pacer, Sleep
from m365_compliance.graph.retry import RetryPolicy
from m365_compliance.graph.settings import GatewaySettings
from m365_compliance.graph.stats import GatewayStats
from m365_compliance.model import DriveItem, Library, Permission, Principal, RetentionLabelInfo, SiteInfo

T = TypeVar("T")

#: Always selected on delta: without `deleted` Graph strips the deleted facet (facts §1.3).
DELTA_SELECT = ("id", "name", "deleted", "shared", "file", "folder", "parentReference", "eTag", "cTag", "root",
                "size", "createdDateTime", "lastModifiedDateTime", "createdBy", "lastModifiedBy")
ITEM_SELECT = DELTA_SELECT
PRINCIPAL_SELECT = ["id", "displayName", "mail", "userPrincipalName", "userType"]
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class _Builder(Protocol):
    """A generated request builder: builds a GET for itself or for an absolute link."""

    def with_url(self, raw_url: str) -> Any: ...

    def to_get_request_information(self, request_configuration: Any = None) -> RequestInformation: ...


class GraphGateway:
    """``async with GraphGateway(settings) as graph: await graph.resolve_site(url)``."""

    def __init__(self, settings: GatewaySettings, *, credential: TokenCredential | None = None,
                 transport: httpx.AsyncBaseTransport | None = None, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        """``transport``/``clock``/``sleep`` exist for tests (in-process ASGI, no real waiting)."""
        self.settings = settings
        self.stats = GatewayStats()
        self._credential = credential or build_credential(settings)
        self._owns_credential = credential is None
        self._pacer = Pacer(settings.ru_per_minute, stats=self.stats, clock=clock, sleep=sleep)
        self._http = build_http_client(settings, stats=self.stats, pacer=self._pacer, transport=transport)
        self._graph = build_graph_client(settings, self._credential, self._http)
        self._retry = RetryPolicy(max_retries=settings.max_retries, max_wait_seconds=settings.max_wait_seconds,
                                  pacer=self._pacer, stats=self.stats, sleep=sleep)
        self._batcher = PermissionBatcher(self._graph.request_adapter, self._retry, self._pacer, self.stats,
                                          sleep=sleep, max_rounds=settings.max_retries,
                                          max_wait_seconds=settings.max_wait_seconds)
        self._drive_sites: dict[str, str] = {}  # drive id → site id, to qualify site-group ids

    async def __aenter__(self) -> GraphGateway:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        close = getattr(self._credential, "close", None)
        if self._owns_credential and callable(close):
            close()

    # ------------------------------------------------------------------ sites and libraries
    async def resolve_site(self, url: str) -> SiteInfo:
        """A site by its URL (``host:/sites/name:`` form, facts §3.1) or by its id."""
        key = _site_key(url)
        try:
            site = await self._get_json(calls.RESOLVE_SITE, self._graph.sites.by_site_id(key), _config())
        except NotFound as exc:
            raise NotFound(f"No SharePoint site at {url}.", status=404, code=exc.code, request_id=exc.request_id,
                           hint="Check the site address (https://<tenant>.sharepoint.com/sites/<name>).") from exc
        return site_from_json(_present(site, calls.RESOLVE_SITE))

    async def list_libraries(self, site_id: str) -> list[Library]:
        drives = self._graph.sites.by_site_id(site_id).drives
        libraries = await self._collect_json(calls.LIST_LIBRARIES, drives, _config(),
                                             lambda d: library_from_json(d, site_id))
        self._drive_sites.update((lib.id, site_id) for lib in libraries)
        return libraries

    async def library_by_name(self, site_id: str, name: str) -> Library:
        """The library titled ``name`` (or whose URL ends in it), case-insensitive."""
        libraries = await self.list_libraries(site_id)
        wanted = name.strip().lower()
        for lib in libraries:
            if wanted in (lib.name.lower(), unquote(lib.web_url.rstrip("/").rsplit("/", 1)[-1]).lower()):
                return lib
        names = ", ".join(sorted(lib.name for lib in libraries)) or "none"
        raise NotFound(f"The site has no library named {name!r}.", status=404, code="itemNotFound",
                       hint=f"Libraries on this site: {names}. Fix the library name in the policy file.")

    # ------------------------------------------------------------------ drive items
    async def delta(self, drive_id: str, *, link: str | None = None, prefer: Sequence[str] = (),
                    select: Sequence[str] = (), top: int | None = None) -> AsyncIterator[DeltaPage]:
        """Pages of the drive's delta feed from ``link`` (a stored deltaLink) or from scratch (facts §8.4).

        A manual loop: PageIterator loses the deltaLink and the Prefer header (facts §8.4). Prefer is
        sent on every page. A 410 raises :class:`ResyncRequired` carrying the ``Location`` link. The SDK
        builds and sends each request; the answer is read as JSON (``json_records``: the hot path).
        Every page of an enumeration started without a token is charged as one (``calls.delta_call``).
        """
        builder = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id("root").delta
        fields = list(dict.fromkeys((*DELTA_SELECT, *select)))
        call = calls.delta_call(link)
        url = link
        while True:
            seen = HeadersInspectionHandlerOption(inspect_request_headers=False, inspect_response_headers=True)

            async def fetch(url: str | None = url, seen: HeadersInspectionHandlerOption = seen) -> Any:
                query = None if url else DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(select=fields,
                                                                                                    top=top)
                cfg = _config(query, prefer=prefer, options=[seen], exclude_parents=True)
                info = (builder.with_url(url) if url else builder).to_get_request_information(cfg)
                raw = await send_for_bytes(self._graph.request_adapter, info)
                return json.loads(raw) if raw else None

            response = _present(await self._run(call, fetch), call)
            applied = ",".join(seen.response_headers.get("preference-applied"))
            page = DeltaPage(items=tuple(drive_item_from_json(i, drive_id) for i in response.get("value") or ()),
                             next_link=response.get("@odata.nextLink"), delta_link=response.get("@odata.deltaLink"),
                             preference_applied=tuple(p.strip() for p in applied.split(",") if p.strip()))
            yield page
            if page.delta_link or not page.next_link:
                return
            url = page.next_link

    async def list_children(self, drive_id: str, item_id: str, *, fields: Sequence[str] = ()) -> list[DriveItem]:
        """Children of a folder, with the named list-item columns in ``DriveItem.fields`` (facts §3.4)."""
        children = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id).children
        expand = [f"listItem($expand=fields($select={','.join(fields)}))"] if fields else None
        query = ChildrenRequestBuilder.ChildrenRequestBuilderGetQueryParameters(select=list(ITEM_SELECT),
                                                                                expand=expand)
        return await self._collect_json(calls.LIST_CHILDREN, children, _config(query),
                                        lambda i: drive_item_from_json(i, drive_id))

    async def get_item(self, drive_id: str, item_id: str) -> DriveItem | None:
        """The item now, or None when it no longer exists (404)."""
        item = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id)
        query = DriveItemItemRequestBuilder.DriveItemItemRequestBuilderGetQueryParameters(select=list(ITEM_SELECT))
        try:
            found = await self._get_json(calls.GET_ITEM, item, _config(query))
        except NotFound:
            return None
        return drive_item_from_json(found, drive_id) if found is not None else None

    async def list_permissions(self, drive_id: str, item_id: str) -> list[Permission]:
        perms = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id).permissions
        site_id = self._drive_sites.get(drive_id)
        return await self._collect_json(calls.LIST_PERMISSIONS, perms, _config(),
                                        lambda p: permission_from_json(p, site_id))

    async def batch_get_permissions(self, drive_id: str,
                                    item_ids: Sequence[str]) -> dict[str, list[Permission] | GraphError]:
        """Permissions of many items through ``$batch`` (20 per envelope); per-item errors as values."""
        return await self._batcher.get_permissions(drive_id, item_ids, self._drive_sites.get(drive_id),
                                                   lambda item_id: self.list_permissions(drive_id, item_id))

    # ------------------------------------------------------------------ directory
    async def transitive_members(self, group_id: str) -> list[Principal]:
        """Everyone in the group, nested groups expanded; users with userType Guest are GUEST (§2.5)."""
        members = self._graph.groups.by_group_id(group_id).transitive_members
        query = TransitiveMembersRequestBuilder.TransitiveMembersRequestBuilderGetQueryParameters(
            select=PRINCIPAL_SELECT)
        found = await self._collect_json(calls.TRANSITIVE_MEMBERS, members, _config(query),
                                         lambda m: principal_from_json(m, USER_TYPE))
        return [p for p in found if p is not None]

    async def find_group(self, id_or_mail: str) -> Principal | None:
        """A group by object id or mail address; None when there is none."""
        if _GUID.match(id_or_mail):
            try:
                group = await self._get_json(calls.FIND_GROUP, self._graph.groups.by_group_id(id_or_mail), _config())
            except NotFound:
                return None
            return principal_from_json(group, GROUP_TYPE) if group is not None else None
        mail = id_or_mail.replace("'", "''")
        query = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(
            filter=f"mail eq '{mail}'", select=["id", "displayName", "mail"])
        found = await self._get_json(calls.FIND_GROUP, self._graph.groups, _config(query))
        groups = (found or {}).get("value") or []
        return principal_from_json(groups[0], GROUP_TYPE) if groups else None

    async def list_users(self) -> list[Principal]:
        users = self._graph.users
        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(select=PRINCIPAL_SELECT)
        found = await self._collect_json(calls.LIST_USERS, users, _config(query),
                                         lambda u: principal_from_json(u, USER_TYPE))
        return [p for p in found if p is not None]

    # ------------------------------------------------------------------ lists
    async def list_items(self, site_id: str, list_name: str, *, fields: Sequence[str]) -> list[dict[str, Any]]:
        """Rows of a SharePoint list as plain dicts (facts §3.3).

        Values are as Graph sends them, except that ISO date/times arrive as aware ``datetime`` and
        GUIDs as ``str``; person columns are ``{LookupId, LookupValue, Email}`` objects or lists of them.
        """
        items = self._graph.sites.by_site_id(site_id).lists.by_list_id(list_name).items
        query = ItemsRequestBuilder.ItemsRequestBuilderGetQueryParameters(
            expand=[f"fields($select={','.join(fields)})" if fields else "fields"])
        return await self._collect_json(calls.LIST_ITEMS, items, _config(query), _list_row)

    # ------------------------------------------------------------------ retention and writes
    async def get_retention_label(self, drive_id: str, item_id: str) -> RetentionLabelInfo | None:
        """The item's label (own or inherited from its folder), or None when it has none.

        Graph's answer for an unlabelled item is undocumented (facts §4.1): 404 and an empty object
        both mean None; a 404 cannot tell a missing item apart, ask :meth:`get_item` for that.
        """
        label = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id).retention_label
        try:
            return mapping.retention_label(await self._run(calls.GET_LABEL, lambda: label.get()))
        except NotFound:
            return None

    async def set_retention_label(self, drive_id: str, item_id: str, name: str) -> RetentionLabelInfo:
        label = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id).retention_label
        answer = await self._run(calls.SET_LABEL, lambda: label.patch(ItemRetentionLabel(name=name)))
        return mapping.retention_label(answer) or RetentionLabelInfo(name=name)

    async def delete_item(self, drive_id: str, item_id: str, *, if_match: str | None,
                          permanent: bool = False) -> None:
        """Delete to the recycle bin (or permanently); ``if_match`` guards against changes (facts §5)."""
        item = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id)
        cfg = _config(if_match=if_match)
        if permanent:
            await self._run(calls.PERMANENT_DELETE, lambda: item.permanent_delete.post(cfg))
        else:
            await self._run(calls.DELETE_ITEM, lambda: item.delete(cfg))

    async def delete_permission(self, drive_id: str, item_id: str, permission_id: str, *,
                                if_match: str | None = None) -> None:
        perm = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id).permissions \
            .by_permission_id(permission_id)
        await self._run(calls.DELETE_PERMISSION, lambda: perm.delete(_config(if_match=if_match)))

    async def fire_retention_event(self, *, event_type_id: str, display_name: str, asset_ids: Sequence[str],
                                   trigger_at: datetime, description: str = "") -> str:
        """Start event-based retention for the documents with these Asset IDs (facts §4.4); the event id."""
        event = RetentionEvent(
            odata_type="#microsoft.graph.security.retentionEvent", display_name=display_name,
            description=description or None, event_trigger_date_time=trigger_at,
            event_queries=[EventQuery(query_type=QueryType.Files, query=f"ComplianceAssetID:{a}") for a in asset_ids])
        event.additional_data["retentionEventType@odata.bind"] = (
            f"{self.settings.graph_url}/security/triggerTypes/retentionEventTypes/{event_type_id}")
        events = self._graph.security.triggers.retention_events
        created = await self._run(calls.FIRE_EVENT, lambda: events.post(event))
        return _present(created, calls.FIRE_EVENT).id or ""

    # ------------------------------------------------------------------ plumbing
    async def _run(self, call: Call, send: Callable[[], Awaitable[T]]) -> T:
        return await self._retry.run(call, send)

    async def _get_json(self, call: Call, builder: _Builder, cfg: RequestConfiguration[Any],
                        link: str | None = None) -> Any:
        """One GET built by the SDK (``link``: an absolute nextLink), its answer as plain JSON."""
        async def fetch() -> Any:
            info = builder.with_url(link).to_get_request_information() if link \
                else builder.to_get_request_information(cfg)
            raw = await send_for_bytes(self._graph.request_adapter, info)
            return json.loads(raw) if raw else None

        return await self._run(call, fetch)

    async def _collect_json(self, call: Call, builder: _Builder, cfg: RequestConfiguration[Any],
                            record: Callable[[Any], T]) -> list[T]:
        """Every value of a paged collection as ``record(json)``, following absolute nextLinks.

        Each page is mapped as it arrives, so only one page of raw JSON is held at a time."""
        values: list[T] = []
        page = await self._get_json(call, builder, cfg)
        while page is not None:
            values.extend(map(record, page.get("value") or ()))
            link = page.get("@odata.nextLink")
            if not link:
                break
            page = await self._get_json(call, builder, cfg, link)
        return values


def _list_row(item: Any) -> dict[str, Any]:
    """A list item's columns, read as JSON (``json_records`` says why) with kiota's own value conversion."""
    fields = {k: v for k, v in (item.get("fields") or {}).items() if k != "id" and not k.startswith("@odata")}
    row = {k: mapping.plain(v) for k, v in JsonParseNode(fields).try_get_anything(fields).items()}
    row.setdefault("id", item.get("id"))
    return row


def _config(query: Any = None, *, prefer: Sequence[str] = (), if_match: str | None = None,
            options: list[Any] | None = None, exclude_parents: bool = False) -> RequestConfiguration[Any]:
    cfg: RequestConfiguration[Any] = RequestConfiguration(query_parameters=query, options=options)
    if exclude_parents:
        # Facts §1.1: changed items without their parent chain. Items are tracked by id, so the
        # chain adds nothing but cost (every ancestor root would be re-read for its permissions).
        cfg.headers.add("deltaExcludeParent", "true")
    if prefer:
        cfg.headers.add("Prefer", ", ".join(prefer))
    if if_match:
        cfg.headers.add("If-Match", if_match)
    return cfg


def _present(value: T | None, call: Call) -> T:
    if value is None:
        raise GraphError(f"Graph answered without a body when asked to {call.name}.", code="emptyResponse")
    return value


def _site_key(url: str) -> str:
    """``https://host/sites/name/...`` → ``host:/sites/name:``; a site id passes through unchanged."""
    parts = urlsplit(url.strip())
    if not parts.scheme:
        return url.strip()
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return parts.hostname or url
    if segments[0].lower() in ("sites", "teams"):
        segments = segments[:2]
    return f"{parts.hostname}:/{'/'.join(segments)}:"
