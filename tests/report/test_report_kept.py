"""What the newest nightly plan kept because of a retention label or the law: the demo's record label as the
pipeline planned it, and stored plans with every kept code (and a hostile reason) read back from the HTML
page, the workbook and the Markdown summary; a data-subject erasure plan and older plans are not shown."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from report_page import Page

from m365_compliance.actions.journal import Journal, escape_cell
from m365_compliance.actions.plan_json import plan_from_json, plan_to_json
from m365_compliance.actions.plan_model import Plan, Skipped
from m365_compliance.report.data import build_report_data
from m365_compliance.report.html import render_html
from m365_compliance.report.html_sections import KEPT_OPEN_ROWS
from m365_compliance.report.markdown import render_markdown
from m365_compliance.report.model import KEPT_CODES
from m365_compliance.report.xlsx import render_xlsx
from m365_compliance.state.store import StateStore, to_text

DRIVE = "b!kunder0000000000000000000000000000000000000000"
HOSTILE = "=cmd|' /C calc'!A0 <script>alert(1)</script>"
WORDS = {
    "nb": {"record_label": "registrert som post (record)", "retention_label": "oppbevaringsetikett",
           "label_unknown": "etikett kunne ikke leses",
           "holds_protected": "mappe beholdt: inneholder beskyttet innhold", "statutory_hold": "bokføringsloven"},
    "en": {"record_label": "record label", "retention_label": "retention label",
           "label_unknown": "label could not be read", "holds_protected": "folder kept: holds protected items",
           "statutory_hold": "bookkeeping law"},
}
SHEET = {"nb": "Beholdt – etikett eller lov", "en": "Kept – label or law"}
HOLDS = KEPT_OPEN_ROWS  # enough statutory holds that the listing is collapsed


def _skipped() -> tuple[Skipped, ...]:
    """One entry of every kept code (the retention label's reason a formula and a script), many statutory holds,
    and entries the section must leave out (they are not kept by a label or the law)."""
    kept = [
        Skipped(f"{DRIVE}/REC1", "record_label", "Item REC1 carries the retention label 'Avtale record' "
                "(record (locked)), which keeps it: never deleted.", ("C5-aaaa00000001",)),
        Skipped(f"{DRIVE}/RET1", "retention_label", HOSTILE, ("C5-aaaa00000002", "C5-aaaa00000003")),
        Skipped(f"{DRIVE}/UNK1", "label_unknown", "The retention label of item UNK1 could not be read (HTTP 503): "
                "nothing is deleted whose label is unknown.", ("C5-aaaa00000004",)),
        Skipped(f"{DRIVE}/FOLDER1", "holds_protected", "Folder FOLDER1 stays: 2 item(s) in it are kept (see their "
                "own entries); what else is in it is deleted item by item.", ("C5-aaaa00000001",)),
    ]
    kept += [Skipped(f"{DRIVE}/HOLD{i:02d}", "statutory_hold", f"C6: item HOLD{i:02d} is kept by bookkeeping law "
                     f"until 2031-12-31 (primary).", (f"C5-bbbb000000{i:02d}",)) for i in range(HOLDS)]
    left_out = [Skipped(f"{DRIVE}/OFF1", "remediation_off", "Remediation is off for C3.", ("C3-cccc00000001",)),
                Skipped(f"{DRIVE}/HIRED", "hired_applicant", "Hired: moved out, not deleted.", ("C2-dddd00000001",))]
    return tuple(kept[:2] + left_out[:1] + kept[2:] + left_out[1:])


def _plan(skipped: tuple[Skipped, ...], version: str = "2022-07-04") -> Plan:
    return Plan(created_at=datetime(2026, 11, 25, 2, 0, tzinfo=UTC), policy_version=version,
                snapshot_run_id="run-test", scope_items=100, actions=(), skipped=skipped)


def _insert(store: StateStore, plan: Plan, recorded_at: datetime, made_by: str, body: str | None = None) -> None:
    Journal(store)  # the plans table of a store that never planned
    store.db.execute("INSERT INTO plans(plan_id, created_at, recorded_at, policy_version, snapshot_run_id, actions, "
                     "skipped, body, made_by) VALUES (?,?,?,?,?,?,?,?,?)",
                     (plan.id, to_text(plan.created_at), to_text(recorded_at), plan.policy_version,
                      plan.snapshot_run_id, len(plan.actions), len(plan.skipped), body or plan_to_json(plan), made_by))


def _copy_store(demo_state, tmp_path: Path) -> Path:
    """The demo's state store copied (the shared one stays as the pipeline left it)."""
    target = tmp_path / "state.sqlite"
    source, copy = sqlite3.connect(demo_state.config.state.path), sqlite3.connect(target)
    with copy:
        source.backup(copy)
    source.close()
    copy.close()
    return target


def _data(demo_state, path: Path):
    with StateStore(path) as store:
        return build_report_data(store, demo_state.config, now=demo_state.now)


def _sheet_rows(book, name):
    ws = book[name]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)]


