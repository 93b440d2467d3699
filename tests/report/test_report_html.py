"""The HTML report of the demo: its figures, read back from the page, equal the stored findings, the
register and the tenant's ground truth; it is self-contained, in both languages, and names nobody."""

from __future__ import annotations

from collections import Counter

import pytest
from report_page import Page

from m365_compliance.inventory.snapshot_load import load_snapshot
from m365_compliance.inventory.spec import inventory_spec
from m365_compliance.report.html import render_html
from m365_compliance.report.model import CONTROLS
from m365_compliance.rules.agreement_register import read_register
from m365_compliance.rules.dates import local_date
from m365_compliance.state.store import StateStore


@pytest.fixture(scope="module")
def pages(demo_state):
    data = demo_state.data()
    return {lang: Page(render_html(data, lang)) for lang in ("nb", "en")}


def test_by_control_table_equals_the_stored_findings(demo_state, pages):
    findings = demo_state.findings()
    counts = Counter((f.control, f.severity, f.status) for f in findings)
    for page in pages.values():
        table = page.tables["by-control"].by_key()
        assert list(table) == list(CONTROLS)
        for control in CONTROLS:
            row = table[control]
            for severity in ("high", "medium", "low"):
                assert int(row[f"fail_{severity}"]) == counts[(control, severity, "fail")], (control, severity)
            for status in ("warn", "info", "not_evaluated"):
                assert int(row[status]) == sum(n for (c, _, s), n in counts.items() if c == control and s == status)
            assert int(row["total"]) == sum(n for (c, _, _), n in counts.items() if c == control)
        assert int(page.tables["by-control"].total["total"]) == len(findings)
    # The demo seeds four high recruitment-access violations: the figure is not trivially zero.
    assert int(pages["en"].tables["by-control"].by_key()["C1"]["fail_high"]) == 4


def test_overdue_and_upcoming_deletions_are_the_due_findings(demo_state, pages):
    findings = demo_state.findings()
    overdue = {f.id for f in findings if f.status == "fail" and f.rule_id in ("c2.applicant-retention",
                                                                               "c5.disposal-due")}
    today = local_date(demo_state.now, demo_state.config.retention.timezone)
    table = pages["nb"].tables["overdue"]
    assert set(table.by_key()) == overdue and len(overdue) == 28  # three agreements are held with their primary documentation
    for f in findings:
        if f.id in overdue:
            row = table.by_key()[f.id]
            assert row["due"] == f.due.isoformat()
            assert int(row["days"]) == (today - f.due).days >= 0
    upcoming = {f.id for f in findings if f.status == "warn"}
    assert set(pages["nb"].tables["upcoming"].by_key()) == upcoming and upcoming


def test_agreements_by_state_match_the_register(demo_state, pages):
    config = demo_state.config
    with StateStore(config.state.path) as store:
        register = read_register(load_snapshot(store, inventory_spec(config)), config)
    today = local_date(demo_state.now, config.retention.timezone)
    running = sum(not a.ended(today) and not a.end_unknown for a in register.agreements)
    ended = {a.row_id for a in register.agreements if a.ended(today)}
    states = pages["en"].tables["agreement-states"].by_key()
    assert int(states["running"]["count"]) == running == 15
    assert sum(int(states[s]["count"]) for s in ("awaiting", "held", "disposed")) == len(ended) == 6
    rows = pages["en"].tables["agreements"].by_key()
    assert set(rows) == {a.row_id for a in register.agreements}
    for a in register.agreements:
        if a.row_id in ended:
            assert rows[a.row_id]["disposal"] == a.disposal_date.isoformat()
            assert rows[a.row_id]["state"].startswith("ended")
    # Files due per ended agreement add up to the C5 disposal findings.
    due = sum(f.rule_id == "c5.disposal-due" and f.status == "fail" for f in demo_state.findings())
    assert sum(int(r["files_due"]) for r in rows.values()) == due


def test_statutory_holds_grouped_by_year_add_up_to_the_c6_findings(demo_state, pages):
    held = [f for f in demo_state.findings() if f.rule_id == "c6.statutory-hold"]
    table = pages["nb"].tables["holds"]
    assert int(table.total["count"]) == len(held) == 61  # agreements held with their folders' primary documentation included
    by_year = Counter(str(f.keep_until.year) for f in held)
    seen: Counter[str] = Counter()
    for _, row in table.rows:
        seen[row["year"]] += int(row["count"])
    assert seen == by_year


def test_applicant_ages_cover_every_applicant_and_agree_with_c2(demo_state, pages):
    m = demo_state.demo.manifest
    findings = demo_state.findings()
    bins = pages["en"].tables["age-bins"]
    assert sum(int(cells["total"]) for _, cells in bins.rows) == len(m.applicants) == 24
    past = sum(int(cells["past"]) for _, cells in bins.rows)
    assert past == len(m.applicants_in("overdue")) == sum(
        f.rule_id == "c2.applicant-retention" and f.status == "fail" for f in findings)
    assert sum(int(cells["warning"]) for _, cells in bins.rows) == len(m.applicants_in("warning"))
    assert sum(int(cells["hired"]) for _, cells in bins.rows) == len(m.applicants_in("hired"))
    # Everything left of the 12-month line is within or near it; past the line starts at 12 months.
    for key, cells in bins.rows:
        months = int(key.rstrip("+"))
        assert (int(cells["past"]) == 0) if months < 12 else (int(cells["within"]) + int(cells["warning"]) == 0)
    states = dict(zip(pages["en"].tables["applicants"].column("folder"),
                      pages["en"].tables["applicants"].column("state"), strict=True))
    assert {k for k, v in states.items() if v == "past the line"} == set(m.applicants_in("overdue"))


def test_the_page_is_self_contained_and_in_order(pages):
    for page in pages.values():
        assert all(u.startswith("#") for u in page.urls), [u for u in page.urls if not u.startswith("#")]
        assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
        assert page.sections == ["page-one", "summary", "coverage", "controls", "trend", "drift", "exceptions", "applicants",
                                 "deletions", "kept", "agreements", "holds", "actions", "alerts", "dsar", "evidence",
                                 "details"]
        toc = [u[1:] for u in page.urls]
        assert toc == page.sections[1:]  # page one comes first, before the contents


def test_no_url_anywhere_in_the_file(demo_state):
    text = render_html(demo_state.data(include_names=True), "nb")
    assert "http://" not in text and "https://" not in text


def test_languages(demo_state, pages):
    assert "Personvernrapport" in pages["nb"].text and "Søkerdata etter alder" in pages["nb"].text
    assert "Privacy compliance report" in pages["en"].text and "Applicant data by age" in pages["en"].text
    assert "Søkerdata" not in pages["en"].text
    assert "No requests registered." in pages["en"].text and "Ingen begjæringer er registrert." in pages["nb"].text
    assert "25. november 2026" in pages["nb"].text and "25 November 2026" in pages["en"].text
    # The breach warning (GDPR Art. 33) is shown for the demo's anonymous link and guest grants.
    assert "72 hours" in pages["en"].text and "72 timer" in pages["nb"].text


def test_names_only_with_the_option(demo_state, pages):
    names = [a.name.split(" ", 1)[1] for a in demo_state.demo.manifest.applicants]
    for page in pages.values():
        assert not [n for n in names if n in page.text]
        assert "path" not in page.tables["overdue"].columns
    named = Page(render_html(demo_state.data(include_names=True), "nb"))
    assert all(n in named.text for n in names)
    assert "path" in named.tables["overdue"].columns
