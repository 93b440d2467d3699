"""The optional tenant-wide search: Microsoft Search for the subject's e-mail and name (``[dsar] tenant_search``).

A hit inside a configured scope that no rule matched becomes a match to confirm (rule ``tenant
search``); a hit outside the scopes too, with scope ``tenant``: it can be exported once confirmed,
but an erasure plan lists it for handling by hand, since no statutory or retention rule of the
policy was evaluated there. A refusal is never silent: without the permission the case says "not
searched tenant-wide" and what to grant, and the case does not close as "nothing found".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from m365_compliance.config.schema import DsarConfig
from m365_compliance.dsar.matching import match_id, match_items
from m365_compliance.dsar.model import RULE_SEARCH, Case, Match, MatchItem
from m365_compliance.graph.errors import GraphError, PermissionDenied
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.model import SearchHit

OFF = "Tenant-wide search is off (dsar.tenant_search = false): only the configured scopes were searched."
NOT_PERMITTED = ("Not searched tenant-wide: the app may not use Microsoft Search (HTTP 403). Grant it the "
                 "application permission Files.Read.All or Sites.Read.All (a Sites.Selected grant does not cover "
                 "search), or search by hand (Purview content search); then run `dsar find` again.")


class SearchGateway(Protocol):
    async def search_drive_items(self, query: str, *, region: str) -> list[SearchHit]: ...


@dataclass(frozen=True)
class SearchOutcome:
    matches: tuple[Match, ...]
    note: str
    complete: bool  # False: the search was asked for and did not happen


def search_query(case: Case) -> str:
    """KQL: the e-mail or the name, each as a phrase."""
    terms = [case.subject_email, *([case.subject_name] if case.subject_name else [])]
    return " OR ".join('"' + t.replace('"', " ").strip() + '"' for t in terms)


async def search_tenant(case: Case, snapshot: Snapshot, settings: DsarConfig, gateway: SearchGateway,
                        known: tuple[Match, ...]) -> SearchOutcome:
    """Run the search and turn the hits no rule matched into matches to confirm."""
    if not settings.tenant_search:
        return SearchOutcome((), OFF, True)
    assert settings.search_region is not None  # the loader requires it with tenant_search
    try:
        hits = await gateway.search_drive_items(search_query(case), region=settings.search_region)
    except PermissionDenied:
        return SearchOutcome((), NOT_PERMITTED, False)
    except GraphError as error:
        return SearchOutcome((), f"Not searched tenant-wide: {error.message} {error.hint}", False)
    covered = {(m.drive_id, i.item_id) for m in known for i in m.items}
    scopes = {s.library.id: s for s in snapshot.scopes.values()}
    found: dict[str, Match] = {}
    for hit in hits:
        if (hit.drive_id, hit.item_id) in covered:
            continue
        mid = match_id(case.case_id, hit.drive_id, hit.item_id)
        scope = scopes.get(hit.drive_id)
        item = scope.items.get(hit.item_id) if scope is not None else None
        if scope is not None and item is not None:
            match = Match(mid, case.case_id, scope.scope, hit.drive_id, hit.item_id, RULE_SEARCH, "search",  # type: ignore[arg-type]
                          "pending", "Microsoft Search found the subject's e-mail or name in it.", hit.web_url,
                          match_items(scope, item))
        else:
            match = Match(mid, case.case_id, "tenant", hit.drive_id, hit.item_id, RULE_SEARCH, "search", "pending",
                          "Microsoft Search found the subject's e-mail or name in it, outside the configured "
                          "scopes.", hit.web_url, (MatchItem(hit.item_id, hit.name, hit.is_folder),))
        found[mid] = match
        covered.update((match.drive_id, i.item_id) for i in match.items)
    outside = sum(1 for m in found.values() if m.scope == "tenant")
    note = (f"Searched tenant-wide (region {settings.search_region}): {len(hits)} hits, {len(found)} not matched "
            f"otherwise ({outside} outside the configured scopes).")
    return SearchOutcome(tuple(found.values()), note, True)
