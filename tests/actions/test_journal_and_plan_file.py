"""The journal as evidence (CSV/JSON, formula injection escaped) and plan.json's verified round trip."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from apply_world import NOW, build_world, delete, event, label, make_plan, remove_link

from m365_compliance.actions.approvals import (
    Approval,
    read_approval_file,
    record_approval,
)
from m365_compliance.actions.journal import Entry, Journal, escape_cell
from m365_compliance.actions.plan_json import (
    plan_from_json,
    plan_to_json,
    read_plan,
    write_plan,
)
from m365_compliance.actions.plan_model import Action
from m365_compliance.errors import ApprovalError, PlanError
from m365_compliance.state.store import StateStore


@pytest.fixture
def store(tmp_path):
    with StateStore(tmp_path / "state.sqlite") as s:
        yield s


@pytest.fixture
def plan():
    world = build_world()
    return make_plan(world, [remove_link(world, "new.f0", world.links["anonymous"]), event(world),
                             label(world, "new"), delete(world, "old1", approval="applicant_deletion")])


@pytest.mark.parametrize("value", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"])
def test_formula_prefixes_are_escaped(value):
    assert escape_cell(value) == "'" + value


@pytest.mark.parametrize(("value", "shown"), [("\t=1", "\\t=1"), ("\r=1", "\\r=1")])
def test_a_leading_tab_or_carriage_return_is_shown_escaped_so_no_formula_follows(value, shown):
    assert escape_cell(value) == shown


def test_ordinary_cells_are_left_alone():
    assert escape_cell("2026-11-25T02:00:00+00:00") == "2026-11-25T02:00:00+00:00"
    assert escape_cell(None) == "" and escape_cell("act-12") == "act-12"


def test_export_escapes_what_a_person_typed_and_keeps_json_exact(store, plan, tmp_path):
    Journal(store).record_plan(plan, actor="tester", made_by="plan")
    record_approval(store, plan, Approval(plan.id, "@ola", date(2026, 11, 25), classes=("applicant_deletion",),
                                          note="=HYPERLINK(\"http://x.example\")"))
    journal = Journal(store)
    assert journal.export(tmp_path / "j.csv", "csv") == 2
    with (tmp_path / "j.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    approval = next(r for r in rows if r["event"] == "approval")
    assert approval["actor"] == "'@ola"
    assert approval["reason"].startswith("1 actions approved") and "=HYPERLINK" in approval["reason"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    journal.export(tmp_path / "j.json", "json", plan.id)
    exported = json.loads((tmp_path / "j.json").read_text(encoding="utf-8"))
    assert [e["actor"] for e in exported["entries"]] == ["tester", "@ola"]
    assert all(e["policy_version"] == plan.policy_version for e in exported["entries"])


def test_a_reason_starting_with_a_formula_is_escaped_in_csv(store, tmp_path):
    Journal(store).append(Entry("outcome", "plan-x", "act-y", reason="-1 item deleted", actor="+tester"))
    Journal(store).export(tmp_path / "j.csv", "csv")
    text = (tmp_path / "j.csv").read_text(encoding="utf-8")
    assert "'-1 item deleted" in text and "'+tester" in text


def test_a_plan_file_round_trips_exactly_and_diffs_well(plan, tmp_path):
    write_plan(plan, tmp_path / "plan.json")
    again = read_plan(tmp_path / "plan.json")
    assert again == plan and again.id == plan.id and again.created_at == NOW
    assert plan_to_json(again) == (tmp_path / "plan.json").read_text(encoding="utf-8")
    body = json.loads(plan_to_json(plan))
    assert [a["kind"] for a in body["actions"]] == [a.kind for a in plan.actions]  # the plan's order is kept
    assert body["actions"][3]["expect"]["contents"] and body["actions"][3]["approvalClass"] == "applicant_deletion"


def test_ids_are_content_hashes(plan):
    first = plan.actions[2]
    assert Action(first.kind, first.drive_id, first.item_id, "another reason", label=first.label,
                  expected_etag="\"other\"").action_id == first.action_id  # reasons and preconditions aside
    assert Action(first.kind, first.drive_id, first.item_id, "", label="Other").action_id != first.action_id
    assert make_plan(build_world(), []).id == make_plan(build_world(), []).id


def test_an_edited_plan_is_refused(plan):
    body = json.loads(plan_to_json(plan))
    body["actions"][3]["expect"]["eTag"] = "\"{00000000-0000-0000-0000-000000000000},9\""
    with pytest.raises(PlanError, match="changed after it was made"):
        plan_from_json(json.dumps(body))
    body = json.loads(plan_to_json(plan))
    body["actions"][3]["item"] = "someone-elses-item"  # the action's id no longer matches what it does
    with pytest.raises(PlanError, match="does not match its content"):
        plan_from_json(json.dumps(body))
    with pytest.raises(PlanError, match="not an m365-compliance plan"):
        plan_from_json("{}")


def test_an_approvals_file_is_read_and_bound_to_its_plan(plan, store, tmp_path):
    path = tmp_path / "approvals.toml"
    path.write_text(f'plan = "{plan.id}"\n\n[[approval]]\nby = "Marte Olsen"\ndate = 2026-11-25\n'
                    f'classes = ["applicant_deletion"]\nnote = "reviewed in PR 12"\n', encoding="utf-8")
    approvals = read_approval_file(path)
    assert approvals[0].source == "file:approvals.toml" and approvals[0].approved_on == date(2026, 11, 25)
    assert record_approval(store, plan, approvals[0]) is True
    assert record_approval(store, plan, read_approval_file(path)[0]) is False  # read again at each apply: once
    path.write_text(path.read_text(encoding="utf-8").replace(plan.id, "plan-0000000000000000"), encoding="utf-8")
    with pytest.raises(ApprovalError, match="needs a new approval"):
        record_approval(store, plan, read_approval_file(path)[0])
    path.write_text('plan = "x"\n[[approval]]\nby = "A"\ndate = "yesterday"\nclasses = []\n', encoding="utf-8")
    with pytest.raises(ApprovalError, match="date"):
        read_approval_file(path)


def test_an_approval_must_say_what_and_who(plan, store):
    with pytest.raises(ApprovalError, match="names no action"):
        record_approval(store, plan, Approval(plan.id, "Marte", date(2026, 11, 25)))
    with pytest.raises(ApprovalError, match="who"):
        record_approval(store, plan, Approval(plan.id, " ", date(2026, 11, 25), classes=("customer_disposal",)))
    with pytest.raises(ApprovalError, match="not in plan"):
        record_approval(store, plan, Approval(plan.id, "Marte", date(2026, 11, 25), action_ids=("act-nope",)))
    with pytest.raises(ApprovalError, match="Unknown approval class"):
        record_approval(store, plan, Approval(plan.id, "Marte", date(2026, 11, 25),
                                              classes=("everything",)))  # type: ignore[arg-type]


def test_the_documentation_names_every_skip_code_outcome_and_kind():
    from pathlib import Path
    from typing import get_args

    from m365_compliance.actions.outcomes import Result
    from m365_compliance.actions.plan_model import KINDS, SKIP_CODES

    text = (Path(__file__).parents[2] / "docs" / "plan-and-apply.md").read_text(encoding="utf-8")
    missing = [name for name in (*SKIP_CODES, *get_args(Result), *KINDS) if f"`{name}`" not in text]
    assert not missing, f"docs/plan-and-apply.md does not explain {missing}"


def test_any_csv_through_the_one_writer_is_escaped():
    """The DSAR manifest shares the journal's writer: file names a person chose are escaped too."""
    from m365_compliance.actions.journal import to_csv

    text = to_csv([{"file": "=cmd|' /C calc'!A0", "size": 3, "path": "Søkere/+47 99 99 99 99.pdf"}],
                  ("file", "path", "size"))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["file", "path", "size"], ["'=cmd|' /C calc'!A0", "Søkere/+47 99 99 99 99.pdf", "3"]]