def _summary(book, lang):
    return {r["Felt" if lang == "nb" else "Field"]: r["Verdi" if lang == "nb" else "Value"]
            for r in _sheet_rows(book, "Sammendrag" if lang == "nb" else "Summary")}


# ---------------------------------------------------------------------- the demo, planned by the pipeline
def test_the_demo_plan_keeps_the_record_labelled_contract(demo_state):
    """The demo's nightly run planned through the real planner: its record-labelled customer file is kept."""
    with StateStore(demo_state.config.state.path) as store:
        rows = store.db.execute("SELECT body FROM plans WHERE made_by='plan' ORDER BY recorded_at").fetchall()
    plan = plan_from_json(rows[-1]["body"])
    expected = [s for s in plan.skipped if s.code in KEPT_CODES]
    assert [s.code for s in expected] == ["record_label"]  # the demo's one record label ("Avtale record")
    data = demo_state.data()
    assert data.kept.plan_id == plan.id
    assert [(r.drive_id + "/" + r.item_id, r.code, r.reason, r.finding_ids) for r in data.kept.rows] == \
        [(s.subject, s.code, s.reason, s.finding_ids) for s in expected]
    for lang in ("nb", "en"):
        page = Page(render_html(data, lang))
        assert "kept" in page.sections
        counts = page.tables["kept-counts"].by_key()
        assert list(counts) == list(KEPT_CODES)
        assert {k: int(v["count"]) for k, v in counts.items()} == {c: int(c == "record_label") for c in KEPT_CODES}
        row = page.tables["kept"].by_key()[f"{expected[0].subject.split('/')[1]}:record_label"]
        assert row["why"] == WORDS[lang]["record_label"]
        assert row["reason"] == {"nb": "etiketten «Avtale record»", "en": "the label 'Avtale record'"}[lang]
        assert row["findings"] == ", ".join(expected[0].finding_ids)
        html = render_html(data, lang)
        assert "<details><summary>" not in html[html.index('id="kept"'):html.index('id="agreements"')]  # one row: open
        book = load_workbook(BytesIO(render_xlsx(data, lang)))
        assert [(r[book[SHEET[lang]]["A1"].value], r[book[SHEET[lang]]["C1"].value]) for r in
                _sheet_rows(book, SHEET[lang])] == [(expected[0].subject.split("/")[1], "record_label")]
    md = render_markdown(data, "en")
    line = next(x for x in md.splitlines() if x.startswith("- **Kept because of a retention label or the law:**"))
    assert "record label 1" in line and "bookkeeping law 0" in line
    assert expected[0].subject.split("/")[1] not in md  # counts only


