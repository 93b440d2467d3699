"""GraphGateway: the only class that speaks HTTP (DESIGN principle 1).

Every method returns domain records (``m365_compliance.model``), raises the error tree of
``graph.errors``, and goes through one :class:`RetryPolicy` (pacing + retries). A real tenant, a
national cloud or the sandbox differ only in :class:`GatewaySettings`.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, unquote, urlsplit

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
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.entity_type import EntityType
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.item_retention_label import ItemRetentionLabel
from msgraph.generated.models.message import Message
from msgraph.generated.models.recipient import Recipient
from msgraph.generated.models.search_query import SearchQuery
from msgraph.generated.models.search_request import SearchRequest
from msgraph.generated.models.security.event_query import EventQuery
from msgraph.generated.models.security.query_type import QueryType
from msgraph.generated.models.security.retention_event import RetentionEvent
from msgraph.generated.search.query.query_post_request_body import QueryPostRequestBody
from msgraph.generated.sites.item.lists.item.items.items_request_builder import ItemsRequestBuilder
from msgraph.generated.users.item.send_mail.send_mail_post_request_body import SendMailPostRequestBody
from msgraph.generated.users.users_request_builder import UsersRequestBuilder

from m365_compliance.graph import calls, mapping
from m365_compliance.graph.batch import ItemBatcher
from m365_compliance.graph.calls import Call
from m365_compliance.graph.client import (
    build_graph_client,
    build_http_client,
    send_for_bytes,
)
from m365_compliance.graph.credentials import build_credential
from m365_compliance.graph.errors import GraphError, NotFound, error_from_response
from m365_compliance.graph.json_records import (
    GROUP_TYPE,
    USER_TYPE,
    drive_item_from_json,
    json_object,
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
from m365_compliance.private_files import open_private
from m365_compliance.model import (
    DriveItem,
    Library,
    Permission,
    Principal,
    RetentionLabelInfo,
    SearchHit,
    SiteInfo,
)

T = TypeVar("T")

#: Always selected on delta: without `deleted` Graph strips the deleted facet (facts §1.3).
DELTA_SELECT = ("id", "name", "deleted", "shared", "file", "folder", "parentReference", "eTag", "cTag", "root",
                "size", "createdDateTime", "lastModifiedDateTime", "createdBy", "lastModifiedBy")
ITEM_SELECT = DELTA_SELECT
PRINCIPAL_SELECT = ["id", "displayName", "mail", "userPrincipalName", "userType"]
DOWNLOAD_URL = "@microsoft.graph.downloadUrl"
DOWNLOAD_CHUNK = 1 << 20
MAX_SIMPLE_UPLOAD = 250 * 1024 * 1024  # driveitem-put-content.md
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
        self._batcher = ItemBatcher(self._graph.request_adapter, self._retry, self._pacer, self.stats,
                                    sleep=sleep, max_rounds=settings.max_retries,
                                    max_wait_seconds=settings.max_wait_seconds)
        self._drive_sites: dict[str, str] = {}  # drive id → site id, to qualify site-group ids
        self._transport = transport
        self._download_http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> GraphGateway:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        if self._download_http is not None:
            await self._download_http.aclose()
        close = getattr(self._credential, "close", None)
        if self._owns_credential and callable(close):
            close()

    # ------------------------------------------------------------------ sites and libraries
    async def resolve_site(self, url: str) -> SiteInfo:
        """A site by its URL (``host:/sites/name:`` form, facts §3.1) or by its id."""
        key = site_key(url)
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
        if link is not None:
            self._own_link({"@odata.deltaLink": link}, "@odata.deltaLink", call)  # a stored link: same origin only
        url = link
        while True:
            seen = HeadersInspectionHandlerOption(inspect_request_headers=False, inspect_response_headers=True)

            async def fetch(url: str | None = url, seen: HeadersInspectionHandlerOption = seen) -> Any:
                query = None if url else DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(select=fields,
                                                                                                    top=top)
                cfg = _config(query, prefer=prefer, options=[seen], exclude_parents=True)
                info = (builder.with_url(url) if url else builder).to_get_request_information(cfg)
                raw = await send_for_bytes(self._graph.request_adapter, info)
                return json_object(raw, call)

            response = _present(await self._run(call, fetch), call)
            applied = ",".join(seen.response_headers.get("preference-applied"))
            page = DeltaPage(items=tuple(_records(response, lambda i: drive_item_from_json(i, drive_id), call)),
                             next_link=self._own_link(response, "@odata.nextLink", call),
                             delta_link=self._own_link(response, "@odata.deltaLink", call),
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

    async def batch_get_labels(self, drive_id: str,
                               item_ids: Sequence[str]) -> dict[str, RetentionLabelInfo | None | GraphError]:
        """Retention labels (own or inherited) of many items through ``$batch``, 20 per envelope, 1 RU
        per item. None: no label (an empty answer, or 404 — also an item deleted meanwhile); a
        GraphError value: that item could not be read. Only an AuthenticationError is raised."""
        return await self._batcher.get_labels(drive_id, item_ids)

    # ------------------------------------------------------------------ directory
    async def transitive_members(self, group_id: str, *, first_page_only: bool = False) -> list[Principal]:
        """Everyone in the group, nested groups expanded; users with userType Guest are GUEST (§2.5).

        ``first_page_only``: one request, enough to prove the group can be read (``doctor``)."""
        members = self._graph.groups.by_group_id(group_id).transitive_members
        query = TransitiveMembersRequestBuilder.TransitiveMembersRequestBuilderGetQueryParameters(
            select=PRINCIPAL_SELECT)
        found = await self._collect_json(calls.TRANSITIVE_MEMBERS, members, _config(query),
                                         lambda m: principal_from_json(m, USER_TYPE),
                                         first_page_only=first_page_only)
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

    async def list_users(self, *, first_page_only: bool = False) -> list[Principal]:
        users = self._graph.users
        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(select=PRINCIPAL_SELECT)
        found = await self._collect_json(calls.LIST_USERS, users, _config(query),
                                         lambda u: principal_from_json(u, USER_TYPE),
                                         first_page_only=first_page_only)
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

    async def list_columns(self, site_id: str, list_name: str) -> list[str]:
        """The internal names of a list's (or library's) columns: what ``fields($select=…)`` takes."""
        columns = self._graph.sites.by_site_id(site_id).lists.by_list_id(list_name).columns
        found = await self._collect_json(calls.LIST_COLUMNS, columns, _config(), lambda c: c.get("name"))
        return [name for name in found if name]

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
            event_queries=[EventQuery(query_type=QueryType.Files, query=asset_query(a)) for a in asset_ids])
        event.additional_data["retentionEventType@odata.bind"] = (
            f"{self.settings.graph_url}/security/triggerTypes/retentionEventTypes/{event_type_id}")
        events = self._graph.security.triggers.retention_events
        created = await self._run(calls.FIRE_EVENT, lambda: events.post(event))
        return _present(created, calls.FIRE_EVENT).id or ""

    async def retention_events_described(self, description: str) -> list[str]:
        """Ids of the retention events with this description: an event has no natural key, so a resumed
        apply finds the one its killed run may have fired by the description it was given."""
        events = self._graph.security.triggers.retention_events
        found = await self._collect_json(calls.LIST_EVENTS, events, _config(),
                                         lambda e: (e.get("id"), e.get("description")))
        return [str(i) for i, d in found if i and d == description]

    # ------------------------------------------------------------------ mail
    async def send_mail(self, from_user: str, subject: str, html: str, to: Sequence[str]) -> None:
        """Send an HTML mail from ``from_user``'s mailbox (id or UPN); Graph answers 202 without a body.

        Not kept in Sent Items: the alert is journaled by the tool, a second copy in a mailbox adds nothing.
        """
        body = SendMailPostRequestBody(
            message=Message(subject=subject, body=ItemBody(content_type=BodyType.Html, content=html),
                            to_recipients=[Recipient(email_address=EmailAddress(address=a)) for a in to]),
            save_to_sent_items=False)
        send_mail = self._graph.users.by_user_id(from_user).send_mail
        await self._run(calls.SEND_MAIL, lambda: send_mail.post(body))

    # ------------------------------------------------------------------ content and search
    async def download_to(self, drive_id: str, item_id: str, path: Path) -> int:
        """Stream a file into ``path`` (created 0600) and return its size; it never sits in memory whole.

        The bytes come from the item's pre-authenticated ``@microsoft.graph.downloadUrl``
        (``driveitem-get-content.md``), sent without the app's token: the URL authorises itself. A
        connection lost mid-file starts the file again.
        """
        item = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id)
        query = DriveItemItemRequestBuilder.DriveItemItemRequestBuilderGetQueryParameters(select=["id", DOWNLOAD_URL])
        found = _present(await self._get_json(calls.GET_ITEM, item, _config(query)), calls.GET_ITEM)
        url = found.get(DOWNLOAD_URL)
        if not url:
            raise GraphError(f"Graph gave no download URL for item {item_id}: only files can be downloaded.",
                             code="noDownloadUrl", hint="Download files, not folders.")

        async def fetch() -> int:
            self.stats.requests += 1
            async with self._downloads().stream("GET", str(url)) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise error_from_response(calls.DOWNLOAD, response.status_code, None, None, response.headers)
                written = 0
                with open_private(path) as out:
                    async for chunk in response.aiter_bytes(DOWNLOAD_CHUNK):
                        out.write(chunk)
                        written += len(chunk)
                return written

        return await self._run(calls.DOWNLOAD, fetch)

    async def upload_small(self, drive_id: str, parent_id: str, name: str, data: bytes) -> DriveItem:
        """``PUT /drives/{d}/items/{parent-id}:/{name}:/content``: a new file, or new bytes for the file of
        that name (``driveitem-put-content.md``; up to 250 MB, larger files need an upload session)."""
        if len(data) > MAX_SIMPLE_UPLOAD:
            raise GraphError(f"{len(data)} bytes is more than a simple upload takes (250 MB).", code="tooLarge",
                             hint="Upload large files with an upload session (createUploadSession).")
        url = f"{self.settings.graph_url}/drives/{quote(drive_id, safe='!')}/items/{quote(parent_id)}:/{quote(name)}:/content"
        content = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(parent_id).content.with_url(url)

        async def put() -> dict[str, Any] | None:
            raw = await send_for_bytes(self._graph.request_adapter, content.to_put_request_information(data))
            return json_object(raw, calls.UPLOAD)

        return drive_item_from_json(_present(await self._run(calls.UPLOAD, put), calls.UPLOAD), drive_id)

    async def search_drive_items(self, query: str, *, region: str, page_size: int = 200,
                                 limit: int = 1000) -> list[SearchHit]:
        """Files and folders Microsoft Search finds for a KQL ``query`` across the tenant (``search-query.md``).

        Application permissions search one ``region`` (``search-concept-searchall.md``). Pages with
        ``from``/``size`` until no more results are available or ``limit`` hits were read.
        """
        hits: list[SearchHit] = []
        start = 0
        while start < limit:
            body = QueryPostRequestBody(requests=[SearchRequest(
                entity_types=[EntityType.DriveItem], query=SearchQuery(query_string=query), region=region,
                from_=start, size=min(page_size, limit - start))])
            answer = await self._run(calls.SEARCH, partial(self._graph.search.query.post, body))
            responses = (answer.value if answer is not None else None) or []
            containers = [c for r in responses for c in r.hits_containers or ()]
            page = [h for c in containers for h in c.hits or ()]
            hits.extend(hit for hit in map(mapping.search_hit, page) if hit is not None)
            start += len(page)
            if not page or not any(c.more_results_available for c in containers):
                break
        return hits

    def _downloads(self) -> httpx.AsyncClient:
        """A plain client for pre-authenticated download URLs: no Graph middleware, no token."""
        if self._download_http is None:
            self._download_http = httpx.AsyncClient(
                headers={"User-Agent": self.settings.user_agent}, transport=self._transport, follow_redirects=True,
                timeout=httpx.Timeout(self.settings.timeout_seconds, connect=self.settings.connect_timeout_seconds))
        return self._download_http

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
            return json_object(raw, call)

        return await self._run(call, fetch)

    async def _collect_json(self, call: Call, builder: _Builder, cfg: RequestConfiguration[Any],
                            record: Callable[[Any], T], *, first_page_only: bool = False) -> list[T]:
        """Every value of a paged collection as ``record(json)``, following absolute nextLinks (or the
        first page only: ``doctor``'s probes).

        Each page is mapped as it arrives, so only one page of raw JSON is held at a time."""
        values: list[T] = []
        page = await self._get_json(call, builder, cfg)
        while page is not None:
            values.extend(_records(page, record, call))
            link = self._own_link(page, "@odata.nextLink", call)
            if not link or first_page_only:
                break
            page = await self._get_json(call, builder, cfg, link)
        return values


    def _own_link(self, page: Mapping[str, Any], key: str, call: Call) -> str | None:
        """A paging link, only if it points back at the configured Graph: following one to another host
        would send the request (and, for a host the credential trusts, the token) where it must not go."""
        link = page.get(key)
        if link is None:
            return None
        if not isinstance(link, str) or not link.startswith(self.settings.graph_url + "/"):
            raise GraphError(f"Graph answered a {key} outside {self.settings.graph_url} when asked to {call.name}; "
                             "it was not followed.", code="foreignLink",
                             hint="Check what answers at tenant.graph_url (a proxy rewriting links?); run again.")
        return link


def _records(page: Mapping[str, Any], record: Callable[[Any], T], call: Call) -> list[T]:
    """A page's ``value`` mapped by ``record``; an entry of the wrong shape fails the whole read."""
    values = page.get("value", [])
    try:
        if not isinstance(values, list):
            raise TypeError("value is not a list")
        return [record(v) for v in values]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise GraphError(f"Graph answered a malformed page when asked to {call.name} ({type(exc).__name__}: "
                         f"{str(exc)[:80]}).", code="malformedResponse",
                         hint="Run again; if it repeats, report it with the request id.") from None


def _list_row(item: Any) -> dict[str, Any]:
    """A list item's columns, read as JSON (``json_records`` says why) with kiota's own value conversion."""
    fields = {k: v for k, v in (item.get("fields") or {}).items() if k != "id" and not k.startswith("@odata")}
    row = {k: mapping.plain(v) for k, v in JsonParseNode(fields).try_get_anything(fields).items()}
    row.setdefault("id", item["id"])  # a row without an id cannot be told apart: the page is malformed
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


def asset_query(asset_id: str) -> str:
    """``ComplianceAssetID:"<id>"`` (facts §4.4), quoted so the value is one term whatever it holds; a value that
    could end the quotes is refused (the planner only passes ids fitting ``retention.asset_id_pattern``)."""
    if not asset_id or any(c in asset_id for c in '"\\') or not asset_id.isprintable():
        raise ValueError("an asset id must be printable and hold no quote or backslash")
    return f'ComplianceAssetID:"{asset_id}"'


def site_key(url: str) -> str:
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
