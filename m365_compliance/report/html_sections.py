"""The sections of the HTML report, in the order the issue lists them, each a function of the data.

A section returns its inner HTML; :mod:`.html` wraps each in ``<section id=…>`` with its heading and
builds the table of contents from the same list, so the two cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from m365_compliance.drift.compare import DRIFT_STATES
from m365_compliance.report.charts import Series, line_chart, stacked_bars
from m365_compliance.report.html_parts import (
    Cell,
    badge,
    esc,
    finding_table,
    para,
    table,
)
from m365_compliance.report.model import (
    AGREEMENT_STATES,
    CONTROLS,
    RULE_CONTROLS,
    FindingRow,
    KeptRow,
    ReportData,
)
from m365_compliance.report.page_one_html import page_one_section
from m365_compliance.report.texts import Texts
from m365_compliance.rules.finding_texts import RULES, operation, short_ref, statutory_class

RED, ORANGE, YELLOW, BLUE, GREY, GREEN = "#b00020", "#e66100", "#d4a017", "#3b6ea8", "#777777", "#2e7d32"
Section = Callable[[ReportData, Texts], str]


def summary(d: ReportData, t: Texts) -> str:
    e = d.evaluation
    meta: list[tuple[str, str, Cell]] = [
        ("policy", t("policy"), d.policy_name), ("version", t("version"), d.policy_version),
        ("evaluation", t("evaluation"), e.id), ("evaluated_at", t("evaluated_at"), t.moment(e.evaluated_at)),
        ("inventory_run", t("inventory_run"),
         f"{d.inventory.id} ({t.moment(d.inventory.finished or d.inventory.started)})" if d.inventory else e.snapshot_run_id),
        ("generated_at", t("generated_at"), t.moment(d.generated_at)), ("timezone", t("timezone"), str(d.tz.key))]
    parts = [table("meta", [("field", t("field")), ("value", t("value"))], [[label, v] for _, label, v in meta],
                   row_keys=[k for k, _, _ in meta])]
    if e.policy_version and e.policy_version != d.policy_version:
        parts.append(para(t("version_differs", version=e.policy_version), "note"))
    parts.append(para(t("names_on") if d.include_names else t("names_off"), "note"))
    if d.drift.breach:
        parts.append(_breach(d, t))
    return "".join(parts)


def _breach(d: ReportData, t: Texts) -> str:
    ids = ", ".join(f.id for f in d.drift.breach)
    return (f'<div class="alert" id="breach"><strong>{esc(t("breach.title"))}</strong>'
            f"<p>{esc(t('breach.text', n=len(d.drift.breach)))}</p><p class=\"ids\">{esc(ids)}</p></div>")


def coverage(d: ReportData, t: Texts) -> str:
    c = d.coverage
    parts = [para(coverage_text(d, t))]
    if c.rows:
        parts.append(para(t("coverage.warning"), "warn"))
        parts.append(table("coverage", [("control", t("control")), ("scope", t("scope")),
                                        ("what", t("coverage.what")), ("count", t("count"))],
                           [[r.control, t.label("scope", r.scope), coverage_what(r.what, t), r.count] for r in c.rows]))
    else:
        parts.append(para(t("coverage.ok")))
    if c.degraded:
        parts.append(para(t("coverage.degraded", n=c.degraded)))
    return "".join(parts)


def coverage_what(what: str, t: Texts) -> str:
    """What could not be read, in words: an inventory operation, or the rule that could not decide."""
    return t.label("rule", what) if what in RULES else operation(what, t.lang)


def coverage_text(d: ReportData, t: Texts) -> str:
    """The coverage sentence: inventory gaps and findings that could not be evaluated (HTML and Markdown)."""
    c = d.coverage
    return t("coverage.gaps", gaps=c.inventory_gaps if c.inventory_gaps is not None else "–", n=c.not_evaluated)


def applicants_text(d: ReportData, t: Texts) -> str:
    """The applicant-age sentence against the retention line (HTML and Markdown)."""
    a = d.applicants
    return t("applicants.text", total=t.count(len(a.rows), "applicant_folder"), months=a.line_months, past=a.count("past"), days=a.warning_days,
             warning=a.count("warning"), hired=a.count("hired"), no_date=a.count("no_date"))


def other_summary(d: ReportData, t: Texts, control: str) -> str:
    """What C7–C9 show instead of findings: requests, drift, evidence."""
    if control == "C7":
        cases = d.dsar_cases
        return t("c7.summary", cases=t.count(len(cases), "request"), open=sum(c.status != "closed" for c in cases),
                 overdue=sum(c.overdue for c in cases))
    if control == "C8":
        return t("c8.summary", new=d.drift.count("new"), still=d.drift.count("still_failing"),
                 fixed=d.drift.count("fixed"))
    if control == "C9":
        ev = d.evidence
        return t("c9.summary", runs=t.count(len(ev.runs), "run"), plans=t.count(ev.plans, "plan"),
                 entries=t.count(ev.journal_entries, "journal_entry"))
    return ""


def controls(d: ReportData, t: Texts) -> str:
    columns = [("control", t("control")), ("name", t("control_name")), ("fail_high", t("col.fail_high")),
               ("fail_medium", t("col.fail_medium")), ("fail_low", t("col.fail_low")), ("warn", t("col.warn")),
               ("info", t("col.info")), ("not_evaluated", t("col.not_evaluated")), ("total", t("total")),
               ("other", t("other"))]
    rows: list[list[Cell]] = []
    for c in CONTROLS:
        n = d.counts.n
        rows.append([c, t(f"control.{c}"), n(c, "high", "fail"), n(c, "medium", "fail"), n(c, "low", "fail"),
                     n(c, status="warn"), n(c, status="info"), n(c, status="not_evaluated"), n(c), other_summary(d, t, c)])
    total: list[Cell] = [t("total"), ""] + [sum(int(r[i] or 0) for r in rows) for i in range(2, 9)] + [""]
    chart = stacked_bars(list(RULE_CONTROLS), [
        Series(t("col.fail_high"), tuple(d.counts.n(c, "high", "fail") for c in RULE_CONTROLS), RED),
        Series(t("col.fail_medium"), tuple(d.counts.n(c, "medium", "fail") for c in RULE_CONTROLS), ORANGE),
        Series(t("col.fail_low"), tuple(d.counts.n(c, "low", "fail") for c in RULE_CONTROLS), YELLOW),
        Series(t("col.warn"), tuple(d.counts.n(c, status="warn") for c in RULE_CONTROLS), BLUE),
        Series(t("col.not_evaluated"), tuple(d.counts.n(c, status="not_evaluated") for c in RULE_CONTROLS), GREY),
    ], title=t("sec.controls"))
    return f'<figure>{chart}</figure>' + table("by-control", columns, rows, row_keys=list(CONTROLS), total=total)


def trend(d: ReportData, t: Texts) -> str:
    """One point per night (the last evaluation of each day); a first night is said, not drawn as a lone dot."""
    labels = [t.local_day(p.evaluation.evaluated_at) for p in d.trend]
    fails = tuple(p.counts.n(status="fail") for p in d.trend)
    chart = line_chart(labels, [Series(t("trend.fail"), fails, RED),
                                Series(t("trend.warn"), tuple(p.counts.n(status="warn") for p in d.trend), BLUE),
                                Series(t("trend.not_evaluated"),
                                       tuple(p.counts.n(status="not_evaluated") for p in d.trend), GREY)],
                       title=t("trend.open"))
    columns = [("evaluation", t("evaluation")), ("evaluated_at", t("evaluated_at")), ("version", t("version")),
               ("fail_high", t("col.fail_high")), ("fail_medium", t("col.fail_medium")),
               ("fail_low", t("col.fail_low")), ("warn", t("col.warn")), ("not_evaluated", t("col.not_evaluated")),
               ("info", t("col.info"))]
    rows = [[p.evaluation.id, t.moment(p.evaluation.evaluated_at), p.evaluation.policy_version,
             p.counts.n(severity="high", status="fail"), p.counts.n(severity="medium", status="fail"),
             p.counts.n(severity="low", status="fail"), p.counts.n(status="warn"),
             p.counts.n(status="not_evaluated"), p.counts.n(status="info")] for p in reversed(d.trend)]
    figure = para(t("trend.single"), "note") if len(d.trend) < 2 else f"<figure>{chart}</figure>"
    return figure + table("trend", columns, rows,
                                                     row_keys=[p.evaluation.id for p in reversed(d.trend)])


def drift(d: ReportData, t: Texts) -> str:
    s = d.drift
    intro = t("drift.against", id=s.previous_evaluation_id) if s.previous_evaluation_id else t("drift.first")
    counts = table("drift-counts", [("state", t("drift_state")), ("count", t("count"))],
                   [[t.label("drift.state", st), s.count(st)] for st in DRIFT_STATES], row_keys=list(DRIFT_STATES),
                   compact=True)
    listed = [e for e in s.entries if e.drift_state != "still_failing"]
    parts = [para(intro), counts]
    if s.breach:
        parts.append(_breach(d, t))
    if s.previous_evaluation_id:  # on the first evaluation everything is new: the detail lists show it
        parts += [para(t("drift.listed"), "note"), finding_table("drift-entries", listed, t, d.include_names)]
    return "".join(parts)


def exceptions(d: ReportData, t: Texts) -> str:
    if not d.exceptions:
        return para(t("none"))
    columns = [("finding", t("finding")), ("control", t("control")), ("owner", t("exception.owner")),
               ("reason", t("exception.reason")), ("expires", t("exception.expires")), ("state", t("status")),
               ("accepted_at", t("exception.accepted_at")), ("accepted_by", t("exception.accepted_by"))]
    return table("exceptions", columns, [
        [x.finding_id, x.control, x.owner, x.reason, t.day(x.expires), t.label("exception.state", x.state),
         t.local_day(x.accepted_at), x.accepted_by] for x in d.exceptions], row_keys=[x.finding_id for x in d.exceptions])


def applicants(d: ReportData, t: Texts) -> str:
    a = d.applicants
    if not a.available:
        return para(t("not_available"))
    text = applicants_text(d, t)
    labels = [f"{b.months}+" if b.open_ended else str(b.months) for b in a.bins]
    chart = stacked_bars(labels, [
        Series(t("applicant.state.within"), tuple(b.within for b in a.bins), GREEN),
        Series(t("applicant.state.warning"), tuple(b.warning for b in a.bins), YELLOW),
        Series(t("applicant.state.past"), tuple(b.past for b in a.bins), RED),
        Series(t("applicant.state.hired"), tuple(b.hired for b in a.bins), BLUE),
    ], title=t("sec.applicants"), marker=(a.line_months, t("applicants.line", months=a.line_months)))
    columns = [("label", t("applicants.folder")), ("applied", t("applicants.applied")),
               ("date_source", t("applicants.date_source")), ("age", t("applicants.age")),
               ("deadline", t("applicants.deadline")), ("state", t("status"))]
    if d.include_names:
        columns.append(("name", t("applicants.name")))
    columns.append(("folder", t("applicants.folder_id")))
    rows = [[r.label, t.day(r.applied), t.label("applicants.source", r.date_source), r.age_months, t.day(r.deadline),
             t.label("applicant.state", r.state), *([r.name] if d.include_names else []), r.folder_id] for r in a.rows]
    bins = table("age-bins", [("age", t("applicants.age")), *((k, t(f"applicant.state.{k}"))
                                                            for k in ("within", "warning", "past", "hired")),
                              ("total", t("total"))],
                 [[lab, b.within, b.warning, b.past, b.hired, b.total] for lab, b in zip(labels, a.bins, strict=True)],
                 row_keys=labels)
    return (para(text) + f"<figure>{chart}</figure>" + table("applicants", columns, rows,
                                                             row_keys=[r.folder_id for r in a.rows])
            + f"<details><summary>{esc(t('applicants.age'))}</summary>{bins}</details>")


def _deletion_table(table_id: str, rows: tuple[FindingRow, ...], d: ReportData, t: Texts, *, overdue: bool) -> str:
    if not rows:
        return para(t("none"))
    today = d.generated_at.astimezone(d.tz).date()
    columns = [("subject", t("concerns")), ("control", t("control")), ("rule", t("rule")),
               ("due", t("due_since") if overdue else t("due"))]
    if overdue:
        columns.append(("days", t("days_overdue")))
    if d.include_names:
        columns.append(("path", t("path")))
    columns += [("id", t("finding_id")), ("reference", t("reference"))]
    body = []
    for f in rows:
        cells: list[Cell] = [f.text(t.lang).subject, f.control, t.label("rule", f.rule_id), t.day(f.due)]
        if overdue:
            cells.append((today - f.due).days if f.due else None)
        if d.include_names:
            cells.append(f.path)
        cells += [f.id, f.item_id or f.reference]
        body.append(cells)
    return table(table_id, columns, body, row_keys=[f.id for f in rows])


def deletions(d: ReportData, t: Texts) -> str:
    x = d.deletions
    return (f"<h3>{esc(t('deletions.overdue', n=t.count(len(x.overdue), 'item')))}</h3>"
            + _deletion_table("overdue", x.overdue, d, t, overdue=True)
            + f"<h3>{esc(t('deletions.upcoming', n=t.count(len(x.upcoming), 'deadline'), days=x.horizon_days))}</h3>"
            + _deletion_table("upcoming", x.upcoming, d, t, overdue=False))


#: More kept entries than this are listed in a collapsed ``<details>`` (the counts stay in view).
KEPT_OPEN_ROWS = 20


def kept_summary(d: ReportData, t: Texts, *, detail: bool = True) -> str:
    """The kept entries of the newest plan counted by code in words, or why there are none (HTML and Markdown;
    without ``detail`` an unreadable plan is not named, nor its error quoted)."""
    k = d.kept
    if k.plan_id is None:
        return t("kept.no_plan")
    if k.unreadable is not None:
        return t("kept.unreadable", plan=k.plan_id, error=k.unreadable) if detail else t("kept.unreadable_short")
    return ", ".join(f"{t.label('kept.code', code)} {n}" for code, n in k.counts)


_LABEL = re.compile(r"label '([^']+)'")
_DAY_IN_TEXT = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _kept_subject(r: KeptRow, subjects: dict[str, str], t: Texts) -> str:
    """What a kept entry concerns, as its finding names it (a customer path, an applicant's folder by month);
    the short reference of the item when no finding of this evaluation names it."""
    return next((subjects[i] for i in r.finding_ids if i in subjects), None) or \
        f"{t('item').lower()} ref. {short_ref(r.item_id)}"


def kept_detail(r: KeptRow, t: Texts) -> str:
    """What the planner's reason says beyond its code, in the report's language: the label's name, or the date
    bookkeeping law keeps the item until (the planner's own words are in the workbook)."""
    if r.code in ("record_label", "retention_label") and (label := _LABEL.search(r.reason)):
        return t("kept.label", label=label.group(1))
    if r.code == "statutory_hold" and (day := _DAY_IN_TEXT.search(r.reason)):
        return t("kept.until", date=day.group(0))
    return ""


def kept(d: ReportData, t: Texts) -> str:
    k = d.kept
    if not k.available:
        return para(kept_summary(d, t), "" if k.plan_id is None else "warn")
    counts = table("kept-counts", [("code", t("kept.why")), ("count", t("count"))],
                   [[t.label("kept.code", code), n] for code, n in k.counts], row_keys=[code for code, _ in k.counts],
                   total=[t("total"), len(k.rows)], compact=True)
    parts = [para(t("kept.text", plan=k.plan_id, created=t.moment(k.created_at),
                        n=t.count(len(k.rows), "entry"))), counts]
    if not k.rows:
        return "".join(parts)
    columns = [("subject", t("concerns")), ("why", t("kept.why")), ("reason", t("kept.detail")),
               ("findings", t("kept.findings")), ("item", t("item"))]
    subjects = {f.id: f.text(t.lang).subject for f in d.findings}
    listing = table("kept", columns, [[_kept_subject(r, subjects, t), t.label("kept.code", r.code), kept_detail(r, t),
                                       ", ".join(r.finding_ids), r.item_id]
                                      for r in k.rows], row_keys=[f"{r.item_id}:{r.code}" for r in k.rows])
    if len(k.rows) > KEPT_OPEN_ROWS:
        listing = f"<details><summary>{esc(t('kept.all', n=t.count(len(k.rows), 'entry')))}</summary>{listing}</details>"
    return "".join(parts) + para(t("kept.note"), "note") + listing


def agreement_state(state: str, held_until: object, t: Texts) -> str:
    return t("agreement.state.held", date=held_until) if state == "held" else t.label("agreement.state", state)


def agreements(d: ReportData, t: Texts) -> str:
    a = d.agreements
    if not a.available:
        return para(t("not_available"))
    states = table("agreement-states", [("state", t("status")), ("count", t("count"))],
                   [[t.label("agreement.states", s), a.count(s)] for s in AGREEMENT_STATES],
                   row_keys=list(AGREEMENT_STATES), compact=True)
    columns = [("row", t("agreement.row")), ("agreement", t("agreement")), ("customer", t("agreement.customer"))]
    columns += [("start", t("agreement.start")), ("end", t("agreement.end")), ("state", t("status")),
                ("disposal", t("agreement.disposal")), ("dpa", t("agreement.dpa")),
                ("files_due", t("agreement.files_due")), ("files_held", t("agreement.files_held")),
                ("held_until", t("agreement.held_until"))]
    rows = []
    for r in a.rows:
        rows.append([r.row_id, r.agreement_id, r.customer, t.day(r.start),
                     t.day(r.end), agreement_state(r.state, t.day(r.held_until), t), t.day(r.disposal_date),
                     r.dpa_reference, r.files_due, r.files_held, t.day(r.held_until)])
    order = {s: i for i, s in enumerate(("awaiting", "held", "unknown", "disposed", "running"))}
    keyed = sorted(zip(rows, a.rows, strict=True),
                   key=lambda p: (order[p[1].state], int(p[1].row_id) if p[1].row_id.isdigit() else 0, p[1].row_id))
    return states + table("agreements", columns, [r for r, _ in keyed], row_keys=[x.row_id for _, x in keyed])


def holds(d: ReportData, t: Texts) -> str:
    groups = d.agreements.holds
    if not groups:
        return para(t("none"))
    total = sum(g.count for g in groups)
    columns = [("year", t("holds.year")), ("class", t("holds.class")), ("count", t("count")),
               ("first", t("holds.first")), ("last", t("holds.last"))]
    return para(t("holds.text", n=t.count(total, "item"))) + table(
        "holds", columns, [[str(g.year), statutory_class(g.cls, t.lang), g.count, t.day(g.first), t.day(g.last)] for g in groups],
        row_keys=[f"{g.year}-{g.cls}" for g in groups], total=[t("total"), "", total, "", ""])


def actions(d: ReportData, t: Texts) -> str:
    x = d.actions
    text = t("actions.period", since=t.moment(x.since), until=t.moment(x.until)) + " " + t(
        "actions.text", executed=x.total("execute"), dry=x.total("dry_run"), plans=x.plans, approvals=x.approvals)
    if not x.counts:
        return para(text)
    columns = [("mode", t("actions.mode")), ("kind", t("actions.kind")), ("result", t("actions.result")),
               ("count", t("count"))]
    return para(text) + table("actions", columns, [
        [t.label("mode", c.mode), t.label("kind", c.kind), t.label("result", c.result), c.count] for c in x.counts],
        row_keys=[f"{c.mode}/{c.kind}/{c.result}" for c in x.counts])


def alerts(d: ReportData, t: Texts) -> str:
    if not d.alert_failures:
        return para(t("alerts.ok"))
    columns = [("sink", t("alerts.sink")), ("attempts", t("alerts.attempts")),
               ("failed_attempts", t("alerts.failed_attempts")), ("failed_alerts", t("alerts.failed_alerts")),
               ("last_error", t("alerts.last_error")), ("last_at", t("alerts.last_at"))]
    return table("alert-failures", columns, [[f.sink, f.attempts, f.failed_attempts, f.failed_alerts, f.last_error,
                                              t.moment(f.last_at)] for f in d.alert_failures],
                 row_keys=[f.sink for f in d.alert_failures])


def dsar(d: ReportData, t: Texts) -> str:
    if not d.dsar_cases:
        return para(t("dsar.none"))
    columns = [("case", t("dsar.case")), ("kind", t("dsar.kind")), ("received", t("dsar.received")),
               ("due", t("dsar.due")), ("status", t("status")), ("overdue", t("dsar.overdue")),
               ("due_soon", t("dsar.due_soon")), ("found", t("dsar.found")), ("erased", t("dsar.erased")),
               ("kept", t("dsar.kept"))]
    return table("dsar", columns, [
        [c.case_id, t.label("dsar.kind", c.kind), t.day(c.received), t.day(c.due), t.label("dsar.status", c.status),
         t.yes_no(c.overdue),
         t.yes_no(c.due_soon), c.items_found, c.items_erased, c.items_kept] for c in d.dsar_cases],
        row_keys=[c.case_id for c in d.dsar_cases])


def evidence(d: ReportData, t: Texts) -> str:
    ev = d.evidence
    kinds = sorted({r.kind for r in ev.runs})
    text = t("evidence.text", runs=t.count(len(ev.runs), "run"), evaluations=t.count(ev.evaluations, "evaluation"),
             plans=t.count(ev.plans, "plan"), entries=t.count(ev.journal_entries, "journal_entry"))
    last = {k: max((r for r in ev.runs if r.kind == k), key=lambda r: r.started or d.generated_at) for k in kinds}
    return para(text) + table("runs", [("kind", t("run.kind")), ("count", t("count")), ("last", t("run.id")),
                                       ("started", t("run.started")), ("status", t("run.status"))],
                              [[t.label("run.kind", k), ev.runs_of(k), last[k].id, t.moment(last[k].started),
                                t.label("run.state", last[k].status)] for k in kinds],
                              row_keys=kinds)


def details(d: ReportData, t: Texts) -> str:
    """Per control, every finding that is not information, collapsed: the evidence appendix."""
    parts = []
    for c in RULE_CONTROLS:
        if not d.selection.covers(c):
            continue
        rows = tuple(f for f in d.findings_of(c) if f.status != "info")
        kept = sum(f.status == "info" for f in d.findings_of(c))
        summary = (f'{esc(c)} {esc(t(f"control.{c}"))}: {esc(t.count(len(rows), "finding"))}'
                   + (f" {badge('info', str(kept) + ' ' + t('status.info'))}" if kept else ""))
        parts.append(f'<details class="appendix" id="details-{c}"><summary>{summary}</summary>'
                     + finding_table(f"findings-{c}", rows, t, d.include_names) + "</details>")
    return "".join(parts)


#: (section id, heading key, renderer) in the order of the report.
SECTIONS: tuple[tuple[str, str, Section], ...] = (
    ("page-one", "sec.page_one", page_one_section),
    ("summary", "sec.summary", summary),
    ("coverage", "sec.coverage", coverage),
    ("controls", "sec.controls", controls),
    ("trend", "sec.trend", trend),
    ("drift", "sec.drift", drift),
    ("exceptions", "sec.exceptions", exceptions),
    ("applicants", "sec.applicants", applicants),
    ("deletions", "sec.deletions", deletions),
    ("kept", "sec.kept", kept),
    ("agreements", "sec.agreements", agreements),
    ("holds", "sec.holds", holds),
    ("actions", "sec.actions", actions),
    ("alerts", "sec.alerts", alerts),
    ("dsar", "sec.dsar", dsar),
    ("evidence", "sec.evidence", evidence),
    ("details", "sec.details", details),
)
