"""C7 in the report: data-subject requests by id, kind, dates and state — overdue shown as overdue —
and never the subject's e-mail or name, in any format."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import load_workbook
from report_world import first_night

from m365_compliance.dsar.service import open_case
from m365_compliance.report.html import render_html
from m365_compliance.report.markdown import render_markdown
from m365_compliance.report.xlsx import render_xlsx

SUBJECT = "kari.nordmann@example.no"


def test_cases_are_listed_with_overdue_and_no_subject(tmp_path):
    demo_state = first_night(tmp_path)  # its own state store: the shared one stays without cases
    config = demo_state.config
    late = open_case(config, email=SUBJECT, kind="access", name="Kari Nordmann", received=date(2026, 9, 1),
                     by="personvernombud", now=demo_state.now)
    fresh = open_case(config, email="ola@example.no", kind="erasure", name=None, received=date(2026, 11, 20),
                      by="personvernombud", now=demo_state.now)
    data = demo_state.data()
    rows = {c.case_id: c for c in data.dsar_cases}
    assert rows[late.case_id].overdue and not rows[fresh.case_id].overdue
    assert rows[late.case_id].due == date(2026, 10, 1)
    html = render_html(data, "en")
    assert late.case_id in html and fresh.case_id in html
    book = load_workbook(BytesIO(render_xlsx(data, "en")))
    cells = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert late.case_id in cells
    markdown = render_markdown(data, "en")
    for text in (html, markdown, "\n".join(cells)):
        assert SUBJECT not in text and "Kari Nordmann" not in text and "ola@example.no" not in text
