"""Drift on the sandbox: a sharing link added between two nights alerts exactly once, is not repeated,
is told fixed once removed; an accepted exception silences it until it expires; a failing sink loses
nothing; an unreadable site never reads as fixed."""

from __future__ import annotations

from datetime import timedelta

from m365_compliance.drift.service import accept_exception


def _applicant_folder(world):
    t, m = world.demo.tenant, world.demo.manifest
    return t.item(m.recruitment_drive, m.applicants[-1].folder_id)


def test_new_link_alerts_once_then_not_again_then_fixed(world):
    first = world.night()
    assert first.told("teams:TEST") and all(kind == "new" for kind, _ in first.told("teams:TEST"))
    assert first.drift.previous_evaluation_id is None

    link = world.demo.tenant.add_link(_applicant_folder(world), "anonymous")
    second = world.night()
    new = second.told("teams:TEST")
    assert len(new) == 1 and new[0][0] == "new", new
    entry = next(e for e in second.drift.entries if e.finding.id == new[0][1])
    assert entry.state == "new" and entry.finding.control == "C1" and entry.breach_clock
    assert second.told("github:o/r") == new  # every sink is told, each once

    third = world.night()
    assert third.told("teams:TEST") == [] and third.told("github:o/r") == []
    assert {e.state for e in third.drift.entries if e.finding.id == new[0][1]} == {"still_failing"}

    world.demo.tenant.remove_grant(_applicant_folder(world), link.id)
    fourth = world.night()
    assert fourth.told("teams:TEST") == [("fixed", new[0][1])]
    assert [e.state for e in fourth.drift.entries if e.finding.id == new[0][1]] == ["fixed"]
    assert world.night().told("teams:TEST") == []  # fixed is told once


def test_reminders_follow_each_sinks_cadence(world):
    first = world.night()
    again = world.night(later=timedelta(days=8))
    told_first = {f for _, f in first.told("teams:TEST")}
    still_open = {e.finding.id for e in again.drift.entries if e.open} & told_first
    reminded = {f for kind, f in again.told("teams:TEST") if kind == "reminder"}
    assert still_open and reminded == still_open
    # Eight days on, an applicant may have crossed the deadline: that is news, not a reminder.
    assert not {f for kind, f in again.told("teams:TEST") if kind == "new"} & told_first
    assert not any(kind == "reminder" for kind, _ in again.told("github:o/r"))  # reminder_days = 0: never


def test_accepted_exception_is_silent_until_it_expires_then_alerts_again(world):
    world.night()
    world.demo.tenant.add_link(_applicant_folder(world), "anonymous")
    told = world.night().told("teams:TEST")
    finding_id = told[0][1]
    accept_exception(world.config, finding_id, owner="Daglig leder", reason="Kandidaten deler med revisor",
                     expires=world.now.date() + timedelta(days=1), now=world.now)
    accepted = world.night(later=timedelta(days=1))
    assert [e.state for e in accepted.drift.entries if e.finding.id == finding_id] == ["accepted"]
    assert finding_id not in {f for _, f in accepted.told("teams:TEST")}

    expired = world.night(later=timedelta(days=2))
    assert ("expired", finding_id) in expired.told("teams:TEST")
    assert [e.state for e in expired.drift.entries if e.finding.id == finding_id] == ["expired"]
    assert finding_id not in {f for _, f in world.night(later=timedelta(days=2)).told("teams:TEST")}


def test_a_failing_sink_loses_nothing_and_stops_nobody(world):
    teams = world.channels[0].sink
    teams.failing = True
    first = world.night()
    assert not first.outcome.ok and first.outcome.deliveries
    github_told = first.told("github:o/r")
    assert github_told  # the other sink was told all the same
    teams.failing = False
    second = world.night()
    assert second.told("teams:TEST") == github_told  # offered again, as new
    assert second.told("github:o/r") == []


def test_an_unreadable_site_is_never_told_fixed(world):
    world.night()
    t, m = world.demo.tenant, world.demo.manifest
    t.access.denied_sites.add(t.drive(m.recruitment_drive).site_id)
    night = world.night()
    told = night.told("teams:TEST")
    assert not any(kind == "fixed" for kind, _ in told), told
    c1 = [e for e in night.drift.entries if e.finding.control == "C1" and e.finding.rule_id != "coverage.not-evaluated"]
    assert c1 and {e.state for e in c1} <= {"still_failing", "unverified"}  # never "fixed"
    assert ("C1", "recruitment") in night.drift.unevaluated
