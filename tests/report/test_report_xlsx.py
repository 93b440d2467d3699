"""The workbook of the demo: a sheet per control whose rows are that control's findings, every table
filterable with a frozen header, dates as dates, names only with the option."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from m365_compliance.report.xlsx import render_xlsx
from m365_compliance.state.store import StateStore


def _book(data, lang):
    return load_workbook(BytesIO(render_xlsx(data, lang)))


@pytest.fixture(scope="module")
def books(demo_state):
    data = demo_state.data()
    return {lang: _book(data, lang) for lang in ("nb", "en")}


def _rows(ws):
    header = [c.value for c in ws[1]]
    return [dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)]


def test_a_sheet_per_control_with_its_findings(demo_state, books):
    per_control = Counter(f.control for f in demo_state.findings())
    for lang, book in books.items():
        assert {f"C{i}" for i in range(1, 10)} <= set(book.sheetnames)
        assert book.sheetnames[0] == ("Side én" if lang == "nb" else "Page one")
        assert ("Sammendrag" if lang == "nb" else "Summary") in book.sheetnames
        for control in ("C1", "C2", "C3", "C4", "C5", "C6"):
            ws = book[control]
            assert ws.max_row - 1 == per_control[control], control
        ids = {r["Finding id"] for r in _rows(books["en"]["C2"])}
        assert ids == {f.id for f in demo_state.findings() if f.control == "C2"}
    # C7 lists requests (none yet), C8 the drift entries, C9 the runs.
    assert books["en"]["C7"].max_row == 1
    assert books["en"]["C8"].max_row - 1 == sum(f.is_open for f in demo_state.findings())
    with StateStore(demo_state.config.state.path) as store:
        runs = store.runs()
    assert [(r["Run"], r["Id"]) for r in _rows(books["en"]["C9"])] == [(r["kind"], r["id"]) for r in runs]
    assert {"inventory", "check"} <= {r["kind"] for r in runs}


def test_every_sheet_is_a_filterable_table_with_a_frozen_header(books):
    for book in books.values():
        for ws in book.worksheets:
            assert ws.freeze_panes == "A2", ws.title
            assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
            last = ws.auto_filter.ref.split(":")[1]
            assert int("".join(ch for ch in last if ch.isdigit())) == ws.max_row, ws.title
            assert ws[1][0].font.bold
            assert ws.column_dimensions["A"].width >= max(8, min(len(str(ws["A1"].value)) + 2, 60)), ws.title


def test_figures_and_dates(demo_state, books):
    summary = {r["Field"]: r["Value"] for r in _rows(books["en"]["Summary"])}
    findings = demo_state.findings()
    assert summary["Fail high"] == sum(f.severity == "high" and f.status == "fail" for f in findings) == 15
    assert summary["Version"] == demo_state.config.policy_version
    controls = {r["Control"]: r for r in _rows(books["en"]["Controls"])}
    assert controls["C5"]["Fail medium"] == sum(f.control == "C5" and f.status == "fail" for f in findings)
    c2 = _rows(books["en"]["C2"])
    assert all(isinstance(r["Due"], (date, datetime)) for r in c2 if r["Status"] == "fail" and
               r["Rule id"] == "c2.applicant-retention")
    assert isinstance(summary["Evaluated"], datetime)
    agreements = _rows(books["en"]["Agreements"])
    assert sum(r["Status"] == "running" for r in agreements) == 15
    applicants = _rows(books["en"]["Applicants by age"])
    assert len(applicants) == len(demo_state.demo.manifest.applicants)


def test_names_only_with_the_option(demo_state, books):
    names = [a.name.split(" ", 1)[1] for a in demo_state.demo.manifest.applicants]

    def text(book):
        return "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value)

    assert not [n for n in names if n in text(books["nb"])]
    named = _book(demo_state.data(include_names=True), "nb")
    assert all(n in text(named) for n in names)
    assert "Sti" in [c.value for c in named["C2"][1]] and "Sti" not in [c.value for c in books["nb"]["C2"][1]]
