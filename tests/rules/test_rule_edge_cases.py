"""Rules on small hand-built snapshots: the edge cases of access, deadlines, time zones and the register."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from m365_compliance.config.demo import demo_config_text
from m365_compliance.config.load import parse_config
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot
from m365_compliance.model import DriveItem, Library, LinkScope, Permission, Principal, PrincipalKind
from m365_compliance.rules.dates import add_months, local_date
from m365_compliance.rules.registry import evaluate
from m365_compliance.state.inventory_repo import Gap

CONFIG = parse_config(demo_config_text("http://127.0.0.1:9/v1.0", "state.sqlite"), "policy.toml")
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
REC = Principal(PrincipalKind.GROUP, "g-rec", "Rekruttering", "rekruttering@tretoen.no")
HR = Principal(PrincipalKind.GROUP, "g-hr", "HR", "hr@tretoen.no")
MGMT = Principal(PrincipalKind.GROUP, "g-mgmt", "Ledelse", "ledelse@tretoen.no")
SALES = Principal(PrincipalKind.GROUP, "g-sales", "Salg", "salg@tretoen.no")
KARI = Principal(PrincipalKind.USER, "kari", "Kari", "kari@tretoen.no")
PER = Principal(PrincipalKind.USER, "per", "Per", "per@tretoen.no")  # in HR, nested in recruiters
SIV = Principal(PrincipalKind.USER, "siv", "Siv", "siv@tretoen.no")  # sales
GUEST = Principal(PrincipalKind.GUEST, "gina", "Gina", "gina@kunde.no")  # a customer contact
STRANGER = Principal(PrincipalKind.GUEST, "vik", "Vik", "vik@vikar.no")
OWNERS = Principal(PrincipalKind.SITE_GROUP, "s/3", "Rekruttering Owners")
DIRECTORY = {p.key: p for p in (REC, HR, MGMT, SALES, KARI, PER, SIV, GUEST, STRANGER)}
MEMBERS = {"g-rec": (KARI.key, HR.key, PER.key), "g-hr": (PER.key,), "g-mgmt": (), "g-sales": (SIV.key,)}
ROLES = {"recruiters": ("g-rec",), "management": ("g-mgmt",), "sales": ("g-sales",)}


def item(item_id, parent, *, folder=True, created=datetime(2020, 1, 1, tzinfo=UTC), **fields):
    return DriveItem(id=item_id, drive_id="d", name=item_id, parent_id=parent, is_folder=folder, created=created,
                     is_root=parent is None, fields=tuple(sorted(fields.items())))


def grant(pid, *who, link=None, expires=None):
    return Permission(pid, ("read",), tuple(who), link, "view" if link else None, expires)


BASE_PERMS = (grant("3", OWNERS), grant("rec", REC))


def snapshot(rec_items=(), rec_perms=None, cus_items=(), cus_perms=None, rows=(), gaps=()):
    scopes = {}
    if rec_items is not None:
        items = {i.id: i for i in [item("root", None), item("Søkere", "root"), *rec_items]}
        scopes["recruitment"] = ScopeSnapshot.build("recruitment", "https://x/sites/rekruttering",
                                                    Library("d", "s", "Dokumenter", "u"), "Søkere", 1, items,
                                                    {"root": BASE_PERMS, **(rec_perms or {})})
    if cus_items is not None:
        items = {i.id: i for i in [item("root", None), *cus_items]}
        scopes["customers"] = ScopeSnapshot.build("customers", "https://x/sites/kunder",
                                                  Library("c", "s2", "Avtaler", "u"), "root", 1, items,
                                                  {"root": (grant("3", OWNERS), grant("m", MGMT), grant("s", SALES)),
                                                   **(cus_perms or {})})
    return Snapshot("run", NOW, "v", scopes, DIRECTORY, MEMBERS, ROLES, tuple(rows), tuple(gaps))


def failing(findings, rule_id, status="fail"):
    return {f.item_id for f in findings if f.rule_id == rule_id and f.status == status}


def row(customer, start="2024-01-01", end=None, contacts=(), **extra):
    data = {"id": customer, "Title": customer, "Mappe": customer, "Startdato": start, "AvtaleId": f"A-{customer}",
            "Kontaktpersoner": [{"Email": c} for c in contacts], "SlettingEtterDager": 30}
    if end:
        data["Sluttdato"] = end
    return {**data, **extra}


def test_nested_group_member_allowed_sales_user_not():
    folder = item("kari-søker", "Søkere")
    perms = {"kari-søker": (*BASE_PERMS, grant("per", PER), grant("siv", SIV))}
    findings = evaluate(snapshot([folder], perms, cus_items=None), CONFIG, NOW)
    flagged = {dict(f.evidence)["principal"] for f in findings if f.rule_id == "c1.recruitment-access"}
    assert flagged == {SIV.key}


def test_guest_contact_person_allowed_other_guest_not():
    folder = item("Kunde AS", "root")
    perms = {"Kunde AS": (grant("m", MGMT), grant("gina", GUEST), grant("vik", STRANGER))}
    findings = evaluate(snapshot(None, cus_items=[folder], cus_perms=perms,
                                 rows=[row("Kunde AS", contacts=["gina@kunde.no"])]), CONFIG, NOW)
    flagged = {dict(f.evidence)["principal"]: f.severity for f in findings if f.rule_id == "c3.customer-access"}
    assert flagged == {STRANGER.key: "high"}


def test_anonymous_link_on_a_subfolder_and_an_expired_link():
    items = [item("søker", "Søkere"), item("sub", "søker"), item("cv.pdf", "søker", folder=False)]
    perms = {"sub": (*BASE_PERMS, grant("l1", link=LinkScope.ANONYMOUS)),
             "cv.pdf": (*BASE_PERMS, grant("l2", link=LinkScope.ANONYMOUS, expires=datetime(2026, 1, 1, tzinfo=UTC)))}
    findings = {f.item_id: f for f in evaluate(snapshot(items, perms, cus_items=None), CONFIG, NOW)
                if f.rule_id == "c1.recruitment-access"}
    assert set(findings) == {"sub", "cv.pdf"}
    assert findings["sub"].severity == "high" and findings["cv.pdf"].severity == "low"


@pytest.mark.parametrize("applied, expected", [
    ("2026-01-02", None),  # 10.8 months: outside the 30-day warning window
    ("2025-11-28", "warn"),  # 11.9 months: deadline in three days
    ("2025-11-22", "fail"),  # 12.1 months
])
def test_applicant_around_twelve_months(applied, expected):
    folder = item("søker", "Søkere", Soknadsdato=applied)
    found = {f.status for f in evaluate(snapshot([folder], cus_items=None), CONFIG, NOW)
             if f.rule_id == "c2.applicant-retention"}
    assert found == ({expected} if expected else set())


def test_oslo_midnight_instants_and_leap_days():
    tz = CONFIG.retention.timezone
    assert local_date("2026-02-28T23:00:00Z", tz) == date(2026, 3, 1)  # winter: UTC+1
    assert local_date("2026-06-30T22:00:00Z", tz) == date(2026, 7, 1)  # summer: UTC+2
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    # Applied on the leap day: due on 28 February, so on that morning in Oslo it is past due.
    folder = item("søker", "Søkere", Soknadsdato="2024-02-28T23:00:00Z")
    morning = datetime(2025, 2, 27, 23, 30, tzinfo=UTC)  # 00:30 on 28 Feb in Oslo
    evening_before = datetime(2025, 2, 27, 22, 30, tzinfo=UTC)  # 23:30 on 27 Feb in Oslo
    status = lambda now: {f.status for f in evaluate(snapshot([folder], cus_items=None), CONFIG, now)  # noqa: E731
                          if f.rule_id == "c2.applicant-retention"}
    assert status(morning) == {"fail"}
    assert status(evening_before) == {"warn"}


def test_folder_creation_date_when_no_column_and_hired_never_due():
    old = item("gammel", "Søkere", created=datetime(2024, 1, 1, tzinfo=UTC))
    hired = item("ansatt", "Søkere", Soknadsdato="2024-01-01", Ansatt=True)
    findings = evaluate(snapshot([old, hired], cus_items=None), CONFIG, NOW)
    assert failing(findings, "c2.applicant-retention") == {"gammel"}
    assert failing(findings, "c2.hired-applicant") == {"ansatt"}


def test_agreement_that_ended_yesterday_and_fiscal_year_edges():
    folder = item("Kunde AS", "root")
    december = item("Faktura 2019-001.pdf", "Kunde AS", folder=False, created=datetime(2019, 12, 31, 12, tzinfo=UTC))
    january = item("Faktura 2020-001.pdf", "Kunde AS", folder=False, created=datetime(2020, 1, 1, 12, tzinfo=UTC))
    notes = item("Notat.docx", "Kunde AS", folder=False)
    # 2026-11-24T23:00:00Z is 25 November in Oslo: the agreement ends today and is still running.
    snap = snapshot(None, cus_items=[folder, december, january, notes],
                    rows=[row("Kunde AS", end="2026-11-24T23:00:00Z")])
    findings = evaluate(snap, CONFIG, NOW)
    assert failing(findings, "c5.agreement-ended", "warn") == set()
    snap = snapshot(None, cus_items=[folder, december, january, notes], rows=[row("Kunde AS", end="2026-11-24")])
    findings = evaluate(snap, CONFIG, NOW)
    assert failing(findings, "c5.agreement-ended", "warn") == {"Kunde AS"}
    assert not [f for f in findings if f.rule_id == "c6.statutory-hold"]  # both holds ended before 2026
    assert not [f for f in findings if f.rule_id == "c5.disposal-due"]  # the DPA's 30 days are not over
    # 31 Dec 2019 and 1 Jan 2020 are a fiscal year apart: five years after each year's end.
    later = evaluate(snap, CONFIG, datetime(2024, 6, 1, tzinfo=UTC))
    kept = {f.item_id: f.keep_until for f in later if f.rule_id == "c6.statutory-hold"}
    assert kept == {"Faktura 2019-001.pdf": date(2024, 12, 31), "Faktura 2020-001.pdf": date(2025, 12, 31)}


def test_malformed_register_rows_are_findings_not_crashes():
    folder = item("Kunde AS", "root")
    rows = [row("Kunde AS", start="31/02/2024x"), row("Kunde AS"), row("Borte AS")]
    findings = evaluate(snapshot(None, cus_items=[folder], rows=rows), CONFIG, NOW)
    titles = sorted(f.title for f in findings if f.rule_id == "c4.register-row")
    assert titles == ["Duplicate register row", "Register row with missing or invalid data",
                      "Register row without a folder"]


def test_finding_ids_are_stable_and_gaps_are_not_evaluated():
    items = [item("søker", "Søkere")]
    perms = {"søker": (*BASE_PERMS, grant("siv", SIV))}
    gap = Gap("customers", "https://x/sites/kunder", "resolve site and library", "Access denied", 403, "grant it")
    first = evaluate(snapshot(items, perms, cus_items=None, gaps=[gap]), CONFIG, NOW)
    second = evaluate(snapshot(items, perms, cus_items=None, gaps=[gap]), CONFIG, NOW)
    assert [f.id for f in first] == [f.id for f in second]
    not_evaluated = {f.control for f in first if f.status == "not_evaluated"}
    assert not_evaluated == {"C3", "C4", "C5", "C6"}
