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


def _weak_policy(night: Night, *, drop: str) -> object:
    """A copy of the policy file (same version, same store) without the statutory classes or the hired column."""
    text = night.policy.read_text(encoding="utf-8")
    if drop == "statutory":
        head, _, rest = text.partition("[[retention.statutory]]")
        rest = rest.split("[limits]", 1)[1]
        text = head + "[limits]" + rest
    else:
        text = text.replace('hired_column = "Ansatt"\n', "")
    weak = night.out / f"weak-{drop}.toml"
    weak.write_text(text, encoding="utf-8")
    return weak


def test_a_plan_made_under_a_weakened_policy_file_deletes_nothing_the_policy_in_force_keeps(night: Night):
    """Planned with a copy of the policy file that forgot bookkeeping law and the hired mark (same version, same
    store); applied with the policy in force: apply re-evaluates with it, so nothing held or hired goes."""
    m = night.demo.manifest
    with night.db() as db:  # what the policy in force keeps by law, as the first night evaluated it
        held = {r[0] for r in db.execute("SELECT json_extract(body, '$.itemId') FROM findings "
                                         "WHERE rule_id='c6.statutory-hold'")}
    assert held
    statutory, hired = _weak_policy(night, drop="statutory"), _weak_policy(night, drop="hired")
    with night.served() as server:
        for weak, out in ((statutory, "weak-a.json"), (hired, "weak-b.json")):
            made = CliRunner_invoke(night, "plan", "--config", weak, "--out", night.out / out, "--now", night.now)
            assert made.exit_code in (0, 3), made.output
            night.cli("approve", night.out / out, "--by", "Mallory", *ALL, now=False)
            night.cli("apply", night.out / out, "--execute")
        writes = server.app.meter.snapshot()["writes"]
    assert writes > 0  # the rest of those plans did run
    assert all(night.alive(i) for i in held)  # nothing bookkeeping law keeps was deleted …
    for applicant in (a for a in m.applicants if a.hired):  # … and no hired applicant's folder
        assert night.alive(applicant.folder_id)


def CliRunner_invoke(night: Night, *args: object):  # noqa: N802 - a command with its own --config
    from click.testing import CliRunner

    from m365_compliance.cli.main import cli

    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def test_a_rehearsal_of_a_later_date_never_executes(night: Night):
    later = "2027-09-01T00:00:00+00:00"
    with night.served() as server:
        rehearsed = CliRunner_invoke(night, "plan", "--config", night.policy, "--out", night.out / "later.json",
                                     "--now", later)
        assert rehearsed.exit_code in (0, 3), rehearsed.output
        from m365_compliance.actions.plan_json import read_plan

        plan = read_plan(night.out / "later.json")
        not_yet = [a for a in plan.actions if a.kind == "delete_item" and a.scope == "recruitment"
                   and a.item_id in night.demo.manifest.applicants_in("within")]  # due after today
        assert not_yet, "the rehearsal plans deleting folders that are not due today"
        night.cli("approve", night.out / "later.json", "--by", "Mallory", *ALL, now=False)
        refused = CliRunner_invoke(night, "apply", night.out / "later.json", "--config", night.policy, "--execute",
                                   "--now", later)
        run = CliRunner_invoke(night, "run", "--config", night.policy, "--mode", "execute", "--now", later, "--out",
                               night.out / "later-run")
        writes_refused = server.app.meter.snapshot()["writes"]
        today = CliRunner_invoke(night, "apply", night.out / "later.json", "--config", night.policy, "--execute")
    assert refused.exit_code == 2 and "lies in the future" in refused.output
    assert run.exit_code != 0 and "lies in the future" in run.output
    assert writes_refused == 0
    assert today.exit_code == 0, today.output  # applied as of today: what is not due today is not deleted
    assert all(night.alive(a.item_id) for a in not_yet)


def test_apply_acts_on_no_picture_older_than_max_snapshot_age(night: Night):
    """Approved on night 1, applied three days later without a new inventory: the picture is too old to act on."""
    deletions = [a for a in night.plan().actions if a.kind == "delete_item"]
    with night.db() as db:
        db.execute("UPDATE runs SET started_at='2020-01-01T00:00:00+00:00', finished_at='2020-01-01T00:00:00+00:00' "
                   "WHERE kind='inventory'")
    with night.served() as server:
        night.cli("approve", night.plan_path, "--by", "Marte", *ALL, now=False)
        applied = night.cli("apply", night.plan_path, "--execute")
        writes = [k for k, v in server.app.meter.snapshot()["requestsByEndpoint"].items() if k.startswith("DELETE")]
    assert applied.exit_code == 0, applied.output
    assert not writes and all(night.alive(a.item_id) for a in deletions)
    outcomes = _outcomes(night, night.plan().id)
    assert all(outcomes[a.action_id][:2] == ("skipped", "reason_gone") and "max_snapshot_age" in outcomes[a.action_id][2]
               for a in deletions)
