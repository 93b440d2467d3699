"""The management report's compact Markdown summary, sized for a GitHub job summary (≈ 60 lines): page one first.

A job summary is visible to everyone who can read the repository's Actions, so it holds counts and
finding ids only — never a path, a folder or customer name, or an exception owner, whatever
``include_names`` says (it reads none of those fields). The full report is the HTML and XLSX.
Every value still goes through :func:`md`: a policy or sink name is shown escaped, never as a control
character, a line of its own or a table break, nor as a ``::`` runner command should the file be printed.
"""

from __future__ import annotations

import re

from m365_compliance.drift.compare import DRIFT_STATES
from m365_compliance.report.html_sections import (
    applicants_text,
    coverage_text,
    kept_summary,
    other_summary,
)
from m365_compliance.report.model import CONTROLS, ReportData
from m365_compliance.report.page_one import EXPIRY_DAYS, page_one
from m365_compliance.report.page_one_text import changes_text, reason, selection_text, time_left
from m365_compliance.report.texts import Language, Texts
from m365_compliance.terminal_text import safe_line

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#!])")
BREACH_IDS = 10


def md(text: object) -> str:
    """Text safe inside a Markdown table cell or line: no markup, no HTML, no table breaks, no control
    character or runner command (white space runs become one space, then :func:`safe_line`)."""
    return _SPECIAL.sub(r"\\\1", safe_line(" ".join(str(text).split())))


LAMPS = {"green": "🟢", "amber": "🟡", "red": "🔴"}


def _page_one(d: ReportData, t: Texts) -> list[str]:
    """The three questions, as in the page: ids, counts, dates and the rules' titles — no subject, no owner."""
    p = page_one(d)
    lines = [f"### {md(t('p1.keeping'))}", ""]
    lines += [f"- {LAMPS[c.light]} **{c.control} {md(t(f'control.{c.control}'))}** ({md(t(f'p1.light.{c.light}'))}): "
              f"{md(reason(c, t))}" for c in p.controls]
    narrowed = selection_text(d, t)
    lines += ["", f"_{md(narrowed)}_"] if narrowed else []
    lines += ["", f"### {md(t('p1.decide'))}", ""]
    x = p.decisions
    lines += [f"- {md(t('p1.approvals'))}: {md(t.label('approval_class', a.approval_class))} {a.count}"
              + (f" ({md(t('p1.oldest').lower())} {t.day(a.oldest)})" if a.oldest else "") for a in x.approvals]
    lines += [f"- {md(t('p1.expiring', days=EXPIRY_DAYS))}: `{md(e.finding_id)}` {t.day(e.expires)}" for e in x.expiring]
    lines += [f"- {md(t('p1.requests'))}: `{md(c.case_id)}` {md(t.label('dsar.kind', c.kind))} {t.day(c.due)}"
              for c in x.requests]
    lines += [f"- {md(t('p1.exposures'))}: `{md(e.finding.id)}` {md(e.finding.text(t.lang).title)} · {md(t('p1.left'))} "
              f"{md(time_left(e, t))}" for e in x.exposures[:BREACH_IDS]]
    if x.none:
        lines.append(f"- {md(t('p1.nothing'))}")
    return [*lines, "", f"### {md(t('p1.changed'))}", "", md(changes_text(p, t)), ""]


def render_markdown(data: ReportData, lang: Language = "nb") -> str:
    t = Texts(lang, data.tz)
    d, e = data, data.evaluation
    lines = [f"## {md(t('title'))}: {md(d.policy_name)} · {md(t('version'))} {md(d.policy_version)}", "",
             (f"{md(t('evaluation'))} `{md(e.id)}` · {md(t('evaluated_at'))} {md(t.moment(e.evaluated_at))} · "
             f"{md(t('inventory_run'))} `{md(d.inventory.id if d.inventory else e.snapshot_run_id)}`"), ""]
    lines += _page_one(d, t)
    if d.drift.breach:
        ids = ", ".join(f"`{f.id}`" for f in d.drift.breach[:BREACH_IDS])
        more = f" (+{len(d.drift.breach) - BREACH_IDS})" if len(d.drift.breach) > BREACH_IDS else ""
        lines += ["> [!CAUTION]", f"> **{md(t('breach.title'))}**",
                  f"> {md(t('breach.text', n=t.count(len(d.drift.breach), 'finding')))}",
                  f"> {ids}{more}", ""]
    header = [t("control"), t("control_name"), t("col.fail_high"), t("col.fail_medium"), t("col.fail_low"),
              t("col.warn"), t("col.not_evaluated"), t("other")]
    lines += ["| " + " | ".join(md(h) for h in header) + " |", "|" + "---|" * 2 + "--:|" * 5 + "---|"]
    for c in (c for c in CONTROLS if d.selection.covers(c)):
        n = d.counts.n
        lines.append(f"| {c} | {md(t(f'control.{c}'))} | {n(c, 'high', 'fail')} | {n(c, 'medium', 'fail')} | "
                     f"{n(c, 'low', 'fail')} | {n(c, status='warn')} | {n(c, status='not_evaluated')} | "
                     f"{md(other_summary(d, t, c))} |")
    lines.append("")
    drift = ", ".join(f"{md(t.label('drift.state', s))} {d.drift.count(s)}" for s in DRIFT_STATES)
    lines.append(f"- **{md(t('sec.drift'))}:** {drift}")
    lines.append(f"- **{md(t('sec.coverage'))}:** " + md(coverage_text(d, t)))
    x = d.deletions
    lines.append(f"- **{md(t('sec.deletions'))}:** {md(t('deletions.overdue', n=t.count(len(x.overdue), 'item')))} "
                 f"{md(t('deletions.upcoming', n=t.count(len(x.upcoming), 'deadline'), days=x.horizon_days))}")
    lines.append(f"- **{md(t('sec.kept'))}:** " + md(kept_summary(d, t, detail=False)))  # counts only, no id
    if d.applicants.available:
        lines.append(f"- **{md(t('sec.applicants'))}:** " + md(applicants_text(d, t)))
    g = d.agreements
    if g.available:
        states = ", ".join(f"{md(t.label('agreement.states', s))} {g.count(s)}"
                           for s in ("running", "awaiting", "held", "unknown") if g.count(s) or s == "running")
        kept = sum(h.count for h in g.holds)
        lines.append(f"- **{md(t('sec.agreements'))}:** {states}; {md(t('sec.holds'))}: {kept}")
    ac = d.actions
    lines.append(f"- **{md(t('sec.actions'))}:** " + md(t("actions.text", executed=ac.total("execute"),
                                                            dry=ac.total("dry_run"), plans=ac.plans,
                                                            approvals=ac.approvals)))
    in_force = sum(x.state == "in_force" for x in d.exceptions)
    expired = sum(x.state == "expired" for x in d.exceptions)
    lines.append(f"- **{md(t('sec.exceptions'))}:** {md(t('exception.state.in_force'))} {in_force}, "
                 f"{md(t('exception.state.expired'))} {expired}")
    failing = ", ".join(f"{md(f.sink)} ({f.failed_attempts}/{f.attempts})" for f in d.alert_failures)
    lines.append(f"- **{md(t('sec.alerts'))}:** {failing or md(t('alerts.ok'))}")
    dsar = other_summary(d, t, "C7") if d.dsar_cases else t("dsar.none")
    lines += [f"- **{md(t('sec.dsar'))}:** {md(dsar)}", "", f"_{md(t('md.more'))}_", ""]
    return "\n".join(lines)
