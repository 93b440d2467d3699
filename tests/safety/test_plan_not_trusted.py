"""Invariant 3: the plan file is not trusted (docs/safety.md).

The attacks: a hand-edited plan whose id was recomputed to match (so it looks intact), a plan that
was never recorded in this store, a plan older than ``limits.max_plan_age``, and a plan whose
safety fields say "no approval, recycle bin off" while the policy file now says otherwise.
"""

from __future__ import annotations

import json

from night import Night

from m365_compliance.actions.plan_json import plan_from_json
from m365_compliance.actions.plan_model import content_hash


def _forge(night: Night) -> str:
    """plan.json with every approval requirement removed and its id recomputed to match, as an attacker who
    read plan_model.py would; returns the forged id."""
    body = json.loads(night.plan_path.read_text(encoding="utf-8"))
    for action in body["actions"]:
        action["requiresApproval"] = False
        action.pop("approvalClass", None)
    body["id"] = content_hash("plan", {k: v for k, v in body.items() if k not in ("id", "format", "createdAt")})
    night.plan_path.write_text(json.dumps(body, indent=2, sort_keys=True), encoding="utf-8")
    return str(body["id"])


def _customer_deletions(night: Night) -> list[str]:
    return [a.item_id for a in night.plan().actions if a.kind == "delete_item" and a.scope == "customers"]


def test_a_forged_plan_with_a_matching_id_is_refused_and_nothing_happens(night: Night):
    victims = _customer_deletions(night)
    forged = _forge(night)
    assert plan_from_json(night.plan_path.read_text(encoding="utf-8")).id == forged  # it looks intact
    with night.served() as server:
        applied = night.cli("apply", night.plan_path, "--execute")
        approved = night.cli("approve", night.plan_path, "--by", "Mallory", "--class", "customer_disposal", now=False)
        writes = server.app.meter.snapshot()["writes"]
    assert applied.exit_code == 2 and "was not made by `m365-compliance plan` with this state store" in applied.output
    assert approved.exit_code == 2 and "was not made by" in approved.output
    assert writes == 0 and all(night.alive(v) for v in victims)
    with night.db() as db:
        assert db.execute("SELECT COUNT(*) FROM plans WHERE plan_id=?", (forged,)).fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM approvals").fetchone()[0] == 0


def test_a_plan_recorded_longer_ago_than_max_plan_age_is_refused(night: Night):
    with night.db() as db:
        db.execute("UPDATE plans SET recorded_at='2026-01-01T00:00:00+00:00'")
    with night.served() as server:
        night.cli("approve", night.plan_path, "--by", "Marte", "--class", "customer_disposal", now=False)
        applied = night.cli("apply", night.plan_path, "--execute")
        writes = server.app.meter.snapshot()["writes"]
    assert applied.exit_code == 2 and "longer than limits.max_plan_age" in applied.output
    assert writes == 0 and all(night.alive(v) for v in _customer_deletions(night))


def test_what_decides_safety_comes_from_the_policy_file_at_apply_time(tmp_path):
    """Planned under a policy that auto-approved applicant deletions and skipped the recycle bin; applied
    after both were turned back: the deletions wait for approval, and then go to the recycle bin."""
    from night import first_night

    night = first_night(tmp_path / "n")
    night.edit_policy(("auto_approve_applicant_deletions = false", "auto_approve_applicant_deletions = true"),
                      ("recycle_bin = true", "recycle_bin = false"))
    with night.served():
        assert night.cli("plan", "--out", night.plan_path).exit_code == 0
    plan = night.plan()
    applicant = [a for a in plan.actions if a.kind == "delete_item" and a.scope == "recruitment"]
    assert applicant and all(not a.requires_approval and a.permanent for a in applicant)  # as planned
    night.edit_policy(("auto_approve_applicant_deletions = true", "auto_approve_applicant_deletions = false"),
                      ("recycle_bin = false", "recycle_bin = true"))
    with night.served():
        waiting = night.cli("apply", night.plan_path, "--execute")
        assert waiting.exit_code == 0, waiting.output
        assert all(night.alive(a.item_id) for a in applicant)  # the plan said "no approval": not believed
        assert "awaiting approval: applicant_deletion" in waiting.output
        night.cli("approve", night.plan_path, "--by", "Marte", "--class", "applicant_deletion", now=False)
        done = night.cli("apply", night.plan_path, "--execute")
    assert done.exit_code == 0, done.output
    for action in applicant:  # the plan said "permanent": the policy says recycle bin, and it wins
        assert not night.alive(action.item_id) and night.in_recycle_bin(action.item_id)
