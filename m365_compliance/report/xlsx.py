"""The management report as an XLSX workbook: a summary, one sheet per control C1–C9, and the tables
behind each section (trend, agreements, applicants by age, deletions, what the newest plan kept because of
a retention label or the law, actions, exceptions, …).

Every sheet is one table: a bold header row that stays frozen, an auto-filter over the whole table,
column widths that fit, dates as real dates. Every text cell goes through the journal's
:func:`escape_cell`, so a name or message starting with ``=``, ``+``, ``-`` or ``@`` is shown as text
instead of being run as a formula (OWASP "CSV injection"), and its control characters, line separators
and bidi overrides are shown as escapes (``\\x1b``, ``\\u202e``), not dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from m365_compliance.actions.journal import escape_cell
from m365_compliance.drift.compare import DRIFT_STATES
from m365_compliance.report.html_sections import coverage_what, kept_summary
from m365_compliance.report.model import (
    AGREEMENT_STATES,
    CONTROLS,
    RULE_CONTROLS,
    FindingRow,
    ReportData,
)
from m365_compliance.report.page_one import page_one
from m365_compliance.report.page_one_text import (
    changes_text,
    decision_tables,
    selection_text,
    status_table,
)
from m365_compliance.report.texts import Language, Texts
from m365_compliance.rules.finding_texts import statutory_class

SHEET_NAMES = {
    "summary": ("Sammendrag", "Summary"), "controls": ("Kontroller", "Controls"), "trend": ("Utvikling", "Trend"),
    "coverage": ("Dekning", "Coverage"), "agreements": ("Avtaler", "Agreements"),
    "holds": ("Lovpålagt oppbevaring", "Statutory holds"), "applicants": ("Søkere etter alder", "Applicants by age"),
    "deletions": ("Slettinger", "Deletions"), "kept": ("Beholdt – etikett eller lov", "Kept – label or law"),
    "actions": ("Tiltak", "Actions"), "exceptions": ("Unntak", "Exceptions"),
    "alerts": ("Varslingsfeil", "Alert failures"),
    "page_one": ("Side én", "Page one"), "decisions": ("Beslutninger", "Decisions"),
    "decide_approvals": ("Godkjenninger som venter", "Approvals waiting"),
    "decide_expiring": ("Unntak som utløper", "Exceptions expiring"),
    "decide_requests": ("Begjæringer med frist", "Requests due"),
    "decide_exposures": ("72-timersfristen", "72-hour clock"),
}
MIN_WIDTH, MAX_WIDTH = 8, 60  # the minimum leaves room for the filter button
Row = Sequence[Any]


def render_xlsx(data: ReportData, lang: Language = "nb") -> bytes:
    t = Texts(lang, data.tz)
    book = Workbook()
    book.remove(book.active)
    index = 0 if lang == "nb" else 1

    def sheet(key: str, header: Sequence[str], rows: Sequence[Row]) -> None:
        _table(book.create_sheet(SHEET_NAMES[key][index] if key in SHEET_NAMES else key), header, rows, data)

    sheet("page_one", *_page_one(data, t))
    decisions = decision_tables(page_one(data), t)
    for key, tab in decisions:  # one sheet per kind of decision waiting, each a proper table
        sheet(f"decide_{key}", [h for _, h in tab.columns], tab.rows)
    if not decisions:
        sheet("decisions", [t("p1.decide")], [[t("p1.nothing")]])
    sheet("summary", [t("field"), t("value")], _summary(data, t))
    sheet("controls", [t("control"), t("control_name"), t("col.fail_high"), t("col.fail_medium"), t("col.fail_low"),
                       t("col.warn"), t("col.info"), t("col.not_evaluated"), t("total")],
          [[c, t(f"control.{c}"), data.counts.n(c, "high", "fail"), data.counts.n(c, "medium", "fail"),
            data.counts.n(c, "low", "fail"), data.counts.n(c, status="warn"), data.counts.n(c, status="info"),
            data.counts.n(c, status="not_evaluated"), data.counts.n(c)] for c in CONTROLS])
    header, cells = _finding_columns(t, data.include_names)
    for c in RULE_CONTROLS:
        sheet(c, header, [cells(f) for f in data.findings_of(c)])
    sheet("C7", *_dsar(data, t))
    sheet("C8", header, [cells(f) for f in data.drift.entries])
    sheet("C9", [t("run.kind"), t("run.id"), t("run.started"), t("run.finished"), t("run.status"), t("version")],
          [[t.label("run.kind", r.kind), r.id, r.started, r.finished, t.label("run.state", r.status), r.policy_version]
           for r in data.evidence.runs])
    sheet("trend", [t("evaluation"), t("evaluated_at"), t("version"), t("col.fail_high"), t("col.fail_medium"),
                    t("col.fail_low"), t("col.warn"), t("col.not_evaluated"), t("col.info")],
          [[p.evaluation.id, p.evaluation.evaluated_at, p.evaluation.policy_version,
            p.counts.n(severity="high", status="fail"), p.counts.n(severity="medium", status="fail"),
            p.counts.n(severity="low", status="fail"), p.counts.n(status="warn"), p.counts.n(status="not_evaluated"),
            p.counts.n(status="info")] for p in data.trend])
    sheet("coverage", [t("control"), t("scope"), t("coverage.what"), t("count")],
          [[r.control, t.label("scope", r.scope), coverage_what(r.what, t), r.count] for r in data.coverage.rows])
    sheet("agreements", *_agreements(data, t))
    sheet("holds", [t("holds.year"), t("holds.class"), t("count"), t("holds.first"), t("holds.last")],
          [[g.year, statutory_class(g.cls, t.lang), g.count, g.first, g.last] for g in data.agreements.holds])
    sheet("applicants", *_applicants(data, t))
    sheet("deletions", *_deletions(data, t))
    sheet("kept", *_kept(data, t))
    sheet("actions", [t("actions.mode"), t("actions.kind"), t("actions.result"), t("count")],
          [[t.label("mode", c.mode), t.label("kind", c.kind), t.label("result", c.result), c.count]
           for c in data.actions.counts])
    sheet("exceptions", [t("finding"), t("control"), t("exception.owner"), t("exception.reason"),
                         t("exception.expires"), t("status"), t("exception.accepted_at"), t("exception.accepted_by")],
          [[x.finding_id, x.control, x.owner, x.reason, x.expires, t.label("exception.state", x.state),
            x.accepted_at, x.accepted_by] for x in data.exceptions])
    sheet("alerts", [t("alerts.sink"), t("alerts.attempts"), t("alerts.failed_attempts"), t("alerts.failed_alerts"),
                     t("alerts.last_error"), t("alerts.last_at")],
          [[f.sink, f.attempts, f.failed_attempts, f.failed_alerts, f.last_error, f.last_at]
           for f in data.alert_failures])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _page_one(d: ReportData, t: Texts) -> tuple[list[str], list[Row]]:
    """Are we keeping the policy: a line per control, and what changed, in the report's language."""
    p = page_one(d)
    status = status_table(p, t)
    rows: list[Row] = [list(r) for r in status.rows]
    rows.append(["", t("p1.changed"), "", changes_text(p, t)])
    narrowed = selection_text(d, t)
    if narrowed:
        rows.append(["", "", "", narrowed])
    return [h for _, h in status.columns], rows


