"""A delta link that addresses anything but the crawled library's own delta is never followed, staged or stored,
and a checkpoint that cannot be resumed never wedges the inventory (issue: an inventory that never wedges and
never lies).

The attacks, through a tampering proxy in front of the demo tenant (``tamper.Tamper``) or on the store a
version before the fix wrote; between the first night and the attacked one, a new applicant folder with an
anonymous link appears in the recruitment library, and every assertion is about what the store holds:

* A: recruitment's ``@odata.deltaLink`` rewritten to the customers library's (valid, same origin) delta link;
  such a link already stored;
* B: recruitment's last delta page answering a same-origin ``@odata.nextLink`` to ``/v1.0/nope`` (and to
  ``/v1.0/..//host/v1.0``, and to the other library); such a link already checkpointed; a checkpoint whose
  well-formed link fails on resume with a non-transient answer.
"""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple
from urllib.parse import unquote

import httpx
import pytest
from night import Night, new_applicant_with_anonymous_link
from tamper import Tamper

from m365_compliance.graph.answers import delta_link_problem
from m365_compliance.graph.configured import gateway_settings
from m365_compliance.graph.errors import (
    AuthenticationError,
    GraphError,
    NotFound,
    PermissionDenied,
    Throttled,
    TransportError,
)
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.inventory.crawl import keeps_checkpoint
from m365_compliance.inventory.service import InventoryOutcome, inventory_from_config

GRAPH = "https://graph.microsoft.com/v1.0"
DRIVE = "b!abc"


# ---------------------------------------------------------------------- the check itself
@pytest.mark.parametrize("link", [
    f"{GRAPH}/drives/b!abc/root/delta?token=x",  # Graph's link form (facts §1.1)
    f"{GRAPH}/drives/b!abc/root/delta?$select=id,name&$top=1000&token=eyJ9",
    f"{GRAPH}/drives/b!abc/items/root/delta()",  # what the client requests
    f"{GRAPH}/drives/b%21abc/root/delta(token='x')",  # percent-encoded id, token in the path
    f"{GRAPH}/drives/b!abc/root/delta",
])
def test_a_link_to_the_librarys_own_delta_passes(link):
    assert delta_link_problem(link, GRAPH, DRIVE) is None


@pytest.mark.parametrize("link", [
    f"{GRAPH}/drives/b!abd/root/delta?token=x",  # another library
    f"{GRAPH}/drives/b!abcd/root/delta?token=x",  # an id that merely starts with this one
    f"{GRAPH}/drives/b!ab/root/delta?token=x",
    f"{GRAPH}/nope",
    f"{GRAPH}/..//127.0.0.1:18999/v1.0",
    f"{GRAPH}/drives/b!abc/root/../../b!abd/root/delta",
    f"{GRAPH}/drives/b!abc/root/%2e%2e/%2e%2e/b!abd/root/delta",
    f"{GRAPH}/drives/b!abc%2Froot/delta",
    f"{GRAPH}/drives/b!abc//root/delta",
    f"{GRAPH}/drives/b!abc/items/01XYZ/delta",  # a folder's delta, not the root's
    f"{GRAPH}/drives/b!abc/root/children?next=/drives/b!abc/root/delta",
    f"{GRAPH}/sites/s1/drive/root/delta",  # which library that is cannot be told from the link
    f"{GRAPH}/drives/b!abc/root/deltas",
    "https://graph.microsoft.com.example/v1.0/drives/b!abc/root/delta",
    "https://graph.microsoft.com/beta/drives/b!abc/root/delta",
    "http://graph.microsoft.com/v1.0/drives/b!abc/root/delta",
])
def test_any_other_link_is_refused(link):
    assert delta_link_problem(link, GRAPH, DRIVE) is not None


def test_only_a_passing_failure_keeps_a_checkpoint():
    assert keeps_checkpoint(Throttled("429", retry_after=None, status=429))
    assert keeps_checkpoint(TransportError("dropped"))
    assert keeps_checkpoint(GraphError("504", status=504))
    assert keeps_checkpoint(AuthenticationError("401", status=401))  # a restart would meet it just the same
    assert keeps_checkpoint(PermissionDenied("403", permission="Files.Read.All", status=403))
    assert not keeps_checkpoint(GraphError("400", status=400))
    assert not keeps_checkpoint(NotFound("404", status=404))
    assert not keeps_checkpoint(GraphError("html", code="malformedResponse"))
    assert not keeps_checkpoint(GraphError("link", code="foreignDeltaLink"))


