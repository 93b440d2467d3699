"""Invariant 2: no action from a stale picture (docs/safety.md).

The attack: the recruitment site answers 403 on the second night, with every applicant deletion
approved in advance and the run in execute mode; and a picture older than ``limits.max_snapshot_age``.
"""

from __future__ import annotations

import json

from night import Night

from m365_compliance.actions.plan_json import read_plan

AUTO = ("auto_approve_applicant_deletions = false", "auto_approve_applicant_deletions = true")


def test_a_site_the_newest_inventory_cannot_read_gets_no_action_and_its_findings_go_stale(night: Night):
    night.edit_policy(AUTO)
    m, tenant = night.demo.manifest, night.demo.tenant
    overdue = m.applicants_in("overdue")
    tenant.access.denied_sites.add(tenant.drive(m.recruitment_drive).site_id)
    with night.served() as server:
        run = night.cli("run", "--mode", "execute", "--out", night.out / "night2")
        writes = server.app.meter.snapshot()["writes"]
    assert run.exit_code in (3, 4), run.output  # incomplete (the gap) or failing: never "all is well"
    assert all(night.alive(folder) for folder in overdue)  # nothing was deleted in the unreadable scope …
    assert not any(night.in_recycle_bin(folder) for folder in overdue)
    plan = read_plan(night.out / "night2" / "plan.json")
    assert not [a for a in plan.actions if a.scope == "recruitment"]
    stale = [s for s in plan.skipped if s.code == "stale_picture"]
    assert stale and "403" in stale[0].reason
    assert not [e for e in tenant.recycle_bin.values() if e.drive_id == m.recruitment_drive]
    assert writes > 0  # the run did write — in the scope it could read
    findings = json.loads((night.out / "night2" / "run-summary.json").read_text(encoding="utf-8"))
    assert findings["stages"][0]["status"] == "incomplete"
    evaluation = night.latest_evaluation()
    with night.db() as db:
        rows = [json.loads(b) for (b,) in db.execute(
            "SELECT body FROM findings WHERE evaluation_id=? AND rule_id='c2.applicant-retention'", (evaluation,))]
    # … and what was known of it is shown as stale, with the reason, never as a current failure.
    assert rows and all(r["status"] == "not_evaluated" for r in rows)
    assert all(r["message"].startswith("Stale since ") and "403" in r["message"] for r in rows)
    assert {r["evidence"]["statusWhenRead"] for r in rows} >= {"fail"}
    report = (night.out / "night2" / "report.html").read_text(encoding="utf-8")
    assert "Utdatert siden" in report and "(HTTP 403)" in report  # the policy's language: bokmål
    # The customer scope was read: its approved work went ahead in the same run.
    assert [a for a in plan.actions if a.scope == "customers"]


def test_a_picture_older_than_max_snapshot_age_plans_nothing(night: Night):
    with night.db() as db:  # the inventory finished 40 hours ago (wall time), and none ran since
        db.execute("UPDATE runs SET started_at='2020-01-01T00:00:00+00:00', finished_at='2020-01-01T00:00:00+00:00' "
                   "WHERE kind='inventory'")
    with night.served():
        planned = night.cli("plan", "--out", night.out / "old.json")
    assert planned.exit_code == 0, planned.output
    plan = read_plan(night.out / "old.json")
    assert not plan.actions
    assert {s.code for s in plan.skipped} >= {"stale_picture"}
    assert "max_snapshot_age" in next(s.reason for s in plan.skipped if s.code == "stale_picture")