def _summary(d: ReportData, t: Texts) -> list[Row]:
    e = d.evaluation
    rows: list[Row] = [
        [t("policy"), d.policy_name], [t("version"), d.policy_version], [t("evaluation"), e.id],
        [t("evaluated_at"), e.evaluated_at], [t("inventory_run"), d.inventory.id if d.inventory else e.snapshot_run_id],
        [t("generated_at"), d.generated_at], [t("timezone"), str(d.tz.key)],
        ["", t("names_on") if d.include_names else t("names_off")],
        [t("col.fail_high"), d.counts.n(severity="high", status="fail")],
        [t("col.fail_medium"), d.counts.n(severity="medium", status="fail")],
        [t("col.fail_low"), d.counts.n(severity="low", status="fail")],
        [t("col.warn"), d.counts.n(status="warn")], [t("col.not_evaluated"), d.counts.n(status="not_evaluated")],
        [t("breach_clock"), len(d.drift.breach)],
        [t("sec.deletions") + ": " + t("due_since"), len(d.deletions.overdue)],
        [t("sec.deletions") + ": " + t("due"), len(d.deletions.upcoming)],
    ]
    rows += [[f"{t('drift_state')}: {t.label('drift.state', s)}", d.drift.count(s)] for s in DRIFT_STATES]
    if d.agreements.available:
        rows += [[f"{t('agreement')}: {t.label('agreement.states', s)}", d.agreements.count(s)]
                 for s in AGREEMENT_STATES]
    if d.applicants.available:
        rows += [[f"{t('applicants.folder')}: {t.label('applicant.state', s)}", d.applicants.count(s)]
                 for s in ("within", "warning", "past", "hired", "no_date")]
    if d.kept.available:
        rows += [[f"{t('sec.kept')}: {t.label('kept.code', code)}", n] for code, n in d.kept.counts]
    else:
        rows.append([t("sec.kept"), kept_summary(d, t)])
    rows.append([t("sec.dsar"), len(d.dsar_cases)])
    return rows