# ---------------------------------------------------------------------- the attacks
class Library(NamedTuple):
    drive: str
    delta_link: str
    mode: str


def _library(night: Night, scope: str) -> Library:
    with night.db() as db:
        return Library(*db.execute("SELECT drive_id, delta_link, mode FROM libraries WHERE scope=?",
                                   (scope,)).fetchone())


def _tampered_inventory(night: Night, rewrite: Any) -> InventoryOutcome:
    """One inventory of the night's store through the tampering proxy."""
    config = night.config

    async def run() -> InventoryOutcome:
        async with GraphGateway(gateway_settings(config), transport=Tamper(rewrite)) as graph:
            return await inventory_from_config(config, gateway=graph)

    with night.served():
        return asyncio.run(run())


def _last_run(night: Night) -> tuple[str, str]:
    with night.db() as db:
        return db.execute("SELECT id, status FROM runs WHERE kind='inventory' ORDER BY started_at DESC, id DESC "
                          "LIMIT 1").fetchone()


def _gap_operations(night: Night, run_id: str) -> set[tuple[str, str]]:
    with night.db() as db:
        return set(db.execute("SELECT scope, operation FROM gaps WHERE run_id=?", (run_id,)).fetchall())


def _checkpoint_links(night: Night) -> list[str]:
    with night.db() as db:
        rows = db.execute("SELECT next_link, base_delta_link FROM checkpoints").fetchall()
    return [link for row in rows for link in row if link]


def _stored_with_anonymous_link(night: Night, drive: str, item_id: str) -> bool:
    """The item is in the store, in that library, with its anonymous link among its permissions."""
    with night.db() as db:
        item = db.execute("SELECT 1 FROM items WHERE drive_id=? AND item_id=?", (drive, item_id)).fetchone()
        link = db.execute("SELECT 1 FROM permissions WHERE drive_id=? AND item_id=? AND link_scope='anonymous'",
                          (drive, item_id)).fetchone()
    return item is not None and link is not None


def _items(night: Night, drive: str) -> set[str]:
    with night.db() as db:
        return {r[0] for r in db.execute("SELECT item_id FROM items WHERE drive_id=?", (drive,))}


def _is_recruitment_delta(request: httpx.Request, drive: str) -> bool:
    path = unquote(request.url.path)
    return f"/drives/{drive}/" in path and "/delta" in path


def _assert_next_clean_night_is_complete_and_sees(night: Night, folder: str, *args: str) -> None:
    recruitment = _library(night, "recruitment")
    with night.served():
        clean = night.cli("inventory", *args, now=False)
    assert clean.exit_code == 0, clean.output
    run_id, status = _last_run(night)
    assert status == "complete" and not _gap_operations(night, run_id)
    assert _stored_with_anonymous_link(night, recruitment.drive, folder)  # the change reached the store
    assert delta_link_problem(_library(night, "recruitment").delta_link, night.config.tenant.graph_url,
                              recruitment.drive) is None
    assert _checkpoint_links(night) == []


def test_a_delta_link_to_another_library_is_refused_and_never_stored(night: Night):
    """Attack A: the recruitment library's deltaLink rewritten to the customers library's valid one."""
    recruitment, customers = _library(night, "recruitment"), _library(night, "customers")
    before = _items(night, recruitment.drive)
    folder = new_applicant_with_anonymous_link(night.demo)

    def steal(request: httpx.Request, body: dict[str, Any]) -> dict[str, Any] | None:
        if _is_recruitment_delta(request, recruitment.drive) and "@odata.deltaLink" in body:
            return {**body, "@odata.deltaLink": customers.delta_link}
        return None

    _tampered_inventory(night, steal)
    run_id, status = _last_run(night)
    assert status == "complete-with-gaps" and ("recruitment", "delta") in _gap_operations(night, run_id)
    assert _library(night, "recruitment").delta_link == recruitment.delta_link  # kept, not replaced
    assert customers.delta_link not in _checkpoint_links(night)  # not staged either
    assert _items(night, recruitment.drive) == before  # nothing committed from that crawl
    assert _library(night, "customers").mode == customers.mode
    _assert_next_clean_night_is_complete_and_sees(night, folder)


