"""Rehearsals tell one time: ``--now`` (the demo: the sandbox tenant's clock) is every policy time a run
writes — evaluation, first seen and the 72-hour clock, plan, alerts, report — while the state store keeps
the wall time beside it (runs, journal)."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config.demo import write_demo_config
from m365_compliance.demo import run_demo
from m365_compliance.report.texts import Texts
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.demo_access import grant_sharing_delta
from m365_compliance.sandbox.server import SandboxServer

_register_commands()
REHEARSED = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)  # far from the tenant's clock and from today
OSLO = ZoneInfo("Europe/Oslo")
ALERT_LINE = '{"type": "m365-compliance.alert"'


def stamp(at: datetime) -> str:
    """How a run id made as of ``at`` begins."""
    return at.strftime("%Y%m%dT%H%M%SZ-")


def moments(text: str, lang: str) -> set[str]:
    """Every instant a report writes (``1 March 2027, 03:00`` / ``1. mars 2027 kl. 03:00``)."""
    en, nb = r"\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d", r"\d{1,2}\. [a-zæøå]+ \d{4} kl\. \d\d:\d\d"
    pattern = en if lang == "en" else nb
    return set(re.findall(pattern, text))


def told_as_of(texts: Texts, now: datetime) -> set[str]:
    """The instants a report as of ``now`` may write: ``now``, the start of its 30-day period, and the 72-hour
    deadline of an exposure first seen ``now`` (page one)."""
    return {texts.moment(now), texts.moment(now - timedelta(days=30)), texts.moment(now + timedelta(hours=72))}


def workbook_instants(path: Path) -> set[datetime]:
    """Every cell of the workbook that holds an instant (a time of day), to the minute; dates are left out."""
    found = set()
    for sheet in load_workbook(path).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, datetime) and cell.value.time() != datetime.min.time():
                    found.add(cell.value.replace(second=0, microsecond=0))
    return found


def local(at: datetime) -> datetime:
    return at.astimezone(OSLO).replace(tzinfo=None)


@pytest.fixture
def rehearsal(tmp_path: Path):
    """The CLI, step by step, against the sandbox: every command as of ``now``."""
    demo = build_demo_tenant()
    grant_sharing_delta(demo.tenant)  # pins the sharing-delta picture (docs/permissions.md)
    with SandboxServer(demo.tenant) as server:
        policy = tmp_path / "policy.toml"
        write_demo_config(policy, graph_url=server.base_url, state_path="state.sqlite")

        def run(*args: object, now: datetime = REHEARSED):
            result = CliRunner().invoke(cli, [*(str(a) for a in args), "--config", str(policy),
                                              "--now", now.isoformat()])
            assert result.exit_code in (0, 3, 4), result.output  # 4: open findings, as the demo has
            assert "Traceback" not in result.output
            return result.output

        yield run, tmp_path, demo


def test_a_rehearsal_writes_the_rehearsed_time_everywhere_and_the_journal_keeps_both(rehearsal):
    run, out, _demo = rehearsal
    inventoried = run("inventory")
    checked = run("check", "--json-out", out / "findings.json")
    run("plan", "--out", out / "plan.json")
    run("apply", out / "plan.json")
    drift = json.loads(run("drift", "show", "--json"))
    alerts = [json.loads(line) for line in run("alert").splitlines() if line.startswith(ALERT_LINE)]
    run("report", "--out", out / "report", "--lang", "en")

    assert f"Inventory {stamp(REHEARSED)}" in inventoried
    evaluation = re.search(r"Evaluation (\S+) of inventory run (\S+) stored", checked)
    assert evaluation and evaluation[1].startswith(stamp(REHEARSED)) and evaluation[2].startswith(stamp(REHEARSED))
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["createdAt"] == REHEARSED.isoformat() and plan["snapshotRunId"] == evaluation[2]

    # Drift: first seen on the rehearsed day, and the 72-hour clock runs from the rehearsed instant.
    assert drift["evaluation"].startswith(stamp(REHEARSED))  # plan's evaluation, the latest
    assert {e["firstSeen"] for e in drift["entries"]} == {"2027-03-01"}
    assert {e["firstSeenAt"] for e in drift["entries"]} == {REHEARSED.isoformat()}
    deadlines = {e["breachDeadline"] for e in drift["entries"] if e["breachClock"]}
    assert deadlines == {(REHEARSED + timedelta(hours=72)).isoformat()}
    assert all(e["breachDeadline"] is None for e in drift["entries"] if not e["breachClock"])

    assert alerts and {(a["generatedAt"], a["firstSeen"], a["runId"]) for a in alerts} == {
        (REHEARSED.isoformat(), "2027-03-01", drift["evaluation"])}

    # The report: evaluated, generated, the inventory and every run shown at the rehearsed time.
    en = Texts("en", OSLO)
    report_md = (out / "report" / "report.md").read_text(encoding="utf-8")
    for text in (report_md, (out / "report" / "report.html").read_text(encoding="utf-8")):
        assert en.moment(REHEARSED) in moments(text, "en") and moments(text, "en") <= told_as_of(en, REHEARSED)
    assert workbook_instants(out / "report" / "report.xlsx") == {local(REHEARSED)}

    # The state store keeps both: when it happened (wall) and the policy time it was evaluated at.
    with sqlite3.connect(out / "state.sqlite") as db:
        runs = db.execute("SELECT kind, started_at, policy_at FROM runs").fetchall()
        journal = db.execute("SELECT event, at, policy_at FROM journal").fetchall()
        evaluated = {r[0] for r in db.execute("SELECT DISTINCT evaluated_at FROM findings")}
    assert {k for k, _, _ in runs} == {"inventory", "check", "apply"}
    assert {p for _, _, p in runs} == {REHEARSED.isoformat()}
    wall_days = {datetime.fromisoformat(s).date() for _, s, _ in runs}
    assert REHEARSED.date() not in wall_days  # the runs happened today, not on the rehearsed day
    assert {e for e, _, _ in journal} >= {"plan", "apply_started", "outcome", "apply_finished"}
    assert {p for _, _, p in journal} == {REHEARSED.isoformat()}
    assert {datetime.fromisoformat(a).date() for _, a, _ in journal} <= wall_days
    assert evaluated == {REHEARSED.isoformat()}


def test_the_72_hour_clock_keeps_counting_from_the_night_it_was_first_seen(rehearsal):
    run, out, demo = rehearsal
    run("inventory")
    run("check")
    m = demo.manifest
    demo.tenant.add_link(demo.tenant.item(m.recruitment_drive, m.applicants[0].folder_id), "anonymous")
    next_night = REHEARSED + timedelta(days=1)
    run("inventory", now=next_night)
    run("check", now=next_night)
    entries = json.loads(run("drift", "show", "--json", now=next_night))["entries"]
    exposed = [e for e in entries if e["breachClock"]]
    still = {e["breachDeadline"] for e in exposed if e["state"] == "still_failing"}
    new = {(e["firstSeen"], e["breachDeadline"]) for e in exposed if e["state"] == "new"}
    assert still == {(REHEARSED + timedelta(hours=72)).isoformat()}
    assert new == {("2027-03-02", (next_night + timedelta(hours=72)).isoformat())}


def test_the_demo_tells_one_time_the_sandbox_clock(tmp_path):
    demo = build_demo_tenant()
    clock = demo.tenant.clock
    outcome = run_demo(tmp_path, demo=demo)
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    alerts = [json.loads(line) for line in (tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()]
    lang = outcome.config.policy.language
    texts = Texts(lang, outcome.config.retention.timezone)

    assert summary["run"]["evaluation"].startswith(stamp(clock))
    assert plan["createdAt"] == clock.isoformat() and plan["snapshotRunId"].startswith(stamp(clock))
    assert alerts and {(a["generatedAt"], a["firstSeen"], a["runId"][:len(stamp(clock))]) for a in alerts} == {
        (clock.isoformat(), clock.date().isoformat(), stamp(clock))}
    for name in ("report.md", "report.html"):
        told = moments((tmp_path / name).read_text(encoding="utf-8"), lang)
        assert texts.moment(clock) in told and told <= told_as_of(texts, clock), (name, told)
    assert workbook_instants(tmp_path / "report.xlsx") == {local(clock)}
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        policy_times = {r[0] for r in db.execute("SELECT policy_at FROM runs UNION SELECT policy_at FROM journal")}
    assert policy_times == {clock.isoformat()}


def test_report_counts_journal_rows_by_their_policy_time(rehearsal):
    """A rehearsal of an earlier date (after a run of a later one) reports the actions of its own period."""
    run, out, _demo = rehearsal
    earlier = REHEARSED - timedelta(days=60)
    run("inventory")
    run("plan", "--out", out / "plan.json")
    run("plan", "--out", out / "earlier.json", now=earlier)
    run("apply", out / "earlier.json", now=earlier)
    run("report", "--out", out / "report", "--lang", "en", "--format", "md", now=earlier)
    report = (out / "report" / "report.md").read_text(encoding="utf-8")
    actions = next(line for line in report.splitlines() if "Plans:" in line)
    assert "Plans: 1." in actions, actions  # the plan made as of 1 March is not in the period before 30 December
    assert moments(report, "en") >= {Texts("en", OSLO).moment(earlier)}
    assert date(2027, 3, 1).isoformat() not in report
