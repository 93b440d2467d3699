"""The building blocks of the HTML report: escaped tables, figure cells and finding tables.

Every text that reaches the page goes through :func:`esc` (names and paths can hold ``<``, ``&`` and
quotes, control characters, bidi overrides and the Actions runner's ``##[``). Each table has an ``id``
and each cell a ``data-col`` key, so the figures can be read back by a program independently of the
language the headers are in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from m365_compliance.report.model import FindingRow
from m365_compliance.report.texts import Texts
from m365_compliance.terminal_text import LEGACY_COMMAND, visible

Cell = str | int | None
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def esc(value: object) -> str:
    """``value`` as HTML text or attribute value: markup escaped, and what HTML escaping leaves alone made
    visible too. A control character, a line separator or a bidi override shows as its escape (``\\x1b``,
    ``\\u202e``, as on the terminal: :func:`~m365_compliance.terminal_text.visible`), so a name can neither
    reorder what the page shows nor put a raw escape sequence or line break in the file; ``##[`` is written
    ``##&#91;``, which a browser shows as ``##[`` but a CI log that prints the file does not run."""
    text = escape(visible("" if value is None else value), quote=True)
    return text.replace(LEGACY_COMMAND, "##&#91;")


def table(table_id: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Cell]], *,
          row_keys: Sequence[str] | None = None, total: Sequence[Cell] | None = None, compact: bool = False) -> str:
    """A table whose header cells carry ``data-col`` keys and whose rows may carry ``data-key``; a compact
    one is only as wide as its content."""
    head = "".join(f'<th scope="col" data-col="{esc(k)}">{esc(label)}</th>' for k, label in columns)
    body = []
    for i, row in enumerate(rows):
        key = f' data-key="{esc(row_keys[i])}"' if row_keys else ""
        cells = "".join(_cell(k, v) for (k, _), v in zip(columns, row, strict=True))
        body.append(f"<tr{key}>{cells}</tr>")
    foot = ""
    if total is not None:
        foot = '<tfoot><tr data-key="total">' + "".join(
            _cell(k, v) for (k, _), v in zip(columns, total, strict=True)) + "</tr></tfoot>"
    css = "data compact" if compact else "data"
    # The wrapper scrolls a wide table on a narrow screen; the page itself never scrolls sideways.
    return (f'<div class="scroll"><table id="{esc(table_id)}" class="{css}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody>{foot}</table></div>")


def _cell(key: str, value: Cell) -> str:
    css = ' class="num"' if isinstance(value, int) else ' class="day"' if isinstance(value, str) and _DAY.fullmatch(
        value) else ""
    return f'<td data-col="{esc(key)}"{css}>{esc(value if value is not None else "")}</td>'


def badge(kind: str, text: str) -> str:
    return f'<span class="badge {esc(kind)}">{esc(text)}</span>'


def para(text: str, css: str = "") -> str:
    cls = f' class="{esc(css)}"' if css else ""
    return f"<p{cls}>{esc(text)}</p>"


def finding_columns(t: Texts, include_names: bool) -> list[tuple[str, str]]:
    """The finding in words first (what, where, how bad, what to do); ids last, in the detail columns."""
    columns = [("title", t("finding")), ("subject", t("concerns")), ("severity", t("severity")),
               ("status", t("status")), ("drift", t("drift_state")), ("first_seen", t("first_seen")),
               ("due", t("due")), ("message", t("message")), ("remediation", t("remediation"))]
    if include_names:
        columns.append(("path", t("path")))
    columns += [("id", t("finding_id")), ("reference", t("reference"))]
    return columns


def finding_cells(f: FindingRow, t: Texts, include_names: bool) -> list[Cell]:
    state = t.label("drift.state", f.drift_state) if f.drift_state else ""
    w = f.text(t.lang)
    cells: list[Cell] = [w.title, w.subject, t.label("severity", f.severity), t.label("status", f.status),
                         state + (" ⚠ 72 h" if f.on_breach_clock else ""), t.day(f.first_seen) if f.first_seen else "",
                         t.day(f.due or f.keep_until) if (f.due or f.keep_until) else "", w.message, w.remediation]
    if include_names:
        cells.append(f.path)
    cells += [f.id, f.item_id or f.reference or f.scope]
    return cells


def finding_table(table_id: str, rows: Sequence[FindingRow], t: Texts, include_names: bool) -> str:
    if not rows:
        return para(t("none"))
    return table(table_id, finding_columns(t, include_names),
                 [finding_cells(f, t, include_names) for f in rows], row_keys=[f.id for f in rows])
