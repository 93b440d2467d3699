"""Page one in the HTML report: a traffic light per control, the decisions waiting, and what changed.

Each control's line carries ``data-control`` and ``data-light`` and each table an ``id``, so a program
(and the tests) can read the page independently of its language.
"""

from __future__ import annotations

from m365_compliance.report.html_parts import esc, para, table
from m365_compliance.report.model import ReportData
from m365_compliance.report.page_one import page_one
from m365_compliance.report.page_one_text import (
    Table,
    changes_text,
    decision_headings,
    decision_tables,
    reason,
    selection_text,
)
from m365_compliance.report.texts import Texts


def page_one_section(d: ReportData, t: Texts) -> str:
    p = page_one(d)
    lights = "".join(
        f'<li class="light {esc(c.light)}" data-control="{esc(c.control)}" data-light="{esc(c.light)}">'
        f'<span class="dot" aria-hidden="true"></span><span class="lamp">{esc(t(f"p1.light.{c.light}"))}</span> '
        f'<strong>{esc(c.control)} {esc(t(f"control.{c.control}"))}</strong> <span class="why">{esc(reason(c, t))}'
        "</span></li>" for c in p.controls)
    parts = [f'<h3>{esc(t("p1.keeping"))}</h3><ul class="lights" id="lights">{lights}</ul>']
    narrowed = selection_text(d, t)
    if narrowed:
        parts.append(para(narrowed, "note"))
    parts.append(f'<h3>{esc(t("p1.decide"))}</h3>')
    found = decision_tables(p, t)
    if not found:
        parts.append(f'<p id="decide-none">{esc(t("p1.nothing"))}</p>')
    headings = decision_headings(t)
    for key, tab in found:
        parts.append(f"<h4>{esc(headings[key])}</h4>" + _table(f"decide-{key}", tab))
    parts.append(f'<h3>{esc(t("p1.changed"))}</h3><p id="changes">{esc(changes_text(p, t))}</p>')
    return "".join(parts)


def _table(table_id: str, tab: Table) -> str:
    return table(table_id, list(tab.columns), [list(r) for r in tab.rows], row_keys=list(tab.keys))