# ---------------------------------------------------------------------- stored plans, every code
@pytest.fixture(scope="module")
def planned(demo_state, tmp_path_factory):
    """The demo's store with an older nightly plan, the newest one (every code, a hostile reason) recorded
    before the older one's row, and a still newer data-subject erasure plan."""
    path = _copy_store(demo_state, tmp_path_factory.mktemp("kept"))
    newest = _plan(_skipped())
    older = _plan((Skipped(f"{DRIVE}/OLD1", "retention_label", "Item OLD1: an older plan.", ("C5-eeee00000001",)),),
                  version="2022-01-01")
    erasure = _plan((Skipped(f"{DRIVE}/DSAR1", "statutory_hold", "Kept until 2030-12-31: erasure.", ()),),
                    version="2022-07-05")
    with StateStore(path) as store:
        _insert(store, newest, datetime(2099, 1, 2, tzinfo=UTC), "plan")
        _insert(store, older, datetime(2099, 1, 1, 23, 59, 59, 999999, tzinfo=UTC), "plan")
        _insert(store, erasure, datetime(2099, 1, 3, tzinfo=UTC), "dsar_erasure")
    return newest, _data(demo_state, path)


def test_the_newest_nightly_plan_is_shown(planned):
    plan, data = planned
    k = data.kept
    assert k.plan_id == plan.id and k.available
    expected = [s for s in plan.skipped if s.code in KEPT_CODES]
    assert len(k.rows) == len(expected) == 4 + HOLDS
    assert {(r.drive_id, r.item_id, r.code, r.reason, r.finding_ids) for r in k.rows} == \
        {(*s.subject.split("/"), s.code, s.reason, s.finding_ids) for s in expected}
    assert [r.code for r in k.rows] == sorted((r.code for r in k.rows), key=KEPT_CODES.index)  # grouped by code
    assert dict(k.counts) == {"record_label": 1, "retention_label": 1, "label_unknown": 1, "holds_protected": 1,
                              "statutory_hold": HOLDS}
    assert not {"OLD1", "DSAR1", "OFF1", "HIRED"} & {r.item_id for r in k.rows}


def test_html_counts_rows_and_escaping(planned):
    plan, data = planned
    expected = {f"{s.subject.split('/')[1]}:{s.code}": s for s in plan.skipped if s.code in KEPT_CODES}
    for lang in ("nb", "en"):
        html = render_html(data, lang)
        page = Page(html)
        sections = page.sections
        assert sections.index("deletions") < sections.index("kept") < sections.index("actions")
        counts = page.tables["kept-counts"]
        assert {k: int(v["count"]) for k, v in counts.by_key().items()} == dict(data.kept.counts)
        assert {k: v["code"] for k, v in counts.by_key().items()} == WORDS[lang]
        assert int(counts.total["count"]) == len(expected)
        rows = page.tables["kept"].by_key()
        assert set(rows) == set(expected)
        for key, s in expected.items():
            assert rows[key]["item"] == s.subject.split("/")[1]
            assert rows[key]["why"] == WORDS[lang][s.code]
            # In the report's language: the label's name or the keep-until date (the planner's text: the workbook).
            detail = {"REC1": {"nb": "etiketten «Avtale record»", "en": "the label 'Avtale record'"}[lang],
                      "RET1": "", "UNK1": "", "FOLDER1": ""}.get(key.split(":")[0])
            assert rows[key]["reason"] == (detail if detail is not None else
                                           {"nb": "til 2031-12-31", "en": "until 2031-12-31"}[lang])
            assert rows[key]["findings"] == ", ".join(s.finding_ids)
        # The hostile reason is never markup on the page (it is text in the workbook).
        assert "<script>alert(1)</script>" not in html
        # More than KEPT_OPEN_ROWS entries: the listing is collapsed, the counts stay in view.
        section = html[html.index('<section id="kept">'):html.index('<section id="agreements">')]
        assert section.index("<details><summary>") < section.index('<table id="kept"') and \
            section.index('<table id="kept-counts"') < section.index("<details>")
    assert "Kept because of a retention label or the law" in Page(render_html(data, "en")).text
    assert "Beholdt på grunn av oppbevaringsetikett eller lov" in Page(render_html(data, "nb")).text


