"""Invariant 1: retention labels are known before anything is planned (docs/safety.md).

The attack: a record label on a CV inside an applicant folder past its 12 months, and the demo's
record-labelled signed agreements of ended customers. Everything is approved and executed; the
sandbox must still hold every labelled item, and only unprotected items may be in its recycle bin.
"""

from __future__ import annotations

from night import Night, first_night

from m365_compliance.sandbox.demo import DemoTenant
from m365_compliance.sandbox.model import RetentionLabelDef

RECORD = "Avtale record"
REGULATORY = "Regulatorisk record"


def _plant_records(demo: DemoTenant) -> None:
    """In the first overdue applicant's folder: a record CV, a sub-folder with a regulatory record, a plain file."""
    t = demo.tenant
    t.add_label(RetentionLabelDef(REGULATORY, "retainAsRegulatoryRecord", 3650))
    overdue = sorted(demo.manifest.applicants_in("overdue"))[0]
    drive = t.drive(demo.manifest.recruitment_drive)
    folder = drive.items[overdue]
    files = [drive.items[c] for c in folder.children or () if not drive.items[c].is_folder]
    t.set_label(files[0], RECORD)
    certs = t.add_folder(drive, folder, "Attester")
    t.set_label(t.add_file(drive, certs, "attest-1.pdf"), REGULATORY)
    t.add_file(drive, certs, "attest-2.pdf")


def _ids(demo: DemoTenant) -> dict[str, str]:
    drive = demo.tenant.drive(demo.manifest.recruitment_drive)
    folder = drive.items[sorted(demo.manifest.applicants_in("overdue"))[0]]
    children = {drive.items[c].name: drive.items[c] for c in folder.children or ()}
    certs = children["Attester"]
    inside = {drive.items[c].name: c for c in certs.children or ()}
    record = next(i for i in children.values() if i.label is not None)
    plain = sorted(i.id for i in children.values() if not i.is_folder and i.label is None)
    return {"folder": folder.id, "record": record.id, "certs": certs.id, "regulatory": inside["attest-1.pdf"],
            "certs.plain": inside["attest-2.pdf"], "plain": plain[0]}


def test_labelled_items_in_an_expired_applicant_folder_are_never_deleted(tmp_path):
    night = first_night(tmp_path / "n", prepare=_plant_records)
    ids = _ids(night.demo)
    plan = night.plan()
    deleted = {a.item_id for a in plan.actions if a.kind == "delete_item"}
    assert not {ids["folder"], ids["record"], ids["certs"], ids["regulatory"]} & deleted
    assert {ids["plain"], ids["certs.plain"]} <= deleted  # the rest goes item by item
    kept = {s.subject.rsplit("/", 1)[1]: s for s in plan.skipped}
    assert kept[ids["record"]].code == "record_label" and f"'{RECORD}'" in kept[ids["record"]].reason
    assert kept[ids["regulatory"]].code == "record_label" and "regulatory record" in kept[ids["regulatory"]].reason
    assert kept[ids["folder"]].code == kept[ids["certs"]].code == "holds_protected"
    with night.served():
        approved = night.cli("approve", night.plan_path, "--by", "Marte Olsen", "--class", "applicant_deletion",
                             "--class", "customer_disposal", now=False)
        assert approved.exit_code == 0, approved.output
        applied = night.cli("apply", night.plan_path, "--execute")
    assert applied.exit_code == 0, applied.output
    tenant = night.demo.tenant
    for key in ("folder", "record", "certs", "regulatory"):
        assert night.alive(ids[key]) and not night.in_recycle_bin(ids[key]), key
    assert not night.alive(ids["plain"]) and night.in_recycle_bin(ids["plain"])
    assert not night.alive(ids["certs.plain"]) and night.in_recycle_bin(ids["certs.plain"])
    for record in night.demo.manifest.record_labelled:  # the demo's own records, ended customers included
        assert night.alive(record) and not night.in_recycle_bin(record)
    assert tenant.drive(night.demo.manifest.recruitment_drive).items[ids["record"]].label is not None


def test_the_demo_plan_keeps_the_record_labelled_agreements_and_says_so(night: Night):
    plan = night.plan()
    signed = night.item("Avtaler/Mjøsbanken ASA/Avtale signert.pdf")
    assert signed is not None and signed.id in night.demo.manifest.record_labelled
    assert signed.id not in {a.item_id for a in plan.actions if a.kind == "delete_item"}
    entry = next(s for s in plan.skipped if s.subject.endswith(signed.id))
    assert entry.code == "record_label" and RECORD in entry.reason
    with night.served() as server:
        before = server.app.meter.snapshot()["requestsByEndpoint"]
        replanned = night.cli("plan", "--out", night.out / "again.json")
        after = server.app.meter.snapshot()["requestsByEndpoint"]
    assert replanned.exit_code == 0, replanned.output
    assert f"kept (record_label): Item {signed.id} carries the retention label '{RECORD}'" in replanned.output
    # Labels are read for what deletions would remove, 20 per $batch: the cost follows the plan, not the tenant.
    label = "GET /drives/{id}/items/{id}/retentionLabel"  # the sandbox counts each $batch item at its own route
    batches = after.get("POST /$batch", 0) - before.get("POST /$batch", 0)
    reads = after.get(label, 0) - before.get(label, 0)
    deletable = {a.item_id for a in plan.actions if a.kind == "delete_item"}
    assert reads >= len(deletable) and 1 <= batches <= -(-reads // 20) + 2  # two libraries: ⌈n/20⌉ each at most
    assert reads < 0.5 * sum(len(d.items) for d in night.demo.tenant.drives.values())  # not the whole tenant


def test_a_label_graph_cannot_answer_keeps_the_item(night: Night):
    deletable = {a.item_id for a in night.plan().actions if a.kind == "delete_item"}
    assert deletable
    with night.served() as server:
        for _ in range(40):  # every label batch of the next plan answers an HTML error page
            server.app.malformed.replace_next("$batch", "html")
        again = night.cli("plan", "--out", night.out / "again.json")
    assert again.exit_code == 0, again.output
    from m365_compliance.actions.plan_json import read_plan

    plan = read_plan(night.out / "again.json")
    assert not [a for a in plan.actions if a.kind == "delete_item"]
    unknown = {s.subject.rsplit("/", 1)[1] for s in plan.skipped if s.code == "label_unknown"}
    assert deletable <= unknown
    assert "not a JSON object" in next(s.reason for s in plan.skipped if s.code == "label_unknown")
