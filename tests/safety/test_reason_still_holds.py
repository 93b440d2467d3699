"""Invariant 4: the reason must still hold right before each destructive action (docs/safety.md).

The attack: a plan approved on night 1 is replayed after the tenant moved on — the agreement was
renewed in the register, an applicant was marked hired, a file was moved out of the scope folder.
A new inventory ran; the old plan is applied with every approval in place.
"""

from __future__ import annotations

from night import Night

from m365_compliance.actions.journal import Journal
from m365_compliance.state.store import StateStore

ALL = ("--class", "customer_disposal", "--class", "applicant_deletion", "--class", "retention_event")


def _outcomes(night: Night, plan_id: str) -> dict[str, tuple[str, str, str]]:
    with StateStore(night.store_path) as store:
        return {e["action_id"]: (e["result"], e["code"], e["reason"]) for e in Journal(store).entries(plan_id)
                if e["event"] == "outcome" and e["mode"] == "execute"}


def test_a_replayed_plan_does_nothing_whose_reason_is_gone(night: Night):
    plan = night.plan()
    m, t = night.demo.manifest, night.demo.tenant
    disposals = [a for a in plan.actions if a.kind == "delete_item" and a.scope == "customers"]
    events = [a for a in plan.actions if a.kind == "fire_retention_event"]
    applicant = next(a for a in plan.actions if a.kind == "delete_item" and a.scope == "recruitment")
    # The agreement of the first disposal's folder is renewed: its end date is cleared in the register.
    register = t.list_by_name(t.site(t.drive(m.customers_drive).site_id), "Avtaleregister")
    folder = t.item(m.customers_drive, disposals[0].item_id)
    while folder.parent_id != t.drive(m.customers_drive).root_id:
        folder = t.item(m.customers_drive, folder.parent_id)
    row = next(r for r in register.items.values() if r.fields.get("Mappe") == folder.name)
    t.update_list_item(register, row.id, {"Sluttdato": None})
    renewed = [a for a in disposals if _under(t, m.customers_drive, a.item_id, folder.id)]
    renewed_events = [a for a in events if a.item_id == folder.id]
    assert renewed and renewed_events
    # The overdue applicant is marked hired.
    t.set_fields(t.item(m.recruitment_drive, applicant.item_id), {"Ansatt": True})
    # A file due for disposal in another folder is moved out of the customer folders (to the library root).
    moved = next(a for a in disposals if a not in renewed)
    t.move(t.item(m.customers_drive, moved.item_id), t.drive(m.customers_drive).items[t.drive(m.customers_drive).root_id])
    with night.served():
        assert night.cli("inventory", now=False).exit_code in (0, 3)
        night.cli("approve", night.plan_path, "--by", "Marte Olsen", *ALL, now=False)
        applied = night.cli("apply", night.plan_path, "--execute")
    assert applied.exit_code == 0, applied.output
    outcomes = _outcomes(night, plan.id)
    for action in [*renewed, applicant, moved]:
        assert night.alive(action.item_id) and not night.in_recycle_bin(action.item_id), action.item_id
        result, code, reason = outcomes[action.action_id]
        assert (result, code) == ("skipped", "reason_gone") and "no longer holds" in reason
    fired = {q for e in t.retention_events for _, q in e.queries}
    assert not [e for e in renewed_events if any(e.asset_id in q for q in fired)]  # no event for a renewed agreement
    for action in renewed_events:
        assert outcomes[action.action_id][:2] == ("skipped", "reason_gone")
    # What still holds went ahead: the other disposals are in the recycle bin.
    others = [a for a in disposals if a not in renewed and a is not moved]
    assert others and all(night.in_recycle_bin(a.item_id) for a in others)


def _under(t, drive_id: str, item_id: str, folder_id: str) -> bool:
    item = t.item(drive_id, item_id)
    return any(a.id == folder_id for a in t.ancestors(item))
