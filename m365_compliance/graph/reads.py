"""What the gateway reads: sites, libraries, delta, items, permissions, labels, the directory, lists, content.

Each read is built by msgraph-sdk and its answer read as plain JSON through the shared guard
(:mod:`.answers`, ``json_records`` says why not the SDK's model parser). Nothing here writes.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from kiota_http.middleware.options import HeadersInspectionHandlerOption
from kiota_serialization_json.json_parse_node import JsonParseNode
from msgraph.generated.drives.item.items.item.children.children_request_builder import ChildrenRequestBuilder
from msgraph.generated.drives.item.items.item.delta.delta_request_builder import DeltaRequestBuilder
from msgraph.generated.drives.item.items.item.drive_item_item_request_builder import DriveItemItemRequestBuilder
from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder
from msgraph.generated.groups.item.transitive_members.transitive_members_request_builder import (
    TransitiveMembersRequestBuilder,
)
from msgraph.generated.models.entity_type import EntityType
from msgraph.generated.models.search_query import SearchQuery
from msgraph.generated.models.search_request import SearchRequest
from msgraph.generated.search.query.query_post_request_body import QueryPostRequestBody
from msgraph.generated.sites.item.lists.item.items.items_request_builder import ItemsRequestBuilder
from msgraph.generated.users.users_request_builder import UsersRequestBuilder

from m365_compliance.graph import calls
from m365_compliance.graph.answers import delta_link_problem, required_id
from m365_compliance.graph.calls import Call
from m365_compliance.graph.errors import GraphError, NotFound, error_from_response
from m365_compliance.graph.json_records import (
    GROUP_TYPE,
    USER_TYPE,
    drive_item_from_json,
    library_from_json,
    permission_from_json,
    principal_from_json,
    retention_label_from_json,
    search_hit_from_json,
    site_from_json,
)
from m365_compliance.graph.mapping import DeltaPage, plain
from m365_compliance.graph.session import GraphSession, request_config
from m365_compliance.model import DriveItem, Library, Permission, Principal, RetentionLabelInfo, SearchHit, SiteInfo
from m365_compliance.private_files import open_private

#: Always selected on delta: without `deleted` Graph strips the deleted facet (facts §1.3).
DELTA_SELECT = ("id", "name", "deleted", "shared", "file", "folder", "parentReference", "eTag", "cTag", "root",
                "size", "createdDateTime", "lastModifiedDateTime", "createdBy", "lastModifiedBy")
ITEM_SELECT = DELTA_SELECT
PRINCIPAL_SELECT = ["id", "displayName", "mail", "userPrincipalName", "userType"]
DOWNLOAD_URL = "@microsoft.graph.downloadUrl"
DOWNLOAD_CHUNK = 1 << 20
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class Reads(GraphSession):
    # ------------------------------------------------------------------ sites and libraries
    async def resolve_site(self, url: str) -> SiteInfo:
        """A site by its URL (``host:/sites/name:`` form, facts §3.1) or by its id."""
        key = site_key(url)
        try:
            site = await self._get_json(calls.RESOLVE_SITE, self._graph.sites.by_site_id(key), request_config())
        except NotFound as exc:
            raise NotFound(f"No SharePoint site at {url}.", status=404, code=exc.code, request_id=exc.request_id,
                           hint="Check the site address (https://<tenant>.sharepoint.com/sites/<name>).") from exc
        return self._answers.one(site, site_from_json, calls.RESOLVE_SITE)

    async def list_libraries(self, site_id: str) -> list[Library]:
        drives = self._graph.sites.by_site_id(site_id).drives
        libraries = await self._collect_json(calls.LIST_LIBRARIES, drives, request_config(),
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
        sent on every page. A 410 raises :class:`ResyncRequired` carrying the ``Location`` link. A
        stored link, like every nextLink and deltaLink an answer holds, is followed (or handed on) only
        when it addresses this drive's delta on the configured Graph (``answers.delta_link_problem``);
        anything else is a GraphError, code ``foreignDeltaLink``. Every page of an enumeration started
        without a token is charged as one (``calls.delta_call``).
        """
        builder = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id("root").delta
        fields = list(dict.fromkeys((*DELTA_SELECT, *select)))
        call = calls.delta_call(link)
        url = self._stored_delta_link(drive_id, link, call) if link else None
        while True:
            seen = HeadersInspectionHandlerOption(inspect_request_headers=False, inspect_response_headers=True)
            query = None if url else DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(select=fields, top=top)
            cfg = request_config(query, prefer=prefer, options=[seen], exclude_parents=True)
            # Prefer and the other headers go with every page, nextLinks included (facts §8.4).
            response = await self._send_json(call, lambda url=url, cfg=cfg: (
                builder.with_url(url) if url else builder).to_get_request_information(cfg))
            page = self._answers.one(response, lambda r: r, call)
            applied = ",".join(seen.response_headers.get("preference-applied"))
            delta_page = DeltaPage(
                items=tuple(self._answers.records(page, lambda i: drive_item_from_json(i, drive_id), call)),
                next_link=self._answers.delta_link(page, "@odata.nextLink", call, drive_id),
                delta_link=self._answers.delta_link(page, "@odata.deltaLink", call, drive_id),
                preference_applied=tuple(p.strip() for p in applied.split(",") if p.strip()))
            yield delta_page
            if delta_page.delta_link or not delta_page.next_link:
                return
            url = delta_page.next_link

    def _stored_delta_link(self, drive_id: str, link: str, call: Call) -> str:
        """A stored (or checkpointed) link, checked as the answer it came from was: one written by an older
        version, or into a tampered store, that addresses anything but this drive's delta is refused."""
        url = self._answers.own_link({"@odata.deltaLink": link}, "@odata.deltaLink", call)
        problem = delta_link_problem(link, self._answers.graph_url, drive_id)
        if url is None or problem is not None:
            raise GraphError(f"The stored delta link of drive {drive_id} {problem}; it was not followed.",
                             code="foreignDeltaLink",
                             hint="Run `m365-compliance inventory --full` once: a full crawl replaces the stored "
                                  "link with one of this library's own. If it comes back, check what writes the "
                                  "state store and what answers at tenant.graph_url.")
        return url

    async def list_children(self, drive_id: str, item_id: str, *, fields: Sequence[str] = ()) -> list[DriveItem]:
        """Children of a folder, with the named list-item columns in ``DriveItem.fields`` (facts §3.4)."""
        children = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id).children
        expand = [f"listItem($expand=fields($select={','.join(fields)}))"] if fields else None
        query = ChildrenRequestBuilder.ChildrenRequestBuilderGetQueryParameters(select=list(ITEM_SELECT),
                                                                                expand=expand)
        return await self._collect_json(calls.LIST_CHILDREN, children, request_config(query),
                                        lambda i: drive_item_from_json(i, drive_id))

    async def get_item(self, drive_id: str, item_id: str) -> DriveItem | None:
        """The item now, or None when it no longer exists (404)."""
        item = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id)
        query = DriveItemItemRequestBuilder.DriveItemItemRequestBuilderGetQueryParameters(select=list(ITEM_SELECT))
        try:
            found = await self._get_json(calls.GET_ITEM, item, request_config(query))
        except NotFound:
            return None
        return self._answers.one(found, lambda d: drive_item_from_json(d, drive_id), calls.GET_ITEM)

    async def list_permissions(self, drive_id: str, item_id: str) -> list[Permission]:
        perms = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id).permissions
        site_id = self._drive_sites.get(drive_id)
        return await self._collect_json(calls.LIST_PERMISSIONS, perms, request_config(),
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

    async def get_retention_label(self, drive_id: str, item_id: str) -> RetentionLabelInfo | None:
        """The item's label (own or inherited from its folder), or None when it has none.

        Graph's answer for an unlabelled item is undocumented (facts §4.1): 404 and an empty object
        both mean None; a 404 cannot tell a missing item apart, ask :meth:`get_item` for that.
        """
        label = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id).retention_label
        try:
            found = await self._get_json(calls.GET_LABEL, label, request_config())
        except NotFound:
            return None
        return None if found is None else self._answers.one(found, retention_label_from_json, calls.GET_LABEL)

    async def retention_events_described(self, description: str) -> list[str]:
        """Ids of the retention events with this description: an event has no natural key, so a resumed
        apply finds the one its killed run may have fired by the description it was given."""
        events = self._graph.security.triggers.retention_events
        found = await self._collect_json(calls.LIST_EVENTS, events, request_config(),
                                         lambda e: (required_id(e), e.get("description")))
        return [i for i, d in found if d == description]

    # ------------------------------------------------------------------ directory
    async def transitive_members(self, group_id: str, *, first_page_only: bool = False) -> list[Principal]:
        """Everyone in the group, nested groups expanded; users with userType Guest are GUEST (§2.5).

        ``first_page_only``: one request, enough to prove the group can be read (``doctor``)."""
        members = self._graph.groups.by_group_id(group_id).transitive_members
        query = TransitiveMembersRequestBuilder.TransitiveMembersRequestBuilderGetQueryParameters(
            select=PRINCIPAL_SELECT)
        found = await self._collect_json(calls.TRANSITIVE_MEMBERS, members, request_config(query),
                                         lambda m: principal_from_json(m, USER_TYPE),
                                         first_page_only=first_page_only)
        return [p for p in found if p is not None]

    async def find_group(self, id_or_mail: str) -> Principal | None:
        """A group by object id or mail address; None when there is none."""
        if _GUID.match(id_or_mail):
            try:
                group = await self._get_json(calls.FIND_GROUP, self._graph.groups.by_group_id(id_or_mail),
                                             request_config())
            except NotFound:
                return None
            return self._answers.one(group, lambda g: principal_from_json(g, GROUP_TYPE), calls.FIND_GROUP)
        mail = id_or_mail.replace("'", "''")
        query = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(
            filter=f"mail eq '{mail}'", select=["id", "displayName", "mail"])
        found = await self._get_json(calls.FIND_GROUP, self._graph.groups, request_config(query))
        groups = self._answers.records(found or {}, lambda g: principal_from_json(g, GROUP_TYPE), calls.FIND_GROUP)
        return groups[0] if groups else None

    async def list_users(self, *, first_page_only: bool = False) -> list[Principal]:
        users = self._graph.users
        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(select=PRINCIPAL_SELECT)
        found = await self._collect_json(calls.LIST_USERS, users, request_config(query),
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
        return await self._collect_json(calls.LIST_ITEMS, items, request_config(query), _list_row)

    async def list_columns(self, site_id: str, list_name: str) -> list[str]:
        """The internal names of a list's (or library's) columns: what ``fields($select=…)`` takes."""
        columns = self._graph.sites.by_site_id(site_id).lists.by_list_id(list_name).columns
        found = await self._collect_json(calls.LIST_COLUMNS, columns, request_config(), lambda c: c.get("name"))
        return [name for name in found if isinstance(name, str) and name]

    # ------------------------------------------------------------------ content and search
    async def download_to(self, drive_id: str, item_id: str, path: Path) -> int:
        """Stream a file into ``path`` (created 0600) and return its size; it never sits in memory whole.

        The bytes come from the item's pre-authenticated ``@microsoft.graph.downloadUrl``
        (``driveitem-get-content.md``), sent without the app's token: the URL authorises itself. A
        connection lost mid-file starts the file again.
        """
        item = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id)
        query = DriveItemItemRequestBuilder.DriveItemItemRequestBuilderGetQueryParameters(select=["id", DOWNLOAD_URL])
        found = await self._get_json(calls.GET_ITEM, item, request_config(query))
        url = self._answers.one(found, lambda d: d.get(DOWNLOAD_URL), calls.GET_ITEM)
        if not isinstance(url, str) or urlsplit(url).scheme not in ("https", "http"):
            raise GraphError(f"Graph gave no download URL for item {item_id}: only files can be downloaded.",
                             code="noDownloadUrl", hint="Download files, not folders.")

        async def fetch() -> int:
            self.stats.requests += 1
            async with self._downloads().stream("GET", url) as response:
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

    async def search_drive_items(self, query: str, *, region: str, page_size: int = 200,
                                 limit: int = 1000) -> list[SearchHit]:
        """Files and folders Microsoft Search finds for a KQL ``query`` across the tenant (``search-query.md``).

        Application permissions search one ``region`` (``search-concept-searchall.md``). Pages with
        ``from``/``size`` until no more results are available or ``limit`` hits were read.
        """
        hits: list[SearchHit] = []
        start = 0
        search = self._graph.search.query
        while start < limit:
            body = QueryPostRequestBody(requests=[SearchRequest(
                entity_types=[EntityType.DriveItem], query=SearchQuery(query_string=query), region=region,
                from_=start, size=min(page_size, limit - start))])
            answer = await self._send_json(calls.SEARCH, lambda body=body: search.to_post_request_information(body))
            containers = [c for r in self._answers.records(answer or {}, _containers, calls.SEARCH) for c in r]
            page = [h for found, _ in containers for h in found]
            hits.extend(h for h in self._answers.records({"value": page}, search_hit_from_json, calls.SEARCH) if h)
            start += len(page)
            if not page or not any(more for _, more in containers):
                break
        return hits


def _containers(response: Any) -> list[tuple[list[Any], bool]]:
    """A search response's hits containers as (hits, more results available)."""
    return [(list(c.get("hits") or ()), bool(c.get("moreResultsAvailable"))) for c in response.get("hitsContainers") or ()]


def _list_row(item: Any) -> dict[str, Any]:
    """A list item's columns, read as JSON (``json_records`` says why) with kiota's own value conversion."""
    fields = {k: v for k, v in (item.get("fields") or {}).items() if k != "id" and not k.startswith("@odata")}
    row = {k: plain(v) for k, v in JsonParseNode(fields).try_get_anything(fields).items()}
    row.setdefault("id", required_id(item))  # a row without an id cannot be told apart: the page is malformed
    return row


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