def test_a_stored_delta_link_to_another_library_is_refused_until_a_full_crawl(night: Night):
    """Attack A on a store written before the fix: recruitment's stored link is the customers library's."""
    recruitment, customers = _library(night, "recruitment"), _library(night, "customers")
    before = _items(night, recruitment.drive)
    with night.db() as db:
        db.execute("UPDATE libraries SET delta_link=? WHERE drive_id=?", (customers.delta_link, recruitment.drive))
    folder = new_applicant_with_anonymous_link(night.demo)
    with night.served():
        blind = night.cli("inventory", now=False)
    assert blind.exit_code == 3, blind.output  # a gap, not a "complete" night
    run_id, status = _last_run(night)
    assert status == "complete-with-gaps" and ("recruitment", "delta") in _gap_operations(night, run_id)
    assert _library(night, "recruitment").delta_link == customers.delta_link  # not followed, so not replaced
    assert _items(night, recruitment.drive) == before
    assert "--full" in blind.output  # the gap names the fix …
    _assert_next_clean_night_is_complete_and_sees(night, folder, "--full")  # … which works


@pytest.mark.parametrize("bad", ["/nope", "/..//127.0.0.1:18999/v1.0", "customers"])
def test_a_bad_next_link_is_never_staged_and_the_next_clean_night_is_complete(night: Night, bad: str):
    """Attack B: recruitment's last delta page answers a same-origin nextLink that is not its delta."""
    recruitment, customers = _library(night, "recruitment"), _library(night, "customers")
    link = customers.delta_link if bad == "customers" else night.config.tenant.graph_url + bad
    folder = new_applicant_with_anonymous_link(night.demo)
    done: list[int] = []

    def poison(request: httpx.Request, body: dict[str, Any]) -> dict[str, Any] | None:
        if done or not _is_recruitment_delta(request, recruitment.drive) or "@odata.deltaLink" not in body:
            return None
        done.append(1)
        return {**{k: v for k, v in body.items() if k != "@odata.deltaLink"}, "@odata.nextLink": link}

    _tampered_inventory(night, poison)
    assert done
    run_id, status = _last_run(night)
    assert status == "complete-with-gaps" and ("recruitment", "delta") in _gap_operations(night, run_id)
    assert link not in _checkpoint_links(night)  # never staged as the place to resume from
    assert _library(night, "recruitment").delta_link == recruitment.delta_link
    _assert_next_clean_night_is_complete_and_sees(night, folder)


def _plant_checkpoint(night: Night, drive: str, next_link: str) -> None:
    """A checkpoint as a version before the fix left it: one page staged, ``next_link`` to go on from."""
    with night.db() as db:
        db.execute("INSERT OR REPLACE INTO checkpoints(drive_id, run_id, kind, next_link, base_delta_link, pages, "
                   "updated_at) VALUES (?, '20261101T000000Z-killed', 'incremental', ?, NULL, 1, "
                   "'2026-11-01T00:00:00+00:00')", (drive, next_link))


@pytest.mark.parametrize("bad", ["/nope", "/..//127.0.0.1:18999/v1.0"])
def test_a_checkpoint_holding_a_bad_link_is_dropped_and_the_same_run_is_complete(night: Night, bad: str):
    """Attack B on a store written before the fix: the poisoned nextLink is already the checkpoint."""
    recruitment = _library(night, "recruitment")
    _plant_checkpoint(night, recruitment.drive, night.config.tenant.graph_url + bad)
    folder = new_applicant_with_anonymous_link(night.demo)
    _assert_next_clean_night_is_complete_and_sees(night, folder)  # this very run, not "forever a 400"


def test_a_checkpoint_whose_resume_fails_for_good_is_dropped_in_the_same_run(night: Night):
    """A well-formed checkpoint link whose first request fails with a non-transient answer (an HTML page at
    200, the same as a 400 or 404 here): the crawl starts again from the stored delta link in that run."""
    recruitment = _library(night, "recruitment")
    _plant_checkpoint(night, recruitment.drive, recruitment.delta_link)
    folder = new_applicant_with_anonymous_link(night.demo)
    with night.served() as server:
        server.app.malformed.replace_next(f"/drives/{recruitment.drive}/", "html")  # the resumed request
        again = night.cli("inventory", now=False)
        assert server.app.malformed.replaced == 1
    assert again.exit_code == 0, again.output
    run_id, status = _last_run(night)
    assert status == "complete" and not _gap_operations(night, run_id)
    assert _stored_with_anonymous_link(night, recruitment.drive, folder)
    assert _checkpoint_links(night) == []
    with night.db() as db:
        summary = db.execute("SELECT summary FROM runs WHERE id=?", (run_id,)).fetchone()[0]
    assert "could not be resumed" in summary  # the run summary says why the crawl started again