def _finding_columns(t: Texts, include_names: bool) -> tuple[list[str], Callable[[FindingRow], Row]]:
    header = [t("finding"), t("control"), t("rule"), t("rule") + " id", t("severity"), t("status"), t("drift_state"),
              t("breach_clock"), t("first_seen"), t("due"), t("keep_until"), t("scope"), t("concerns"), t("item"),
              t("reference")]
    header += [t("path")] if include_names else []
    header += [t("finding_id"), t("message"), t("remediation")]

    def cells(f: FindingRow) -> Row:
        w = f.text(t.lang)
        row: list[Any] = [w.title, f.control, t.label("rule", f.rule_id), f.rule_id, t.label("severity", f.severity),
                          t.label("status", f.status), t.label("drift.state", f.drift_state),
                          t.yes_no(f.breach_clock), f.first_seen, f.due, f.keep_until, t.label("scope", f.scope),
                          w.subject, f.item_id, f.reference]
        row += [f.path] if include_names else []
        return [*row, f.id, w.message, w.remediation]

    return header, cells


def _dsar(d: ReportData, t: Texts) -> tuple[list[str], list[Row]]:
    return ([t("dsar.case"), t("dsar.kind"), t("dsar.received"), t("dsar.due"), t("status"), t("dsar.overdue"),
             t("dsar.due_soon"), t("dsar.found"), t("dsar.erased"), t("dsar.kept")],
            [[c.case_id, t.label("dsar.kind", c.kind), c.received, c.due, t.label("dsar.status", c.status),
              t.yes_no(c.overdue), t.yes_no(c.due_soon), c.items_found, c.items_erased, c.items_kept]
             for c in d.dsar_cases])


def _agreements(d: ReportData, t: Texts) -> tuple[list[str], list[Row]]:
    header = [t("agreement.row"), t("agreement"), t("agreement.customer"), t("agreement.start"),
              t("agreement.end"), t("status"), t("agreement.disposal"), t("agreement.dpa"), t("agreement.files_due"),
              t("agreement.files_held"), t("agreement.held_until")]
    return header, [[int(r.row_id) if r.row_id.isdigit() else r.row_id, r.agreement_id,
                     r.customer, r.start, r.end, t.label("agreement.states", r.state),
                     r.disposal_date, r.dpa_reference, r.files_due, r.files_held, r.held_until]
                    for r in d.agreements.rows]


def _applicants(d: ReportData, t: Texts) -> tuple[list[str], list[Row]]:
    names = d.include_names
    header = [t("applicants.folder"), t("applicants.applied"), t("applicants.date_source"), t("applicants.age"),
              t("applicants.deadline"), t("status"), *([t("applicants.name")] if names else []), t("applicants.folder_id")]
    return header, [[r.label, r.applied, t.label("applicants.source", r.date_source), r.age_months, r.deadline,
                     t.label("applicant.state", r.state), *([r.name] if names else []), r.folder_id]
                    for r in d.applicants.rows]


def _deletions(d: ReportData, t: Texts) -> tuple[list[str], list[Row]]:
    names = d.include_names
    header = [t("status"), t("finding"), t("control"), t("rule"), t("due"), t("concerns"), t("item"), t("reference"),
              *([t("path")] if names else []), t("message")]
    rows = [[label, f.id, f.control, t.label("rule", f.rule_id), f.due, f.text(t.lang).subject, f.item_id, f.reference,
             *([f.path] if names else []), f.text(t.lang).message]
            for label, group in ((t("due_since"), d.deletions.overdue), (t("due"), d.deletions.upcoming))
            for f in group]
    return header, rows


def _kept(d: ReportData, t: Texts) -> tuple[list[str], list[Row]]:
    """What the newest nightly plan kept because of a label or the law; the reason as the planner wrote it."""
    header = [t("item"), t("kept.why"), t("kept.code"), t("kept.reason"), t("kept.findings"), t("kept.plan")]
    return header, [[r.item_id, t.label("kept.code", r.code), r.code, r.reason, ", ".join(r.finding_ids),
                     d.kept.plan_id] for r in d.kept.rows]


def _value(value: Any, d: ReportData) -> Any:
    """A cell value: dates stay dates (instants as local wall-clock time), text is escaped (control characters,
    which XLSX cannot hold, are written as escapes; the sweep after it only guards against a change there)."""
    if isinstance(value, datetime):
        return value.astimezone(d.tz).replace(tzinfo=None)
    if value is None or isinstance(value, (bool, int, float, date)):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", escape_cell(value))


def _table(ws: Worksheet, header: Sequence[str], rows: Sequence[Row], d: ReportData) -> None:
    ws.append([escape_cell(h) for h in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [len(h) for h in header]
    for row in rows:
        values = [_value(v, d) for v in row]
        ws.append(values)
        for i, v in enumerate(values):
            widths[i] = max(widths[i], 16 if isinstance(v, datetime) else 10 if isinstance(v, date) else len(str(v or "")))
    for cell_row in ws.iter_rows(min_row=2):
        for cell in cell_row:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(MIN_WIDTH, min(width + 2, MAX_WIDTH))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
