"""Invariant 6: retention events cannot be steered by data, and fire only when approved (docs/safety.md).

The attack: a register cell whose agreement id is a query (``… OR ComplianceAssetID:* OR Path:*``),
with every event auto-approved and the run in execute mode. The sandbox's list of fired events is
the evidence: none may carry anything but ``ComplianceAssetID:"<a valid id>"``.
"""

from __future__ import annotations

import re

from night import Night, first_night

from m365_compliance.sandbox.demo import DemoTenant

HOSTILE = "321-2017-002 OR ComplianceAssetID:* OR Path:*"
QUERY = re.compile(r'^ComplianceAssetID:"[A-Za-z0-9_./-]{1,64}"$')


def _hostile_register(demo: DemoTenant) -> None:
    """The first ended agreement's id in the register becomes a query."""
    t, m = demo.tenant, demo.manifest
    register = t.list_by_name(t.site(t.drive(m.customers_drive).site_id), "Avtaleregister")
    ended = next(c for c in m.customers if c.ended is not None and c.folder_id)
    t.update_list_item(register, int(ended.row_ids[0]), {"AvtaleId": HOSTILE})


def test_a_query_in_a_register_cell_never_reaches_an_event(tmp_path):
    night = first_night(tmp_path / "n", prepare=_hostile_register)
    night.edit_policy(("auto_approve_applicant_deletions = false", "auto_approve_applicant_deletions = true"))
    night.edit_policy(("recycle_bin = true", "recycle_bin = true\nauto_approve_retention_events = true"))
    with night.served():
        run = night.cli("run", "--mode", "execute", "--out", night.out / "night2")
    assert run.exit_code in (0, 3, 4), run.output
    fired = [q for e in night.demo.tenant.retention_events for _, q in e.queries]
    assert fired, "the other ended agreements' events were fired"
    assert all(QUERY.match(q) for q in fired), fired
    assert not [q for q in fired if "*" in q or " OR " in q or "321-2017-002" in q]
    plan = (night.out / "night2" / "plan.json").read_text(encoding="utf-8")
    assert "bad_asset_id" in plan and HOSTILE not in plan
    with night.db() as db:
        invalid = db.execute("SELECT COUNT(*) FROM findings WHERE rule_id='c4.invalid-row' AND body LIKE "
                             "'%AvtaleId is not a valid agreement id%'").fetchone()[0]
    assert invalid >= 1  # the row is a register-hygiene finding


def test_an_event_waits_for_approval_unless_the_policy_file_approves_it(night: Night):
    events = [a for a in night.plan().actions if a.kind == "fire_retention_event"]
    assert events and all(a.approval_class == "retention_event" for a in events)
    with night.served():
        waiting = night.cli("apply", night.plan_path, "--execute")
        assert waiting.exit_code == 0 and not night.demo.tenant.retention_events
        assert "retention_event" in waiting.output
        night.cli("approve", night.plan_path, "--by", "Marte Olsen", "--class", "retention_event", now=False)
        fired = night.cli("apply", night.plan_path, "--execute")
    assert fired.exit_code == 0, fired.output
    queries = sorted(q for e in night.demo.tenant.retention_events for _, q in e.queries)
    assert queries == sorted(f'ComplianceAssetID:"{a.asset_id}"' for a in events)


def _steal_id(demo: DemoTenant, stolen: str) -> None:
    """The first ended agreement's row names another agreement's id (or a piece of one)."""
    t, m = demo.tenant, demo.manifest
    register = t.list_by_name(t.site(t.drive(m.customers_drive).site_id), "Avtaleregister")
    running = next(c for c in m.customers if c.ended is None and c.folder_id)
    ended = next(c for c in m.customers if c.ended is not None and c.folder_id)
    value = register.items[int(running.row_ids[0])].fields["AvtaleId"] if stolen == "running" else stolen
    t.update_list_item(register, int(ended.row_ids[0]), {"AvtaleId": value})


def test_an_agreement_id_shared_with_another_row_never_reaches_an_event(tmp_path):
    """Two rows with one id, or an id that is a piece of another (``321`` in ``321-2016-001``): an event for it
    would start disposal of the other agreement's documents — a running one."""
    for n, stolen in enumerate(("running", "321")):
        night = first_night(tmp_path / f"n{n}", prepare=lambda demo, s=stolen: _steal_id(demo, s))
        night.edit_policy(("recycle_bin = true", "recycle_bin = true\nauto_approve_retention_events = true"))
        with night.served():
            night.cli("run", "--mode", "execute", "--out", night.out / "night2")
        fired = [q for e in night.demo.tenant.retention_events for _, q in e.queries]
        register_ids = _register_ids(night)
        assert fired and all(QUERY.match(q) for q in fired)
        assert not [q for q in fired if q.split('"')[1] == "321" or register_ids.count(q.split('"')[1]) > 1]
        assert "bad_asset_id" in (night.out / "night2" / "plan.json").read_text(encoding="utf-8")


def _register_ids(night: Night) -> list[str]:
    t, m = night.demo.tenant, night.demo.manifest
    register = t.list_by_name(t.site(t.drive(m.customers_drive).site_id), "Avtaleregister")
    return [str(r.fields.get("AvtaleId")) for r in register.items.values()]