def test_xlsx_sheet_rows_and_formula_escaping(planned):
    plan, data = planned
    expected = [s for s in plan.skipped if s.code in KEPT_CODES]
    for lang in ("nb", "en"):
        book = load_workbook(BytesIO(render_xlsx(data, lang)))
        ws = book[SHEET[lang]]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:F{len(expected) + 1}"
        header = [c.value for c in ws[1]]
        item, why, code, reason, findings, plan_col = header
        rows = _sheet_rows(book, SHEET[lang])
        assert Counter(r[code] for r in rows) == Counter(s.code for s in expected)
        assert {(r[item], r[code]) for r in rows} == {(s.subject.split("/")[1], s.code) for s in expected}
        assert all(r[why] == WORDS[lang][r[code]] and r[plan_col] == plan.id for r in rows)
        hostile = next(r for r in rows if r[code] == "retention_label")
        assert hostile[reason] == escape_cell(HOSTILE) == "'" + HOSTILE  # shown as text, never run
        assert hostile[findings] == "C5-aaaa00000002, C5-aaaa00000003"
        cells = [c for row in ws.iter_rows(min_row=2) for c in row]
        assert not [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
        assert all(c.data_type != "f" for c in cells)
        summary = _summary(book, lang)
        section = "Beholdt på grunn av oppbevaringsetikett eller lov" if lang == "nb" else \
            "Kept because of a retention label or the law"
        assert {c: summary[f"{section}: {WORDS[lang][c]}"] for c in KEPT_CODES} == dict(data.kept.counts)


def test_markdown_has_one_line_of_counts_and_no_ids(planned):
    plan, data = planned
    for lang, title in (("nb", "Beholdt på grunn av oppbevaringsetikett eller lov"),
                        ("en", "Kept because of a retention label or the law")):
        md = render_markdown(data, lang)
        lines = [x for x in md.splitlines() if title in x]
        assert len(lines) == 1
        for c, n in data.kept.counts:
            assert f"{WORDS[lang][c]} {n}" in lines[0]
        assert plan.id not in md and "REC1" not in md and "HOLD00" not in md and "calc" not in md
        assert len(md.splitlines()) <= 60


# ---------------------------------------------------------------------- no plan, an unreadable plan
def test_without_a_plan_the_section_says_so(demo_state, tmp_path):
    path = _copy_store(demo_state, tmp_path)
    with StateStore(path) as store:
        store.db.execute("DELETE FROM plans")
    data = _data(demo_state, path)
    assert data.kept.plan_id is None and data.kept.rows == ()
    for lang, text in (("nb", "Ingen plan er lagret ennå"), ("en", "No plan is stored yet")):
        html = render_html(data, lang)
        page = Page(html)
        assert "kept" in page.sections and "kept" not in page.tables and "kept-counts" not in page.tables
        section = html[html.index('<section id="kept">'):html.index('<section id="agreements">')]
        assert text in section
        book = load_workbook(BytesIO(render_xlsx(data, lang)))
        assert book[SHEET[lang]].max_row == 1  # the header only
        assert any(str(v).startswith(text) for v in _summary(book, lang).values())
        assert text in render_markdown(data, lang)


def test_a_plan_changed_after_it_was_recorded_is_not_shown(demo_state, tmp_path):
    path = _copy_store(demo_state, tmp_path)
    plan = _plan(_skipped())
    with StateStore(path) as store:
        _insert(store, plan, datetime(2099, 1, 1, tzinfo=UTC), "plan",
                body=plan_to_json(plan).replace("'Avtale record'", "'Something else'"))
    data = _data(demo_state, path)
    assert data.kept.plan_id == plan.id and not data.kept.available and data.kept.rows == ()
    assert "changed after it was made" in data.kept.unreadable
    page = Page(render_html(data, "en"))
    assert "kept" not in page.tables and f"The newest plan ({plan.id}) could not be read" in page.text
    md = render_markdown(data, "en")
    assert "The newest plan could not be read." in md and plan.id not in md
