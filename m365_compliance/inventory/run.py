"""One inventory run: every configured scope, the directory, the register — and every gap recorded.

A scope that cannot be reached (unknown site, 403, missing library) does not stop the run: it is
recorded as a gap, and its controls are later reported "not evaluated". Only an error that makes
the whole run meaningless (the state store itself) propagates.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from m365_compliance.graph.errors import GraphError, PermissionDenied
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.inventory.crawl import CrawlResult, LibraryCrawler
from m365_compliance.inventory.directory import DirectoryReader
from m365_compliance.inventory.folder_units import find_folder, refresh_unit_fields
from m365_compliance.inventory.register import read_register_file, read_register_list
from m365_compliance.model import Principal
from m365_compliance.state.inventory_repo import Gap, InventoryRepository
from m365_compliance.state.store import StateStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScopeSpec:
    """What to crawl for one scope (built from the policy file)."""

    scope: str  # "recruitment" or "customers"
    site_url: str
    library: str
    folder: str  # path below the library root; "" = the root
    unit_depth: int
    unit_columns: tuple[str, ...]


@dataclass(frozen=True)
class RegisterSpec:
    source: str  # "list" or "file"
    columns: tuple[str, ...]
    site_url: str | None = None
    list_name: str | None = None
    path: Path | None = None


@dataclass(frozen=True)
class InventorySpec:
    scopes: tuple[ScopeSpec, ...]
    roles: dict[str, tuple[str, ...]]  # role -> group ids or mails
    register: RegisterSpec | None
    mode: str = "auto"
    policy_version: str | None = None


@dataclass
class InventoryResult:
    run_id: str
    crawls: list[CrawlResult] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def items_changed(self) -> int:
        return sum(c.changes for c in self.crawls)

    @property
    def notices(self) -> list[str]:
        """Why a crawl went otherwise than planned (a checkpoint dropped, a full crawl), "scope / library: why"."""
        return [f"{c.scope} / {c.library}: {note}" for c in self.crawls for note in c.notes]

    def summary(self) -> dict[str, object]:
        notices = {"notices": self.notices} if self.notices else {}
        return {
            "libraries": len(self.crawls),
            "kinds": sorted({c.kind for c in self.crawls}),
            "modes": sorted({c.mode for c in self.crawls}),
            "pages": sum(c.pages for c in self.crawls),
            "changes": self.items_changed,
            "permissionReads": sum(c.permission_reads for c in self.crawls),
            "gaps": len(self.gaps),
            "seconds": round(self.seconds, 2),
            **notices,
        }


ProgressFn = Callable[[str, int], None]


async def run_inventory(gateway: GraphGateway, store: StateStore, spec: InventorySpec, *, full: bool = False,
                        progress: ProgressFn | None = None, now: datetime | None = None) -> InventoryResult:
    repo = InventoryRepository(store)

    async def crawl(scope: ScopeSpec, run_id: str, _result: InventoryResult) -> tuple[CrawlResult | None, list[Gap]]:
        return await _inventory_scope(gateway, repo, scope, run_id, spec.mode, full, progress)

    return await run_scopes(gateway, store, spec, crawl, now=now)


#: How one inventory source reads one scope: its crawl (None when it could not) and its gaps.
ScopeReader = Callable[[ScopeSpec, str, "InventoryResult"], Awaitable[tuple[CrawlResult | None, list[Gap]]]]


async def run_scopes(gateway: GraphGateway, store: StateStore, spec: InventorySpec, read_scope: ScopeReader, *,
                     now: datetime | None) -> InventoryResult:
    """One inventory run with any source of the libraries: each scope read by ``read_scope``, then the directory
    and the register; the run recorded whatever happens (``now``: the run's clock)."""
    started = time.monotonic()
    run_id = store.start_run("inventory", spec.policy_version, policy_at=now)
    result = InventoryResult(run_id)
    status = "failed"
    try:
        for scope in spec.scopes:
            crawl, gaps = await read_scope(scope, run_id, result)
            result.gaps.extend(gaps)
            if crawl is not None:
                result.crawls.append(crawl)
        status = await read_directory_and_register(gateway, store, spec, result)
    finally:
        result.seconds = time.monotonic() - started
        store.finish_run(run_id, status, result.summary())
    return result


async def read_directory_and_register(gateway: GraphGateway, store: StateStore, spec: InventorySpec,
                                      result: InventoryResult, grantees: Iterable[Principal] | None = None) -> str:
    """What every inventory source reads from Graph after the libraries: roles, the groups granted anywhere
    (``grantees``; default: those of the stored permissions), the users, the register; then every gap of the run
    recorded. Returns the run's status."""
    repo = InventoryRepository(store)
    directory = DirectoryReader(gateway)
    for role, references in spec.roles.items():
        await directory.resolve_role(role, references)
    await directory.expand_all(repo.grantees() if grantees is None else grantees)
    await directory.read_users()
    repo.replace_directory(directory.principals.values(), directory.members)
    _store_roles(store, directory.resolved_roles)
    result.gaps.extend(directory.gaps)
    if spec.register is not None:
        rows, gaps = await _read_register(gateway, spec.register)
        if not gaps:
            repo.replace_register(rows)
        result.gaps.extend(gaps)
    for gap in result.gaps:
        repo.add_gap(result.run_id, gap)
    return "complete" if not result.gaps else "complete-with-gaps"


def labelled_delta_hint(site_url: str) -> str:
    """A delta refused on a site whose libraries the app could just list: the grant is there, its role is not
    enough. Reported for a library holding retention-labelled items (microsoft-graph-docs-contrib #693)."""
    return (f"The app reads {site_url} but Graph refused this library's delta feed. A library holding items "
            "with retention labels can need more than `read`/`write` for delta (microsoft-graph-docs-contrib "
            f"#693): raise the app's Sites.Selected grant on {site_url} to `fullcontrol` (or grant "
            "Sites.FullControl.All), then run again; `doctor` names the grant.")


async def _inventory_scope(gateway: GraphGateway, repo: InventoryRepository, scope: ScopeSpec, run_id: str,
                           mode: str, full: bool, progress: ProgressFn | None) -> tuple[CrawlResult | None, list[Gap]]:
    try:
        site = await gateway.resolve_site(scope.site_url)
        library = await gateway.library_by_name(site.id, scope.library)
    except GraphError as exc:
        return None, [Gap(scope.scope, scope.site_url, "resolve site and library", str(exc), exc.status, exc.hint)]
    repo.upsert_library(scope.scope, library, scope.site_url)
    crawler = LibraryCrawler(gateway, repo, scope=scope.scope, run_id=run_id, requested_mode=mode, progress=progress)
    try:
        crawl = await crawler.crawl(library, force_full=full)
    except GraphError as exc:
        # The previous committed picture and its delta link stay; the next run resumes or retries.
        hint = labelled_delta_hint(scope.site_url) if isinstance(exc, PermissionDenied) else exc.hint
        return None, [Gap(scope.scope, library.web_url, "delta", str(exc), exc.status, hint)]
    gaps = list(crawl.gaps)
    base = find_folder(repo, library.id, scope.folder)
    if base is None:
        gaps.append(Gap(scope.scope, library.web_url, "find folder",
                        f"The configured folder '{scope.folder}' does not exist in the library.", 404,
                        "Check the folder key of this scope in the policy file."))
    elif scope.unit_columns:
        changed = None if crawl.kind == "full" else crawl.changed_folders
        gaps.extend(await refresh_unit_fields(gateway, repo, scope=scope.scope, drive_id=library.id, base_id=base,
                                              depth=scope.unit_depth, columns=scope.unit_columns,
                                              changed_folders=changed))
    return crawl, gaps


async def _read_register(gateway: GraphGateway, spec: RegisterSpec) -> tuple[list[dict[str, object]], list[Gap]]:
    if spec.source == "file":
        assert spec.path is not None
        return read_register_file(spec.path, list(spec.columns))
    assert spec.site_url is not None and spec.list_name is not None
    return await read_register_list(gateway, spec.site_url, spec.list_name, list(spec.columns))


def _store_roles(store: StateStore, roles: dict[str, list[str]]) -> None:
    import json

    with store.transaction() as db:
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('roles', ?)", (json.dumps(roles, sort_keys=True),))
