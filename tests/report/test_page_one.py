"""Page one of the demo's report, in both languages: each control's colour follows its findings, the
decisions waiting are the plan's unapproved actions and the exposures on the 72-hour clock, and the
changes are the drift's counts — read back from the HTML, the workbook and the Markdown."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from report_page import Page

from m365_compliance.actions.plan_json import plan_from_json
from m365_compliance.report.html import render_html
from m365_compliance.report.markdown import render_markdown
from m365_compliance.report.model import CONTROLS, RULE_CONTROLS, ExceptionRow, Selection
from m365_compliance.report.page_one import page_one
from m365_compliance.report.xlsx import render_xlsx
from m365_compliance.state.store import StateStore

LIGHT = re.compile(r'<li class="light [a-z]+" data-control="(C\d)" data-light="([a-z]+)"')


@pytest.fixture(scope="module")
def data(demo_state):
    return demo_state.data()


@pytest.fixture(scope="module")
def html(data):
    return {lang: render_html(data, lang) for lang in ("nb", "en")}


def _expected_light(findings, control: str) -> str:
    mine = [f for f in findings if f.control == control]
    if any(f.status == "fail" for f in mine):
        return "red"
    if any(f.status in ("warn", "not_evaluated") for f in mine):
        return "amber"
    return "green"


def test_each_control_has_the_colour_its_findings_give_it(demo_state, html):
    findings = demo_state.findings()
    for text in html.values():
        lights = dict(LIGHT.findall(text))
        assert list(lights) == list(CONTROLS)
        for control in RULE_CONTROLS:
            assert lights[control] == _expected_light(findings, control), control
        # The demo seeds failures in C1–C5 and only statutory holds (information) in C6.
        assert [lights[c] for c in RULE_CONTROLS] == ["red"] * 5 + ["green"]
        assert lights["C7"] == "green"  # no request registered
        assert lights["C8"] == "red"  # applicant and customer data shared with outsiders: the 72-hour clock


def test_the_reason_names_the_count_and_the_most_serious_finding(demo_state, html):
    findings = demo_state.findings()
    failing_c2 = sum(f.control == "C2" and f.status == "fail" for f in findings)
    nb, en = Page(html["nb"]).text, Page(html["en"]).text
    assert f"{failing_c2} avvik er åpne; det alvorligste: Søkerdata oppbevart utover lagringstiden." in nb
    assert f"{failing_c2} failures open; the most serious: Applicant data kept beyond the retention period." in en
    assert "Holder: ingen åpne avvik, varsler eller hull." in nb and "Holds: no open failures, warnings or gaps." in en


def test_approvals_waiting_are_the_plans_unapproved_actions_by_class(demo_state, data, html):
    with StateStore(demo_state.config.state.path) as store:
        body = store.db.execute("SELECT body FROM plans WHERE made_by = 'plan' ORDER BY recorded_at DESC").fetchone()
    plan = plan_from_json(body["body"], "plan")
    expected = Counter(a.approval_class for a in plan.actions if a.requires_approval)
    assert sum(expected.values()) > 0  # the demo's plan holds deletions and retention events for approval
    for lang, text in html.items():
        table = Page(text).tables["decide-approvals"].by_key()
        assert {k: int(v["count"]) for k, v in table.items()} == dict(expected)
        first_seen = min(f.first_seen for f in data.findings if f.first_seen is not None)
        assert all(v["oldest"] == first_seen.isoformat() for v in table.values())
    book = load_workbook(BytesIO(render_xlsx(data, "en")))
    rows = list(book["Approvals waiting"].iter_rows(min_row=2, values_only=True))
    assert sorted(int(r[1]) for r in rows) == sorted(expected.values())


def test_exposures_are_the_breach_findings_with_time_left(data, html):
    breach = {f.id for f in data.drift.breach}
    assert len(breach) == 3  # the demo's anonymous link, guest grant and customer link
    p = page_one(data)
    for e in p.decisions.exposures:
        start = e.deadline - timedelta(hours=72)  # the policy time of the evaluation that first saw it
        assert start.astimezone(data.tz).date() == e.finding.first_seen and e.deadline == e.finding.breach_deadline
        assert e.hours_left == int((e.deadline - data.generated_at).total_seconds() // 3600)
    for lang, text in html.items():
        table = Page(text).tables["decide-exposures"].by_key()
        assert set(table) == breach
        for e in p.decisions.exposures:
            hours = abs(e.hours_left)
            word = {"nb": "time" if hours == 1 else "timer", "en": "hour" if hours == 1 else "hours"}[lang]
            left = f"{hours} {word}"
            if e.hours_left < 0:
                left = f"passert for {left}" if lang == "nb" else f"passed {left} ago"
            assert table[e.finding.id]["left"] == left
        # An applicant's exposure is named by its folder's month, never its name or a Graph id.
        subjects = [v["subject"] for v in table.values()]
        assert any(s.startswith(("en fil i søkermappe 20", "søkermappe 20", "a file in applicant folder 20",
                                 "applicant folder 20")) for s in subjects), subjects


def test_changes_on_the_first_night_say_so(data, html):
    new = data.drift.count("new")
    assert f"Første kjøring: {new} åpne avvik er registrert" in Page(html["nb"]).text
    assert f"First run: {new} open failures recorded" in Page(html["en"]).text


def test_changes_after_a_night_are_counted(data):
    later = replace(data, drift=replace(data.drift, previous_evaluation_id="earlier",
                                        counts=(("new", 2), ("still_failing", 5), ("fixed", 1))))
    assert "Nye: 2. Rettet: 1. Fortsatt åpne: 5." in Page(render_html(later, "nb")).text
    assert "New: 2. Fixed: 1. Still failing: 5." in render_markdown(later, "en")


def test_exceptions_expiring_within_30_days_are_decisions(data):
    today = data.generated_at.astimezone(data.tz).date()
    soon = ExceptionRow("C4-soon", "C4", "Kari Nordmann", "rydding", today + timedelta(days=30), data.generated_at,
                        None, "in_force")
    later = replace(soon, finding_id="C4-later", expires=today + timedelta(days=31))
    gone = replace(soon, finding_id="C4-gone", state="expired", expires=today - timedelta(days=1))
    p = page_one(replace(data, exceptions=(later, soon, gone)))
    assert [x.finding_id for x in p.decisions.expiring] == ["C4-soon"]
    page = Page(render_html(replace(data, exceptions=(later, soon, gone)), "en"))
    assert list(page.tables["decide-expiring"].by_key()) == ["C4-soon"]


def test_requests_due_or_overdue_are_decisions_and_colour_c7(data):
    from m365_compliance.dsar.report_view import CaseRow

    def case(case_id: str, overdue: bool, due_soon: bool, status: str = "open") -> CaseRow:
        return CaseRow(case_id, "erasure", date(2026, 10, 1), date(2026, 11, 1), status, overdue, due_soon, 0, 1, 0, 0,
                       0, None)

    cases = (case("DSAR-1", True, False), case("DSAR-2", False, True), case("DSAR-3", False, False),
             case("DSAR-4", True, False, "closed"))
    p = page_one(replace(data, dsar_cases=cases))
    assert [c.case_id for c in p.decisions.requests] == ["DSAR-1", "DSAR-2"]
    assert next(c for c in p.controls if c.control == "C7").light == "red"
    p = page_one(replace(data, dsar_cases=cases[1:]))
    assert next(c for c in p.controls if c.control == "C7").light == "amber"


def test_an_accepted_failure_is_amber_not_red(data):
    c4 = [f for f in data.findings if f.control == "C4"]
    accepted = tuple(replace(f, drift_state="accepted") if f.control == "C4" and f.status == "fail" else f
                     for f in data.findings)
    assert c4 and next(c for c in page_one(replace(data, findings=accepted)).controls if c.control == "C4").light \
        == "amber"


def test_selection_narrows_page_one_and_the_details(demo_state):
    data = demo_state.data(selection=Selection(("C1", "C3"), "high"))
    text = render_html(data, "en")
    assert [c for c, _ in LIGHT.findall(text)] == ["C1", "C3"]
    assert "This report covers C1, C3, severity high and above." in Page(text).text
    assert all(f.control in ("C1", "C3") and f.severity == "high" for f in data.findings)
    assert {f"findings-{c}" for c in ("C1", "C3")} <= set(Page(text).tables)
    assert not {f"findings-{c}" for c in ("C2", "C4", "C5", "C6")} & set(Page(text).tables)
    assert data.counts.n(severity="low") == data.counts.n(severity="medium") == 0
    assert all(p.counts.n(control="C2") == 0 for p in data.trend)
    md = render_markdown(data, "en")
    assert "**C1 " in md and "**C2 " not in md and "| C2 |" not in md


def test_page_one_is_first_in_every_format(data, html):
    for text in html.values():
        assert Page(text).sections[0] == "page-one"
        assert text.index('id="page-one"') < text.index('class="toc"')
    for lang, first in (("nb", "Side én"), ("en", "Page one")):
        book = load_workbook(BytesIO(render_xlsx(data, lang)))
        assert book.sheetnames[0] == first
        controls = [r[0] for r in book[first].iter_rows(min_row=2, values_only=True) if r[0]]
        assert controls == list(CONTROLS)
    md = render_markdown(data, "nb")
    assert md.index("### Holder vi policyen?") < md.index("### Hva må dere ta stilling til?") \
        < md.index("### Hva har endret seg siden sist?") < md.index("| Kontroll |")
