"""Cases without a straight answer: nobody found, a common name, deadlines, extensions, corrections, bad input."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime

from dsar_world import World

from m365_compliance.dsar.report_view import case_rows
from m365_compliance.dsar.repository import CaseRepository
from m365_compliance.dsar.service import open_case


def test_a_subject_with_no_data_gets_a_clear_answer_and_a_closed_case(world: World) -> None:
    case = world.open("nobody@example.org", "access", name="Ingen Ingensen")
    found = world.cli("dsar", "find", case, "--out", world.dir)
    assert "0 match(es)" in found.output and "the case is closed" in found.output
    statement = json.loads((world.dir / f"{case}-statement.json").read_text(encoding="utf-8"))
    assert statement["outcome"] == "nothing_found" and statement["subject"]["email"] == "nobody@example.org"
    assert any("Tenant-wide search is off" in n for n in statement["searched"]["notes"])
    letter = (world.dir / f"{case}-statement.txt").read_text(encoding="utf-8")
    assert "fant ingen personopplysninger om deg" in letter and "found no personal data about you" in letter
    assert "No open data-subject requests." in world.cli("dsar", "list").output


def test_an_ambiguous_name_needs_confirmation_and_nothing_is_deleted(world: World) -> None:
    m = world.demo.manifest
    namesakes = {a.folder_id for a in m.applicants if a.person.endswith(" Aas")}
    assert len(namesakes) == 2
    case = world.open("someone.aas@example.org", "erasure", name="Aas")
    found = world.cli("dsar", "find", case, "--show-paths")
    assert "2 to confirm" in found.output and "Aas" in found.output  # paths only when asked for
    with world.store() as store:
        matches = CaseRepository(store).matches(case)
    assert {x.item_id for x in matches} == namesakes
    assert all(x.status == "pending" and x.confidence == "name" and "2 recruitment folder names" in x.reason
               for x in matches)
    for step in (("erase", case), ("export", case), ("close", case)):
        refused = world.cli("dsar", *step, ok=False)
        assert refused.exit_code in (1, 2) and "Traceback" not in refused.output
    assert "await confirmation" in world.cli("dsar", "erase", case, ok=False).output
    assert world.server.app.meter.snapshot()["writes"] == 0
    assert all(f in world.demo.tenant.drive(m.recruitment_drive).items for f in namesakes)

    first, second = matches
    world.cli("dsar", "confirm", case, "--match", first.match_id, "--reject")
    assert "awaiting_confirmation" in world.cli("dsar", "show", case).output
    world.cli("dsar", "confirm", case, "--match", second.match_id, "--reject")
    world.cli("dsar", "find", case)  # a new search keeps the people's decisions
    with world.store() as store:
        assert {x.status for x in CaseRepository(store).matches(case)} == {"rejected"}
    world.cli("dsar", "erase", case, "--out", world.dir / "plan.json")
    closed = world.cli("dsar", "close", case, "--out", world.dir)
    assert "nothing_found" in closed.output and world.server.app.meter.snapshot()["writes"] == 0


def test_overdue_and_due_soon_cases_are_listed_first(world: World) -> None:
    overdue = world.open("late@example.org", "access", received="2026-09-30")  # due 2026-10-30
    soon = world.open("soon@example.org", "erasure", received="2026-10-28")  # due 2026-11-28, 3 days left
    fresh = world.open("fresh@example.org", "correction")  # due 2026-12-25
    listed = world.cli("dsar", "list").output
    lines = [line for line in listed.splitlines() if line.startswith("dsar-")]
    assert [line.split()[0] for line in lines] == [overdue, soon, fresh]
    assert "OVERDUE" in lines[0] and "due soon" in lines[1] and "OVERDUE" not in lines[2]
    assert "1 overdue, 1 due within 7 days" in listed and "@example.org" not in listed
    assert "late@example.org" in world.cli("dsar", "list", "--show-subjects").output
    rows = {r["case"]: r for r in json.loads(world.cli("dsar", "list", "--json").output)["cases"]}
    assert rows[overdue]["overdue"] and rows[overdue]["daysLeft"] == -26 and rows[soon]["dueSoon"]
    assert "subject" not in rows[overdue]
    with world.store() as store:
        report = case_rows(store, date(2026, 11, 25), world.config.dsar.due_soon_days)
    assert [r.case_id for r in report] == [overdue, soon, fresh]
    assert report[0].overdue and report[1].due_soon and report[0].due == date(2026, 10, 30)
    personal = {"late@example.org", "soon@example.org", "fresh@example.org"}
    assert not personal & {str(v) for r in report for v in dataclasses.astuple(r)}


def test_due_dates_are_calendar_months_clamped_at_the_month_end(world: World) -> None:
    case = world.open("jan@example.org", "access", received="2026-01-31")
    assert "due 2026-02-28" in world.cli("dsar", "show", case).output


def test_an_extension_is_recorded_and_limited_to_two_months(world: World) -> None:
    case = world.open("busy@example.org", "access", received="2026-11-10")
    one = world.cli("dsar", "extend", case, "--months", "1", "--reason", "Many requests this week")
    assert "due 2027-01-10" in one.output
    two = world.cli("dsar", "extend", case, "--months", "1", "--reason", "Archive restore needed")
    assert "due 2027-02-10" in two.output
    third = world.cli("dsar", "extend", case, "--months", "1", "--reason", "More", ok=False)
    assert third.exit_code == 2 and "at most 2 further months" in third.output
    assert world.cli("dsar", "extend", case, "--months", "3", "--reason", "x", ok=False).exit_code == 2
    with world.store() as store:
        repo = CaseRepository(store)
        extended = repo.get(case)
        events = repo.events(case, "dsar_extended")
    assert (extended.extension_months, extended.due) == (2, date(2027, 2, 10))
    assert extended.extension_reason == "Many requests this week; Archive restore needed"
    assert [e["detail"]["reason"] for e in events] == ["Many requests this week", "Archive restore needed"]
    late = world.open("late@example.org", "access", received="2026-09-01")  # its first month is over
    refused = world.cli("dsar", "extend", late, "--months", "1", "--reason", "Too late", ok=False)
    assert refused.exit_code == 1 and "within one month of receipt" in refused.output


def test_a_correction_is_recorded_by_a_person_and_closed_with_a_statement(world: World) -> None:
    a = world.demo.manifest.applicants[1]
    case = world.open(a.email, "correction", name=a.person)
    world.cli("dsar", "find", case)
    assert world.cli("dsar", "close", case, ok=False).exit_code == 1  # nothing corrected yet
    world.cli("dsar", "note", case, "--text", "Phone number corrected in Søknad.docx", "--by", "Kari Nordmann")
    world.cli("dsar", "close", case, "--out", world.dir)
    statement = json.loads((world.dir / f"{case}-statement.json").read_text(encoding="utf-8"))
    assert statement["outcome"] == "corrected"
    assert statement["notes"][0]["text"] == "Phone number corrected in Søknad.docx"
    assert world.server.app.meter.snapshot()["writes"] == 0  # no automatic edits


def test_bad_input_is_a_clear_error(world: World) -> None:
    unknown = world.cli("dsar", "find", "dsar-20260101-abcdef", ok=False)
    assert unknown.exit_code == 2 and "no data-subject request 'dsar-20260101-abcdef'" in unknown.output
    assert "dsar list" in unknown.output
    mail = world.cli("dsar", "open", "--subject", "not-a-mail", "--kind", "access", ok=False)
    assert mail.exit_code == 2 and "not an e-mail address" in mail.output
    day = world.cli("dsar", "open", "--subject", "x@example.org", "--kind", "access", "--received", "31.12.2026",
                    ok=False)
    assert day.exit_code == 2 and "YYYY-MM-DD" in day.output
    future = world.cli("dsar", "open", "--subject", "x@example.org", "--kind", "access", "--received", "2027-01-01",
                       ok=False)
    assert future.exit_code == 2 and "after today" in future.output
    case = world.open("x@example.org", "access")
    wrong = world.cli("dsar", "erase", case, ok=False)
    assert wrong.exit_code == 2 and "not erasure" in wrong.output
    assert world.cli("dsar", "confirm", case, "--match", "m-00000000", ok=False).exit_code == 2


def test_receipt_defaults_to_today_in_the_policys_time_zone(world: World) -> None:
    late_evening = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # already 1 December in Oslo
    case = open_case(world.config, email="Kveld@Example.org", kind="access", name=None, received=None, by="test",
                     now=late_evening)
    assert (case.received, case.due, case.subject_email) == (date(2026, 12, 1), date(2027, 1, 1), "kveld@example.org")


def test_a_mistyped_case_or_match_id_is_refused_with_the_closest(world: World) -> None:
    case = world.open("someone.aas@example.org", "erasure", name="Aas")
    world.cli("dsar", "find", case)
    typo = case[:-1] + ("0" if case[-1] != "0" else "1")
    for step in (("show", typo), ("close", typo), ("note", typo, "--text", "x")):
        refused = world.cli("dsar", *step, ok=False)
        assert refused.exit_code == 2 and f"did you mean `{case}`" in refused.output, step
    kind = world.cli("dsar", "open", "--subject", "x@example.org", "--kind", "erase", ok=False)
    assert kind.exit_code == 2 and "did you mean `erasure`" in kind.output
    with world.store() as store:
        matches = [m.match_id for m in CaseRepository(store).matches(case)]
    match = world.cli("dsar", "confirm", case, "--match", matches[0][:-1] + "z", ok=False)
    assert match.exit_code == 2 and f"did you mean `{matches[0]}`" in match.output
    assert all(m in match.output for m in matches)  # the valid choices
    with world.store() as store:
        assert all(m.status == "pending" for m in CaseRepository(store).matches(case))  # nothing decided


def test_each_step_of_a_request_is_journaled_at_both_times(world: World) -> None:
    """The journal keeps when a step happened (wall time) and the command's ``--now`` (policy time)."""
    from m365_compliance.actions.journal import Journal

    case = world.open("nobody@example.org", "access")
    world.cli("dsar", "find", case, "--out", world.dir)
    with world.store() as store:
        steps = [e for e in Journal(store).entries() if e["target"] == case]
    assert [e["event"] for e in steps] == ["dsar_opened", "dsar_found", "dsar_closed"]
    assert {e["policy_at"] for e in steps} == {world.now}
    assert all(e["at"] and e["at"] != e["policy_at"] for e in steps)
