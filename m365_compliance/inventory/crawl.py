"""Crawling one library with delta, reading permissions only where they can differ.

Cost model (DESIGN "Performance model", facts §1.4, §7.1): a full crawl pages through delta once
(2 RU a page) and reads permissions of permission-hierarchy roots only (5 RU each); a nightly run
asks for changes since the stored delta link (1 RU a page) and re-reads permissions of the roots
that appear in it. The sharing Prefer values make that possible:

* ``hierarchicalsharing`` puts a ``shared`` facet on every root of a permission hierarchy (an
  empty one, ``{}``, when the root has no sharing links), and on nothing that merely inherits;
* ``deltashowsharingchanges`` (with its two companions) makes permission-only changes appear.

Which of them the service honoured decides the mode. ``Preference-Applied`` (when sent) says
whether sharing changes will be reported; without that evidence only an explicit
``mode = "sharing-delta"`` in the policy file trusts it. Sharing changes need app-only
Sites.FullControl.All (facts §1.4). Without them a permission-only change — even inheritance broken
on a single file — never shows in delta, so the only complete answer is *per-item* mode: every
item's permissions re-read on every run (5 RU each). Correct, and affordable for a small tenant;
docs/inventory.md gives the figures and the trade-off. A per-item library whose incremental round shows
the sharing values honoured again (and whose root is visible) gets the one full crawl that yields a
sharing-aware token, and is back in sharing-delta mode.

Every delta link the crawl follows, stages or stores addresses this library's own delta
(``answers.delta_link_problem``). A resumed crawl follows its final delta link once more before the
commit, so changes made between a kill and the rerun are in that night's picture; a checkpoint whose
resume fails for good is dropped and the crawl started again in the same run (docs/inventory.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from m365_compliance.graph.answers import delta_link_problem
from m365_compliance.graph.errors import (
    AuthenticationError,
    GraphError,
    PermissionDenied,
    ResyncRequired,
    Throttled,
    TransportError,
)
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.model import Library, Permission
from m365_compliance.state.inventory_repo import Checkpoint, Gap, InventoryRepository

log = logging.getLogger(__name__)

SHARING_PREFER = ("deltashowremovedasdeleted", "deltatraversepermissiongaps", "deltashowsharingchanges",
                  "hierarchicalsharing")
SHARING_DELTA = "sharing-delta"  # roots visible and permission-only changes reported
PER_ITEM = "per-item"  # otherwise: every item's permissions re-read every run
SHARING_CHANGES = "deltashowsharingchanges"
BATCH_SIZE = 20
#: Delta page size asked for ($top, facts §1.2): the largest the service honours, so a full crawl
#: costs the fewest 2-RU pages. Pages are staged one at a time, so memory does not grow with it.
DELTA_PAGE = 1000


@dataclass(frozen=True)
class CrawlResult:
    scope: str
    library: str
    drive_id: str
    kind: str  # "full" or "incremental"
    mode: str  # SHARING_DELTA or PER_ITEM
    pages: int
    changes: int
    permission_reads: int
    resumed: bool
    resynced: bool
    gaps: tuple[Gap, ...]
    changed_folders: frozenset[str]  # folders that appeared in this crawl (all of them on a full one)
    notes: tuple[str, ...] = ()  # why the crawl went otherwise than planned: a checkpoint dropped, a full crawl


def keeps_checkpoint(error: GraphError) -> bool:
    """Whether a failed resume leaves the checkpoint for the next run: a passing failure (throttling, a 5xx, a
    dropped connection), or a refused credential or permission, which starting again would meet just the same.
    Anything else (a 400, a 404, a malformed answer, a refused link) says the checkpoint's link is bad."""
    if isinstance(error, (Throttled, TransportError, AuthenticationError, PermissionDenied)):
        return True
    return error.status is not None and error.status >= 500


