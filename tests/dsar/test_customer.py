"""A customer's contact person asks for erasure: found by the register, confirmed because the agreement
runs, bookkeeping material kept with its reason and date, everything else erased."""

from __future__ import annotations

import json
import zipfile
from datetime import date

from dsar_world import World

from m365_compliance.actions.plan_json import read_plan
from m365_compliance.dsar.repository import CaseRepository

CUSTOMER = 6  # a running agreement whose contact person is a guest, with invoices and vouchers


def keep_until(cls: str, created: date) -> date:
    """Bokføringsloven § 13 as the demo policy reads it: 5 years (primary) or 3.5 years after the fiscal year."""
    return date(created.year + 5, 12, 31) if cls == "primary" else date(created.year + 4, 6, 30)


def test_statutory_documents_are_kept_with_reason_and_the_rest_erased(world: World) -> None:
    m, t = world.demo.manifest, world.demo.tenant
    customer = m.customers[CUSTOMER]
    guest = next(t.users[u] for u in customer.contacts if t.users[u].is_guest)
    today = t.clock.date()
    folder = world.subtree(m.customers_drive, customer.folder_id)
    own = {i.id: keep_until(m.statutory[i.id], i.created.date()) for i in folder if i.id in m.statutory}
    # An agreement is held at least as long as the folder's primary documentation (C6, docs/safety.md).
    latest_primary = max((d for i, d in own.items() if m.statutory[i] == "primary"), default=date.min)
    held = {i: max(d, latest_primary) if m.statutory[i] != "primary" else d for i, d in own.items()}
    held = {i: d for i, d in held.items() if d >= today}
    assert held and len(held) < len([i for i in folder if not i.is_folder])  # some kept, some not

    case = world.open(guest.mail, "erasure")
    found = world.cli("dsar", "find", case)
    assert "1 to confirm" in found.output
    with world.store() as store:
        (match,) = CaseRepository(store).matches(case)
    assert (match.rule, match.status, match.item_id) == ("register contact", "pending", customer.folder_id)
    assert "agreement runs" in match.reason
    refused = world.cli("dsar", "erase", case, ok=False)
    assert refused.exit_code == 1 and "await confirmation" in refused.output
    assert world.server.app.meter.snapshot()["writes"] == 0

    world.cli("dsar", "confirm", case, "--match", match.match_id, "--by", "Marte Olsen")
    plan_path = world.dir / "erasure.json"
    planned = world.cli("dsar", "erase", case, "--out", plan_path)
    assert f"statutory_hold {len(held)}" in planned.output
    plan = read_plan(plan_path)
    assert {s.subject.rsplit("/", 1)[1] for s in plan.skipped} == set(held)
    assert all(s.code == "statutory_hold" and "bokføringsloven" in s.reason for s in plan.skipped)
    deleted = {i for a in plan.actions for i in (a.item_id, *(c for c, _ in a.expected_contents))}
    everything = {i.id for i in folder if i.id != customer.folder_id}
    kept_folders = {i.parent_id for i in folder if i.id in held} | {customer.folder_id}
    assert deleted == everything - set(held) - kept_folders  # what is not kept goes; folders holding kept items stay

    world.cli("approve", plan_path, "--class", "dsar_erasure", "--by", "Marte Olsen")
    world.cli("dsar", "erase", case, "--apply", plan_path, "--execute", "--statement-out", world.dir)
    left = set(t.drive(m.customers_drive).items)
    assert set(held) <= left and not deleted & left
    statement = json.loads((world.dir / f"{case}-statement.json").read_text(encoding="utf-8"))
    assert statement["outcome"] == "erased"
    assert sorted(k["keepUntil"] for k in statement["kept"]) == sorted(d.isoformat() for d in held.values())
    assert all(k["code"] == "statutory_hold" and "Art. 17(3)(b)" in k["reason"] for k in statement["kept"])
    assert sum(d["items"] for d in statement["deleted"]) == len(deleted)
    letter = (world.dir / f"{case}-statement.txt").read_text(encoding="utf-8")
    assert "Beholdt" in letter and "Kept, with the reason" in letter
    with world.store() as store:
        closed = CaseRepository(store).get(case)
    assert (closed.status, closed.erased_items, closed.kept_items) == ("closed", len(deleted), len(held))


def test_a_customers_copy_holds_the_register_entry(world: World) -> None:
    m, t = world.demo.manifest, world.demo.tenant
    customer = m.customers[CUSTOMER]
    guest = next(t.users[u] for u in customer.contacts if t.users[u].is_guest)
    case = world.open(guest.mail, "access")
    assert "0 to confirm" in world.cli("dsar", "find", case).output  # access to a running agreement: no doubt
    world.cli("dsar", "export", case, "--out", world.dir)
    with zipfile.ZipFile(world.dir / f"{case}-export.zip") as zf:
        manifest = json.loads(zf.read("manifest.json"))
    (entry,) = manifest["registerEntries"]
    assert entry["Title"] == customer.name and entry["id"] == str(customer.row_ids[0])
    statutory = [e for e in manifest["files"] if e["keepUntil"] and "bokføringsloven" in e["retention"]]
    assert statutory and all(e["purpose"].startswith("Kundeavtale") for e in manifest["files"])
    running = [e for e in manifest["files"] if "runs" in e["retention"]]
    assert running and all(e["keepUntil"] is None for e in running)
