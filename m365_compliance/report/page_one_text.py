"""Page one in words: the sentences and table rows the HTML page, the workbook and the Markdown share.

:mod:`.page_one` decides; this module words what it decided in the report's language, so the three
formats say the same thing in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

from m365_compliance.report.model import CONTROLS, SEVERITY_RANK, ReportData
from m365_compliance.report.page_one import EXPIRY_DAYS, ControlLine, Exposure, PageOne
from m365_compliance.report.texts import Texts

#: What each reason's count counts.
_NOUNS = {"failing": "failure", "not_evaluated": "finding", "accepted": "finding", "warnings": "warning",
          "dsar_overdue": "request", "dsar_due": "request", "breach": "finding", "new": "finding",
          "alerts_failed": "sink", "evidence_ok": "journal_entry"}


@dataclass(frozen=True)
class Table:
    """Column (key, heading) pairs and rows of text, ready for any format."""

    columns: tuple[tuple[str, str], ...]
    rows: tuple[tuple[str, ...], ...]
    keys: tuple[str, ...]


def reason(line: ControlLine, t: Texts) -> str:
    """The one sentence that says why a control has its colour."""
    if line.reason in ("dsar_ok",):
        return t("p1.reason.dsar_ok", n=line.n)
    n = t.count(line.n, _NOUNS[line.reason]) if line.reason in _NOUNS else str(line.n)
    return t(f"p1.reason.{line.reason}", n=n, title=line.finding.text(t.lang).title if line.finding else "")


def status_table(p: PageOne, t: Texts) -> Table:
    return Table((("control", t("control")), ("name", t("control_name")), ("light", t("status")),
                  ("reason", t("p1.why"))),
                 tuple((c.control, t(f"control.{c.control}"), t(f"p1.light.{c.light}"), reason(c, t))
                       for c in p.controls), tuple(c.control for c in p.controls))


def approvals_table(p: PageOne, t: Texts) -> Table:
    return Table((("class", t("p1.approval_class")), ("count", t("count")), ("oldest", t("p1.oldest"))),
                 tuple((t.label("approval_class", a.approval_class), str(a.count), t.day(a.oldest))
                       for a in p.decisions.approvals), tuple(a.approval_class for a in p.decisions.approvals))


def expiring_table(p: PageOne, t: Texts) -> Table:
    return Table((("finding", t("finding_id")), ("control", t("control")), ("owner", t("exception.owner")),
                  ("expires", t("exception.expires"))),
                 tuple((x.finding_id, x.control or "", x.owner, t.day(x.expires)) for x in p.decisions.expiring),
                 tuple(x.finding_id for x in p.decisions.expiring))


def requests_table(p: PageOne, t: Texts) -> Table:
    return Table((("case", t("dsar.case")), ("kind", t("dsar.kind")), ("due", t("dsar.due")),
                  ("state", t("status"))),
                 tuple((c.case_id, t.label("dsar.kind", c.kind), t.day(c.due),
                        t("dsar.overdue") if c.overdue else t("dsar.due_soon")) for c in p.decisions.requests),
                 tuple(c.case_id for c in p.decisions.requests))


def exposures_table(p: PageOne, t: Texts) -> Table:
    return Table((("title", t("finding")), ("subject", t("concerns")), ("first_seen", t("first_seen")),
                  ("deadline", t("p1.deadline")), ("left", t("p1.left")), ("id", t("finding_id"))),
                 tuple((e.finding.text(t.lang).title, e.finding.text(t.lang).subject, t.day(e.finding.first_seen),
                        t.moment(e.deadline), time_left(e, t), e.finding.id) for e in p.decisions.exposures),
                 tuple(e.finding.id for e in p.decisions.exposures))


def time_left(e: Exposure, t: Texts) -> str:
    if e.hours_left >= 0:
        return t.count(e.hours_left, "hour")
    return t("p1.passed", hours=t.count(-e.hours_left, "hour"))


def decision_headings(t: Texts) -> dict[str, str]:
    return {"approvals": t("p1.approvals"), "expiring": t("p1.expiring", days=EXPIRY_DAYS),
            "requests": t("p1.requests"), "exposures": t("p1.exposures")}


def decision_tables(p: PageOne, t: Texts) -> tuple[tuple[str, Table], ...]:
    """The decision tables that have rows, in page order, as (heading key, table)."""
    tables = (("approvals", approvals_table(p, t)), ("expiring", expiring_table(p, t)),
              ("requests", requests_table(p, t)), ("exposures", exposures_table(p, t)))
    return tuple((k, tab) for k, tab in tables if tab.rows)


def changes_text(p: PageOne, t: Texts) -> str:
    c = p.changes
    if c.first_night:
        return t("p1.first_night", new=c.new)
    return t("p1.changes", new=c.new, fixed=c.fixed, still=c.still_failing)


def selection_text(d: ReportData, t: Texts) -> str | None:
    """What a narrowed report covers (None when it covers everything)."""
    s = d.selection
    if not s.narrowed:
        return None
    controls = ", ".join(c for c in CONTROLS if c in s.controls)
    severity = t.label("severity", s.min_severity) if s.min_severity in SEVERITY_RANK else s.min_severity
    return t("p1.selection", controls=controls, severity=severity)
