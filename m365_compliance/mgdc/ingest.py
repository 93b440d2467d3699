"""``inventory --source mgdc``: the configured libraries pictured from an MGDC delivery instead of a Graph crawl.

MGDC carries the items and their grants; Graph still answers, cheaply, what MGDC does not carry: which site and
library the policy names (2 requests per scope), the folder units down to the configured depth with their
list-item columns (the application date, "hired"; one listing per parent folder, as the Graph crawl does), and
everything after the libraries (roles, groups, users, the register). A scope whose delivery is unreadable,
incomplete or older than ``[mgdc] max_age`` is a gap of the scope: its earlier picture stays and reads as stale.
Nothing is ever committed from a delivery the run could not read whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import unquote, urlparse

from m365_compliance.graph.errors import GraphError
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.inventory.crawl import CrawlResult
from m365_compliance.inventory.snapshot import MGDC_SOURCE
from m365_compliance.inventory.run import InventoryResult, InventorySpec, ScopeSpec, run_scopes
from m365_compliance.mgdc.delivery import Delivery, MgdcDeliveryError
from m365_compliance.mgdc.freshness import DATASET_OPERATION, delivery_problem
from m365_compliance.mgdc.picture import LibraryAddress, LibraryPicture, build_picture, place_units
from m365_compliance.mgdc.rows import read_dataset, read_site
from m365_compliance.model import DriveItem, Library
from m365_compliance.state.inventory_repo import Gap, InventoryRepository
from m365_compliance.state.store import StateStore

STAGE_CHUNK = 5000


async def run_mgdc_inventory(gateway: GraphGateway, store: StateStore, spec: InventorySpec, delivery: Delivery, *,
                             max_age: timedelta, now: datetime, tenant_id: str | None) -> InventoryResult:
    repo = InventoryRepository(store)
    groups: dict[str, dict[str, dict[str, str]]] = {}

    async def picture(scope: ScopeSpec, run_id: str, result: InventoryResult) -> tuple[CrawlResult | None, list[Gap]]:
        if "by site" not in groups:
            groups["by site"] = site_groups_of(delivery, result, now=now, max_age=max_age)
        return await _picture_scope(gateway, repo, scope, run_id, delivery, groups["by site"], max_age, now,
                                    tenant_id)

    return await run_scopes(gateway, store, spec, picture, now=now)


def site_groups_of(delivery: Delivery, result: InventoryResult, *, now: datetime | None = None,
                   max_age: timedelta | None = None) -> dict[str, dict[str, str]]:
    """SharePoint groups by site GUID, name → id: the Permissions rows name them by name only. A Groups dataset
    that cannot be read, or is older than ``max_age``, is a gap: site groups are then named by name."""
    try:
        groups = read_dataset(delivery, "groups", lambda r: True)
    except MgdcDeliveryError as exc:
        result.gaps.append(Gap("directory", "mgdc groups", DATASET_OPERATION, str(exc), None, exc.hint))
        return {}
    why = None
    if groups.malformed:
        why = f"{len(groups.malformed)} row(s) cannot be read ({', '.join(groups.malformed[:3])})"
    elif groups.deltas_without_base:
        why = "delta rows without a full snapshot"
    elif groups.snapshot is not None and now is not None and max_age is not None and now - groups.snapshot > max_age:
        why = f"the Groups dataset is of {groups.snapshot.date().isoformat()}, older than [mgdc] max_age"
    if why is not None:
        result.gaps.append(Gap("directory", "mgdc groups", DATASET_OPERATION, f"SharePoint groups not read: {why}.",
                               None, "Deliver the Groups dataset with the others (a full pull), then run again."))
        return {}
    found: dict[str, dict[str, str]] = {}
    for row in groups.rows:
        if row.get("GroupId") is not None and row.get("DisplayName"):
            found.setdefault(str(row.get("SiteId") or "").lower(), {})[str(row["DisplayName"]).lower()] = \
                str(row["GroupId"])
    return found


async def _picture_scope(gateway: GraphGateway, repo: InventoryRepository, scope: ScopeSpec, run_id: str,
                         delivery: Delivery, site_groups: Mapping[str, Mapping[str, str]], max_age: timedelta,
                         now: datetime, tenant_id: str | None) -> tuple[CrawlResult | None, list[Gap]]:
    located = await locate_library(gateway, scope)
    if isinstance(located, Gap):
        return None, [located]
    graph_site_id, library, address = located
    try:
        files, permissions = read_site(delivery, address.site_guid)
    except MgdcDeliveryError as exc:
        return None, [_dataset_gap(scope, library, str(exc), exc.hint)]
    problem = delivery_problem(files, permissions, max_age, now, address=address, tenant_id=tenant_id)
    if problem is not None:
        return None, [_dataset_gap(scope, library, problem)]
    picture = build_picture(library.id, address, files.rows, permissions.rows,
                            site_groups.get(address.site_guid, {}), graph_site_id)
    units, gaps = await list_units(gateway, scope, library)
    place_units(picture, units, scope.folder, scope.unit_depth)
    repo.upsert_library(scope.scope, library, scope.site_url)
    _commit(repo, library, run_id, picture)
    taken = max(d for d in (files.snapshot, permissions.snapshot) if d is not None)
    crawl = CrawlResult(scope.scope, library.name, library.id, "full", MGDC_SOURCE, 0, len(picture.items),
                        len(picture.permissions), False, False, tuple(gaps), frozenset(),
                        (f"MGDC delivery of {taken.date().isoformat()}: {len(picture.items):,} items, "
                         f"{len(picture.permissions):,} permission roots",))
    return crawl, gaps


async def locate_library(gateway: GraphGateway, scope: ScopeSpec) -> tuple[str, Library, LibraryAddress] | Gap:
    """The scope's library as Graph names it (its site's id, the library) and as MGDC does; a gap when it cannot be."""
    try:
        site = await gateway.resolve_site(scope.site_url)
        library = await gateway.library_by_name(site.id, scope.library)
    except GraphError as exc:
        return Gap(scope.scope, scope.site_url, "resolve site and library", str(exc), exc.status, exc.hint)
    address = library_address(site.id, scope.site_url, library)
    if address is None:
        return _dataset_gap(scope, library, "Graph named the site by an id without its site-collection GUID, so its "
                                            "MGDC rows cannot be told apart.")
    return site.id, library, address


def library_address(graph_site_id: str, site_url: str, library: Library) -> LibraryAddress | None:
    """The library as MGDC names it. A Graph site id is ``{hostname},{site-collection id},{web id}``."""
    parts = graph_site_id.split(",")
    if len(parts) != 3:
        return None
    site_path = unquote(urlparse(site_url).path).strip("/")
    library_path = unquote(urlparse(library.web_url).path).strip("/")
    folder = library_path[len(site_path):].strip("/") if library_path.lower().startswith(site_path.lower()) \
        else library_path.rsplit("/", 1)[-1]
    return LibraryAddress(parts[1].lower(), site_path, folder)


async def list_units(gateway: GraphGateway, scope: ScopeSpec,
                     library: Library) -> tuple[dict[str, DriveItem], list[Gap]]:
    """The folders from the library root down to the folder units, by path, as Graph lists them (the units with
    their columns): MGDC has no folder rows, so empty folders and the units' columns and dates exist only there."""
    found: dict[str, DriveItem] = {}
    parents = [("", "root")]
    try:
        for name in [p for p in scope.folder.strip("/").split("/") if p]:
            children = await gateway.list_children(library.id, parents[0][1])
            folder = next((c for c in children if c.is_folder and c.name == name), None)
            if folder is None:
                return found, []  # the configured folder is missing: the snapshot's "find folder" gap says so
            parents = [(_join(parents[0][0], name), folder.id)]
            found[parents[0][0]] = folder
        for level in range(scope.unit_depth):
            columns = scope.unit_columns if level == scope.unit_depth - 1 else ()
            next_level: list[tuple[str, str]] = []
            for path, graph_id in parents:
                for child in await gateway.list_children(library.id, graph_id, fields=columns):
                    if child.is_folder:
                        found[_join(path, child.name)] = child
                        next_level.append((_join(path, child.name), child.id))
            parents = next_level
    except GraphError as exc:
        return found, [Gap(scope.scope, library.web_url, "unit columns", str(exc), exc.status, exc.hint)]
    return found, []


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _commit(repo: InventoryRepository, library: Library, run_id: str, picture: LibraryPicture) -> None:
    """The picture as one full crawl: staged in chunks, committed with its permissions in one transaction."""
    repo.start_crawl(library.id, run_id, "full")
    items = list(picture.items.values())
    for start in range(0, len(items), STAGE_CHUNK):
        repo.stage_page(library.id, items[start:start + STAGE_CHUNK], None)
    repo.commit_crawl(library.id, kind="full", delta_link="", mode=MGDC_SOURCE, run_id=run_id,
                      permissions={k: list(v) for k, v in picture.permissions.items()}, dropped_roots=())


def _dataset_gap(scope: ScopeSpec, library: Library, message: str, hint: str | None = None) -> Gap:
    return Gap(scope.scope, library.web_url, DATASET_OPERATION, message, None,
               hint or "Deliver the SharePoint datasets again (a full pull: same start and end date), then run "
                       "`inventory --source mgdc` again; or run `inventory` to read this scope from Graph.")