def resumable(checkpoint: Checkpoint, force_full: bool) -> bool:
    """A checkpoint a crawl can go on from: at least one page staged, and a link to continue with (the next
    page's) or to finish with (the final delta link). ``--full`` resumes only a full crawl."""
    if force_full and checkpoint.kind != "full":
        return False
    return checkpoint.pages > 0 and (checkpoint.next_link is not None or checkpoint.final_link is not None)


@dataclass
class _Staged:
    """What deciding the mode and the permission reads needs of a staged crawl."""

    changes: int = 0  # distinct items in the crawl
    root_shared: bool | None = None  # the drive root's shared facet; None when the root is not in the crawl
    roots: set[str] = field(default_factory=set)  # live items with a shared facet, and the root
    gone: set[str] = field(default_factory=set)  # deleted items
    folders: set[str] = field(default_factory=set)  # live folders
    inheriting_known: list[str] = field(default_factory=list)  # live, no facet, permission list stored


ProgressFn = Callable[[str, int], None]


class LibraryCrawler:
    """Brings one library's committed picture up to date; safe to kill at any point and run again."""

    def __init__(self, gateway: GraphGateway, repo: InventoryRepository, *, scope: str, run_id: str,
                 requested_mode: str = "auto", progress: ProgressFn | None = None) -> None:
        self.gateway = gateway
        self.repo = repo
        self.scope = scope
        self.run_id = run_id
        self.requested_mode = requested_mode
        self.progress = progress or (lambda _what, _n: None)
        self._applied: set[str] | None = None  # Preference-Applied values, when the service sends them
        self._fetched = 0  # delta pages read by the current crawl

    async def crawl(self, library: Library, *, force_full: bool = False) -> CrawlResult:
        row = self.repo.library(library.id)
        stored_link = None if force_full or row is None else row["delta_link"]
        stored_mode = None if row is None else row["mode"]
        notes: list[str] = []
        self._fetched = 0
        checkpoint = self._usable_checkpoint(library.id, force_full, notes)
        if checkpoint is not None:
            kind, link, pages_done, final = checkpoint.kind, checkpoint.next_link, checkpoint.pages, \
                checkpoint.final_link
            log.info("resuming %s crawl of drive %s after %d pages", kind, library.id, pages_done)
        else:
            kind = "incremental" if stored_link else "full"
            self.repo.start_crawl(library.id, self.run_id, kind)
            link, pages_done, final = stored_link, 0, None
        resumed, resynced = checkpoint is not None, False
        try:
            try:
                delta_link, pages = (final, 0) if final is not None else await self._page(library, link)
                if resumed:
                    # The staged crawl ends at a delta link from an earlier run: what changed since (between the
                    # kill and this run) is one incremental round away, taken before the commit.
                    delta_link, more = await self._page(library, delta_link)
                    pages += more
            except GraphError as exc:
                if checkpoint is None or self._fetched or isinstance(exc, ResyncRequired) or keeps_checkpoint(exc):
                    raise
                # The checkpoint's own link fails, and not for a passing reason: resuming from it would fail
                # the same way every night. Start this crawl again, in this run.
                start = "the stored delta link" if stored_link else "scratch (a full crawl)"
                log.warning("dropping the checkpoint of drive %s: resuming failed (%s); starting again from %s",
                            library.id, exc, start)
                notes.append(f"the checkpoint of run {checkpoint.run_id} could not be resumed ({exc}); it was "
                             f"dropped and the crawl started again from {start}")
                resumed, kind, pages_done = False, "incremental" if stored_link else "full", 0
                self.repo.start_crawl(library.id, self.run_id, kind)
                delta_link, pages = await self._page(library, stored_link)
            if kind == "incremental" and self._sharing_regained(library.id, stored_mode):
                log.info("drive %s: sharing-change deltas honoured again; a full crawl for a sharing-aware token",
                         library.id)
                notes.append("full crawl: the service honours the sharing-change Prefer values again, and only a "
                             "full crawl gives a delta token that reports sharing changes (per-item -> "
                             "sharing-delta mode from now on)")
                kind = "full"
                self.repo.start_crawl(library.id, self.run_id, kind)
                delta_link, more = await self._page(library, None)
                pages += more
        except ResyncRequired:
            # Facts §1.5: on any 410 start a fresh full enumeration, then reconcile (full replace).
            log.warning("delta token of drive %s expired (410); falling back to a full crawl", library.id)
            resynced, kind = True, "full"
            self.repo.start_crawl(library.id, self.run_id, kind)
            delta_link, pages = await self._page(library, None)
        summary = self._summarise(library.id, kind)
        mode = self._mode(summary.root_shared, kind, stored_mode)
        gaps: list[Gap] = []
        if self.requested_mode == SHARING_DELTA and mode != SHARING_DELTA:
            gaps.append(Gap(self.scope, library.web_url, "sharing delta",
                            "The service ignored the sharing-change Prefer headers; permissions were read per item.",
                            hint="Grant the app Sites.FullControl.All (application) for sharing-change deltas, "
                                 "or set [inventory] mode = \"per-item\"."))
        to_read, dropped = self._permission_targets(library.id, summary, kind, mode)
        permissions, read_gaps = await self._read_permissions(library, to_read)
        gaps.extend(read_gaps)
        self.repo.commit_crawl(library.id, kind=kind, delta_link=delta_link, mode=mode, run_id=self.run_id,
                               permissions=permissions, dropped_roots=dropped)
        return CrawlResult(self.scope, library.name, library.id, kind, mode, pages_done + pages, summary.changes,
                           len(permissions), resumed, resynced, tuple(gaps),
                           frozenset(summary.folders), tuple(notes))

    def _usable_checkpoint(self, drive_id: str, force_full: bool, notes: list[str]) -> Checkpoint | None:
        """The checkpoint to resume from, or None (dropped when there is nothing to resume from, or when a
        link it holds does not address this drive's delta: written by an older version, or tampered)."""
        checkpoint = self.repo.checkpoint(drive_id)
        if checkpoint is None:
            return None
        if not resumable(checkpoint, force_full):
            # Killed or failed before its first page was staged (or a checkpoint from an older version):
            # nothing to resume from, so the crawl starts again from the stored delta link, or from scratch.
            log.info("restarting the crawl of drive %s: its checkpoint holds no page to resume from", drive_id)
            self.repo.abandon_crawl(drive_id)
            return None
        graph_url = self.gateway.settings.graph_url
        for held in (checkpoint.next_link, checkpoint.final_link):
            problem = None if held is None else delta_link_problem(held, graph_url, drive_id)
            if problem is not None:
                log.warning("dropping the checkpoint of drive %s: it holds a link that %s", drive_id, problem)
                notes.append(f"the checkpoint of run {checkpoint.run_id} held a link that {problem}; it was "
                             "dropped and the crawl started again")
                self.repo.abandon_crawl(drive_id)
                return None
        return checkpoint

    def _sharing_changes(self) -> bool:
        """Whether the service reports sharing changes: ``Preference-Applied`` says so, or — without that
        evidence — the policy file insists on ``mode = "sharing-delta"``."""
        if self._applied is not None:
            return SHARING_CHANGES in self._applied
        return self.requested_mode == SHARING_DELTA

    def _sharing_regained(self, drive_id: str, stored_mode: str | None) -> bool:
        """A per-item library whose incremental round shows the sharing Prefer values honoured again (after a
        resume that read no page, or Sites.FullControl.All granted back): worth the one full crawl that gets a
        sharing-aware token — but only where that crawl would end in sharing-delta mode, i.e. the drive root
        shows its ``shared`` facet (stored, or in this round); otherwise it would be a full crawl every night."""
        if self.requested_mode == PER_ITEM or stored_mode != PER_ITEM or not self._sharing_changes():
            return False
        if self.repo.root_shows_sharing(drive_id):
            return True
        return self._summarise(drive_id, "full").root_shared is True  # "full": the root's facet only, no known ids

    async def _page(self, library: Library, link: str | None) -> tuple[str, int]:
        """Stage every delta page from ``link`` on; returns the final delta link and the page count."""
        pages = 0
        async for page in self.gateway.delta(library.id, link=link, prefer=SHARING_PREFER, top=DELTA_PAGE):
            pages += 1
            self._fetched += 1
            if page.preference_applied:
                self._applied = {value.lower() for value in page.preference_applied}
            # The last page's delta link is staged with it: a resume then skips straight to permissions.
            self.repo.stage_page(library.id, page.items, page.next_link, page.delta_link)
            self.progress("items", len(page.items))
            if page.delta_link is not None:
                return page.delta_link, pages
        raise GraphError("The delta feed ended without a deltaLink.", status=None, code="incompleteDelta",
                         hint="Run the inventory again; if it repeats, run a full crawl with --full.")

    def _summarise(self, drive_id: str, kind: str) -> _Staged:
        """One streaming pass over the staged crawl: only ids that matter are kept, never the items."""
        known = self.repo.permission_read_ids(drive_id) if kind == "incremental" else set()
        summary = _Staged()
        for flags in self.repo.staged_flags(drive_id):
            summary.changes += 1
            if flags.deleted:
                summary.gone.add(flags.id)
                continue
            if flags.is_root:
                summary.root_shared = flags.shared
            if flags.shared or flags.is_root:
                summary.roots.add(flags.id)
            elif flags.id in known:
                summary.inheriting_known.append(flags.id)
            if flags.is_folder:
                summary.folders.add(flags.id)
        return summary

    def _mode(self, root_shared: bool | None, kind: str, stored_mode: str | None) -> str:
        if self.requested_mode == PER_ITEM:
            return PER_ITEM
        sharing_changes = self._sharing_changes()
        if kind == "incremental" and stored_mode:
            # A permission lost since the last full crawl downgrades; nothing upgrades without a full crawl
            # (which ``_sharing_regained`` starts when the service honours the sharing values again).
            return PER_ITEM if not sharing_changes else stored_mode
        # Under hierarchicalsharing the drive root always carries a shared facet (facts §1.4).
        roots_visible = root_shared is True
        return SHARING_DELTA if roots_visible and sharing_changes else PER_ITEM

    def _permission_targets(self, drive_id: str, summary: _Staged, kind: str,
                            mode: str) -> tuple[list[str], list[str]]:
        """Which items' permissions to (re-)read, and which former roots now inherit."""
        if mode == SHARING_DELTA:
            # Roots whose read failed on an earlier run are retried until they succeed.
            retry = self.repo.unread_permission_roots(drive_id, mode) if kind == "incremental" else set()
            dropped = summary.inheriting_known
            return sorted((summary.roots | retry) - summary.gone - set(dropped)), dropped
        # Permission-only changes are invisible without sharing deltas: re-read every item, every run.
        live = {f.id for f in self.repo.staged_flags(drive_id) if not f.deleted}
        everything = live | (self.repo.item_ids(drive_id) if kind == "incremental" else set())
        return sorted(everything - summary.gone), []

    async def _read_permissions(self, library: Library,
                                item_ids: list[str]) -> tuple[dict[str, list[Permission]], list[Gap]]:
        permissions: dict[str, list[Permission]] = {}
        gaps: list[Gap] = []
        for start in range(0, len(item_ids), BATCH_SIZE):
            chunk = item_ids[start:start + BATCH_SIZE]
            answers = await self.gateway.batch_get_permissions(library.id, chunk)
            for item_id in chunk:
                answer = answers.get(item_id)
                if isinstance(answer, list):
                    permissions[item_id] = answer
                elif getattr(answer, "status", None) == 404:
                    continue  # deleted since the delta page; the next delta reports it
                else:
                    error = answer if isinstance(answer, GraphError) else None
                    gaps.append(Gap(self.scope, f"{library.id}/{item_id}", "permissions",
                                    str(error) if error else "no answer for this item",
                                    getattr(error, "status", None), getattr(error, "hint", None)))
            self.progress("permissions", len(chunk))
        return permissions, gaps
