"""C2, C5 and C6 on hand-built snapshots: deadlines around 12 months, Oslo dates, leap days, agreement
ends, DPA days and fiscal-year edges."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from rules_world import (
    CONFIG,
    NOW,
    file,
    item,
    items_of,
    of,
    row,
    run,
    snapshot,
    with_retention,
)

from m365_compliance.config.kinds import MonthDay
from m365_compliance.config.schema import ColumnMatch, StatutoryClass
from m365_compliance.state.inventory_repo import Gap

RETENTION, HIRED, COLUMNS = "c2.applicant-retention", "c2.hired-applicant", "c2.applicant-columns"
ENDED, DUE, KEPT = "c5.agreement-ended", "c5.disposal-due", "c6.statutory-hold"


def applicant_status(folder, now=NOW, config=CONFIG):
    return {(f.status, f.severity, f.due) for f in of(run(snapshot([folder], cus_items=None), config, now), RETENTION)}


@pytest.mark.parametrize("applied, expected", [
    ("2026-01-02", set()),  # 10.8 months: outside the 30-day warning window
    ("2025-12-26", set()),  # deadline in 31 days: the warning window starts tomorrow
    ("2025-12-25", {("warn", "low", date(2026, 12, 25))}),  # exactly 30 days ahead: warned
    ("2025-11-28", {("warn", "low", date(2026, 11, 28))}),  # 11.9 months
    ("2025-11-25", {("fail", "high", date(2026, 11, 25))}),  # 12 months today: due
    ("2025-11-22", {("fail", "high", date(2026, 11, 22))}),  # 12.1 months: due since 22 November
])
def test_applicant_around_twelve_months(applied, expected):
    assert applicant_status(item("søker", "Søkere", Soknadsdato=applied)) == expected


def test_oslo_midnight_instants_and_leap_days():
    # 1 March in Oslo arrives as 28 Feb 23:00 UTC; read as UTC it would be due a day early.
    march = item("søker", "Søkere", Soknadsdato="2026-02-28T23:00:00Z")
    assert applicant_status(march, datetime(2027, 2, 28, 23, 30, tzinfo=UTC)) == {("fail", "high", date(2027, 3, 1))}
    assert applicant_status(march, datetime(2027, 2, 28, 22, 30, tzinfo=UTC)) == {("warn", "low", date(2027, 3, 1))}
    # Applied on a leap day: 12 months later is 28 February; 00:30 on that day in Oslo is past due.
    leap = item("søker", "Søkere", Soknadsdato="2024-02-28T23:00:00Z")
    assert applicant_status(leap, datetime(2025, 2, 27, 23, 30, tzinfo=UTC)) == {("fail", "high", date(2025, 2, 28))}
    assert applicant_status(leap, datetime(2025, 2, 27, 22, 30, tzinfo=UTC)) == {("warn", "low", date(2025, 2, 28))}
    # Summer time: 1 July arrives as 30 June 22:00 UTC.
    july = item("søker", "Søkere", Soknadsdato="2025-06-30T22:00:00Z")
    assert applicant_status(july, datetime(2026, 6, 30, 22, 30, tzinfo=UTC)) == {("fail", "high", date(2026, 7, 1))}


def test_folder_creation_when_no_column_and_hired_applicants_are_flagged_never_due():
    old = item("gammel", "Søkere", created=datetime(2025, 10, 31, 23, 30, tzinfo=UTC))  # 1 Nov in Oslo
    hired = item("ansatt", "Søkere", Soknadsdato="2024-01-01", Ansatt="ja")
    findings = run(snapshot([old, hired], cus_items=None))
    assert [(f.item_id, f.due, dict(f.evidence)["dateSource"]) for f in of(findings, RETENTION)] == \
        [("gammel", date(2026, 11, 1), "folder created")]
    assert items_of(findings, HIRED) == {"ansatt"}
    assert "never deleted automatically" in of(findings, HIRED)[0].message


def test_a_malformed_application_date_falls_back_to_creation_and_says_so():
    folder = item("søker", "Søkere", created=datetime(2024, 5, 1, 10, tzinfo=UTC), Soknadsdato="31.02.2025",
                  Ansatt="kanskje")
    findings = run(snapshot([folder], cus_items=None))
    assert {f.due for f in of(findings, RETENTION)} == {date(2025, 5, 1)}
    assert {dict(f.evidence)["column"] for f in of(findings, COLUMNS)} == {"Soknadsdato", "Ansatt"}


def test_applicants_whose_columns_could_not_be_read_are_left_to_coverage():
    gap = Gap("recruitment", "rd/Søkere", "unit columns", "Service unavailable", 503)
    folder = item("søker", "Søkere", created=datetime(2020, 1, 1, tzinfo=UTC))
    findings = run(snapshot([folder], cus_items=None, gaps=[gap]))
    assert not of(findings, RETENTION)  # the folder might have a later application date, or be hired
    assert [(f.control, f.status) for f in of(findings, "coverage.not-evaluated")] == [("C2", "not_evaluated")]


def customer(end, *files, **row_fields):
    folder = item("Kunde AS", "kroot", created=datetime(2019, 1, 1, 9, tzinfo=UTC))
    return snapshot(None, cus_items=[folder, *files], rows=[row("Kunde AS", end=end, **row_fields)])


def test_an_agreement_that_ended_yesterday_awaits_disposition():
    findings = run(customer("2026-11-24"))
    [ended] = of(findings, ENDED)
    assert (ended.status, ended.item_id, ended.due) == ("warn", "Kunde AS", date(2026, 12, 24))
    evidence = dict(ended.evidence)
    assert (evidence["dpa"], evidence["deletionDays"], evidence["ended"]) == ("DBA-Kunde AS", "30", "2026-11-24")
    assert "ended – awaiting disposition" in ended.message


def test_an_agreement_ending_today_in_oslo_still_runs():
    # 2026-11-24T23:00:00Z is 25 November in Oslo: the last day of the agreement, not after it.
    assert not of(run(customer("2026-11-24T23:00:00Z")), ENDED)
    assert of(run(customer("2026-11-23T23:00:00Z")), ENDED)


def test_after_the_dpa_days_files_are_due_except_what_the_law_keeps():
    notes = file("Notat.docx", "Kunde AS", created=datetime(2025, 3, 1, tzinfo=UTC))
    invoice = file("Faktura 2025-001.pdf", "Kunde AS", created=datetime(2025, 3, 1, tzinfo=UTC))
    findings = run(customer("2026-01-31", notes, invoice, SlettingEtterDager="10"))
    [ended] = of(findings, ENDED)
    assert (ended.status, ended.due) == ("fail", date(2026, 2, 10))
    assert [(f.item_id, f.due) for f in of(findings, DUE)] == [("Notat.docx", date(2026, 2, 10))]
    [kept] = of(findings, KEPT)
    assert (kept.item_id, kept.keep_until, kept.status) == ("Faktura 2025-001.pdf", date(2030, 12, 31), "info")
    # The day after the hold ends, the invoice is due too.
    later = run(customer("2026-01-31", notes, invoice, SlettingEtterDager="10"),
                now=datetime(2031, 1, 1, 12, tzinfo=UTC))
    assert {(f.item_id, f.due) for f in of(later, DUE)} == {("Notat.docx", date(2026, 2, 10)),
                                                             ("Faktura 2025-001.pdf", date(2031, 1, 1))}


def test_an_unreadable_end_date_is_not_evaluated_and_nothing_is_due():
    findings = run(customer("31/13/2025", file("Notat.docx", "Kunde AS")))
    assert [f.status for f in of(findings, ENDED)] == ["not_evaluated"]
    assert not of(findings, DUE)


def test_fiscal_year_edges_and_half_years():
    december = file("Faktura A.pdf", "Kunde AS", created=datetime(2024, 12, 31, 22, 30, tzinfo=UTC))  # 23:30 Oslo
    january = file("Faktura B.pdf", "Kunde AS", created=datetime(2024, 12, 31, 23, 30, tzinfo=UTC))  # 1 Jan in Oslo
    # The contract lies in a folder without primary documentation, so only its own half years count (C6 follows).
    contract = file("Kontrakt.pdf", "Annen AS", created=datetime(2024, 3, 1, tzinfo=UTC))
    voucher = file("bilag-17.pdf", "bilag", created=datetime(2024, 3, 1, tzinfo=UTC))
    findings = run(customer(None, december, january, item("Annen AS", "kroot"), contract,
                            item("bilag", "Kunde AS", name="Bilag"), voucher))
    kept = {f.item_id: (f.keep_until, dict(f.evidence)["class"]) for f in of(findings, KEPT)}
    assert kept == {"Faktura A.pdf": (date(2029, 12, 31), "primary"), "Faktura B.pdf": (date(2030, 12, 31), "primary"),
                    "Kontrakt.pdf": (date(2028, 6, 30), "secondary"),  # 31 Dec 2024 + 3 years 6 months
                    "bilag-17.pdf": (date(2029, 12, 31), "primary")}  # by folder: Kunde AS/Bilag/…
    a = next(f for f in of(findings, KEPT) if f.item_id == "Faktura A.pdf")
    assert a.message.startswith("Keep item Faktura A.pdf until 2029-12-31, because bokføringsloven § 13")
    assert a.reason and "5 years" in a.reason


def test_a_fiscal_year_ending_in_june_and_an_invoice_date_column():
    classes = (StatutoryClass(name="primary", years=5, label="L", name_patterns=("*faktura*",),
                              date_column="Fakturadato"),)
    config = with_retention(fiscal_year_end=MonthDay(6, 30), statutory=classes)
    dated = file("Faktura C.pdf", "Kunde AS", created=datetime(2025, 9, 1, tzinfo=UTC),
                 Fakturadato="2025-06-29T22:00:00Z")
    undated = file("Faktura D.pdf", "Kunde AS", created=datetime(2025, 9, 1, tzinfo=UTC), Fakturadato="ukjent")
    kept = {f.item_id: f.keep_until for f in of(run(customer(None, dated, undated), config), KEPT)}
    assert kept == {"Faktura C.pdf": date(2030, 6, 30),  # invoiced 30 June 2025: fiscal year ends that day
                    "Faktura D.pdf": date(2031, 6, 30)}  # unreadable date: created 1 Sep 2025, year ends June 2026


def test_content_type_and_column_matchers():
    classes = (StatutoryClass(name="typed", years=5, label="L", content_types=("Faktura",)),
               StatutoryClass(name="flagged", years=3.5, label="L", column=ColumnMatch("Bokføring", True)))
    config = with_retention(statutory=classes)
    recent = datetime(2025, 5, 1, tzinfo=UTC)
    typed = file("a.pdf", "Kunde AS", created=recent, ContentType="Faktura")
    flagged = file("b.pdf", "Kunde AS", created=recent, Bokføring="ja")
    neither = file("c.pdf", "Kunde AS", created=recent, ContentType="Dokument", Bokføring=False)
    findings = run(customer(None, typed, flagged, neither), config)
    kept = {f.item_id: dict(f.evidence)["class"] for f in of(findings, KEPT)}
    assert kept == {"a.pdf": "typed", "b.pdf": "flagged"}


def test_a_file_beside_the_applicant_folders_is_flagged():
    loose = file("cv.pdf", "Søkere", created=datetime(2026, 3, 1, 12, tzinfo=UTC))
    inside = file("brev.pdf", "søker")
    findings = run(snapshot([item("søker", "Søkere", Soknadsdato="2026-10-01"), loose, inside], cus_items=None))
    assert [(f.item_id, f.due) for f in of(findings, "c2.outside-applicant-folder")] == [("cv.pdf", date(2027, 3, 1))]


def test_an_applicant_folder_without_any_date_is_not_silently_skipped():
    from m365_compliance.model import DriveItem

    undated = DriveItem(id="søker", drive_id="d", name="søker", parent_id="Søkere", is_folder=True)
    findings = run(snapshot([undated], cus_items=None))
    assert not of(findings, RETENTION)
    assert [(f.item_id, f.severity) for f in of(findings, COLUMNS)] == [("søker", "high")]


def test_the_policy_file_names_a_statutory_date_column():
    from m365_compliance.config.demo import demo_config_text
    from m365_compliance.config.load import parse_config

    text = demo_config_text("http://127.0.0.1:9/v1.0", "state.sqlite")
    marker = 'name = "primary"\n'
    assert marker in text
    config = parse_config(text.replace(marker, marker + 'date_column = "Fakturadato"\n', 1), "policy.toml")
    assert [c.date_column for c in config.retention.statutory] == ["Fakturadato", None]
