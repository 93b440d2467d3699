"""What the management report shows, as typed, frozen values: one assembly, three renderings.

The HTML page, the workbook and the Markdown summary all render one :class:`ReportData`, so their
figures cannot disagree. Every value is a count, a reference (finding id, item id, register row,
agreement id) or a date; names and paths (``path``, ``name``, ``customer``) are filled in only when
the report is built with ``include_names`` — the Markdown summary never shows them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from m365_compliance.drift.compare import CLOSED_STATES
from m365_compliance.dsar.report_view import CaseRow

#: Every control of the policy (CONTROLS.md), in the order the report lists them.
CONTROLS = ("C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9")
#: The controls whose findings come from the rules; C7–C9 show requests, drift and evidence instead.
RULE_CONTROLS = CONTROLS[:6]


@dataclass(frozen=True)
class Counts:
    """Findings counted by (control, severity, status), summed over whatever the caller leaves open."""

    items: tuple[tuple[str, str, str, int], ...] = ()

    @classmethod
    def of(cls, keys: Iterable[tuple[str, str, str]]) -> Counts:
        tally: dict[tuple[str, str, str], int] = {}
        for key in keys:
            tally[key] = tally.get(key, 0) + 1
        return cls(tuple((*k, n) for k, n in sorted(tally.items())))

    def n(self, control: str | None = None, severity: str | None = None, status: str | None = None) -> int:
        return sum(n for c, sev, st, n in self.items
                   if (control is None or c == control) and (severity is None or sev == severity)
                   and (status is None or st == status))


@dataclass(frozen=True)
class Selection:
    """What a report covers (``--controls``, ``--min-severity``): every control and severity by default."""

    controls: tuple[str, ...] = CONTROLS
    min_severity: str = "low"

    @property
    def narrowed(self) -> bool:
        return self.controls != CONTROLS or self.min_severity != "low"

    def covers(self, control: str, severity: str | None = None) -> bool:
        """A control (or a rule's "C1-C6" span: any of them) of the selection, at or above the minimum severity."""
        if control not in self.controls and not any(c in self.controls for c in _span(control)):
            return False
        return severity is None or SEVERITY_RANK.get(severity, 0) >= SEVERITY_RANK[self.min_severity]


SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}


def _span(control: str) -> tuple[str, ...]:
    first, _, last = control.partition("-")
    if not last or first not in CONTROLS or last not in CONTROLS:
        return ()
    return CONTROLS[CONTROLS.index(first):CONTROLS.index(last) + 1]


#: Agreement states in the order the report lists them.
AGREEMENT_STATES = ("running", "awaiting", "held", "disposed", "unknown")


@dataclass(frozen=True)
class FindingWords:
    """A finding as the reader sees it in one language."""

    title: str
    message: str
    remediation: str
    subject: str


@dataclass(frozen=True)
class FindingRow:
    """One finding of the latest evaluation (or, when fixed, of the one before) as the report lists it.

    ``drift_state`` is None for findings that do not drift (warnings and information); ``path`` is
    None unless names were asked for.
    """

    id: str
    rule_id: str
    control: str
    severity: str
    status: str
    title: str
    message: str
    remediation: str
    scope: str | None
    item_id: str | None
    due: date | None
    keep_until: date | None
    drift_state: str | None = None
    first_seen: date | None = None
    breach_clock: bool = False
    breach_deadline: datetime | None = None  # first seen (policy time) + 72 h, when the clock runs
    reference: str | None = None  # a register row ("row 5") where there is no item
    path: str | None = None
    #: (language, words) for bokmål and English: title, message, remediation and what the text calls the item
    #: (``report.subjects``: a customer path, "søkermappe 2026-01 (ref. …)"), from the templates
    words: tuple[tuple[str, FindingWords], ...] = ()

    def text(self, lang: str) -> FindingWords:
        """The finding in ``lang``; the rule's own (English) words when no template wording was made."""
        found = dict(self.words).get(lang)
        return found if found is not None else FindingWords(self.title, self.message, self.remediation,
                                                            self.item_id or self.reference or "")

    @property
    def on_breach_clock(self) -> bool:
        """Still open and exposing applicant or customer data to outsiders: GDPR Art. 33's 72 hours."""
        return self.breach_clock and self.drift_state not in CLOSED_STATES


@dataclass(frozen=True)
class EvaluationInfo:
    id: str
    evaluated_at: datetime
    snapshot_run_id: str
    policy_version: str | None


@dataclass(frozen=True)
class RunInfo:
    id: str
    kind: str
    started: datetime | None
    finished: datetime | None
    status: str
    policy_version: str | None


@dataclass(frozen=True)
class TrendPoint:
    evaluation: EvaluationInfo
    counts: Counts


@dataclass(frozen=True)
class CoverageRow:
    """Findings that could not be evaluated, grouped: which control, where, and what could not be read."""

    control: str
    scope: str | None
    what: str  # the inventory operation that failed, or the rule that could not decide
    count: int


@dataclass(frozen=True)
class Coverage:
    rows: tuple[CoverageRow, ...]
    inventory_gaps: int | None  # gaps in the evaluated snapshot; None when the snapshot is unavailable
    degraded: int  # permissions read item by item instead of by sharing delta: nothing lost

    @property
    def not_evaluated(self) -> int:
        return sum(r.count for r in self.rows)


@dataclass(frozen=True)
class DriftSummary:
    previous_evaluation_id: str | None
    counts: tuple[tuple[str, int], ...]  # (state, n) for every drift state, in DRIFT_STATES order
    entries: tuple[FindingRow, ...]

    def count(self, state: str) -> int:
        return dict(self.counts).get(state, 0)

    @property
    def breach(self) -> tuple[FindingRow, ...]:
        """Open findings that expose applicant or customer data to outsiders: GDPR Art. 33's 72 hours."""
        return tuple(e for e in self.entries if e.on_breach_clock)


@dataclass(frozen=True)
class ExceptionRow:
    """An accepted exception: management's decision, so its owner is shown by name."""

    finding_id: str
    control: str | None
    owner: str
    reason: str
    expires: date
    accepted_at: datetime
    accepted_by: str | None
    state: str  # in_force | expired | revoked


@dataclass(frozen=True)
class ApplicantRow:
    folder_id: str
    applied: date | None
    date_source: str
    age_months: int | None
    deadline: date | None
    state: str  # within | warning | past | hired | no_date
    name: str | None = None  # the folder's name (it names the applicant): only with include_names
    label: str = ""  # the folder without its name: "2026-07 (ref. 80472B)" (report.subjects.folder_label)


@dataclass(frozen=True)
class AgeBin:
    """Applicants ``months`` whole months old (the last bin: that many or more), by state."""

    months: int
    within: int = 0
    warning: int = 0
    past: int = 0
    hired: int = 0
    open_ended: bool = False

    @property
    def total(self) -> int:
        return self.within + self.warning + self.past + self.hired


@dataclass(frozen=True)
class ApplicantAges:
    available: bool
    line_months: int
    warning_days: int
    rows: tuple[ApplicantRow, ...] = ()
    bins: tuple[AgeBin, ...] = ()

    def count(self, state: str) -> int:
        return sum(r.state == state for r in self.rows)


@dataclass(frozen=True)
class Deletions:
    overdue: tuple[FindingRow, ...]  # due since a date already passed
    upcoming: tuple[FindingRow, ...]  # warnings due within ``horizon_days``
    horizon_days: int


@dataclass(frozen=True)
class AgreementRow:
    """One register row and where its agreement stands today."""

    row_id: str
    agreement_id: str | None
    start: date | None
    end: date | None
    state: str  # running | awaiting | held | unknown
    disposal_date: date | None
    dpa_reference: str | None
    files_due: int = 0  # files due for disposal (C5 findings)
    files_held: int = 0  # files bookkeeping law still keeps (C6)
    held_until: date | None = None  # the last keep-until date among them
    customer: str | None = None  # only with include_names


@dataclass(frozen=True)
class HoldGroup:
    """Items kept by bookkeeping law whose hold ends in ``year``, per statutory class."""

    year: int
    cls: str
    count: int
    first: date
    last: date


@dataclass(frozen=True)
class Agreements:
    available: bool
    rows: tuple[AgreementRow, ...] = ()
    holds: tuple[HoldGroup, ...] = ()

    def count(self, state: str) -> int:
        return sum(r.state == state for r in self.rows)


@dataclass(frozen=True)
class ActionCount:
    mode: str  # execute | dry_run
    kind: str
    result: str
    count: int


@dataclass(frozen=True)
class Actions:
    since: datetime
    until: datetime
    counts: tuple[ActionCount, ...]
    plans: int
    approvals: int

    def total(self, mode: str | None = None) -> int:
        return sum(c.count for c in self.counts if mode is None or c.mode == mode)


#: Skip codes of what a plan keeps because of a retention label or the law, in the order the report lists them:
#: a record (or regulatory record) label, a label that forbids deletion, a label that could not be read (kept
#: until it can be), a folder that stays because items in it are kept, and bookkeeping law (C6).
KEPT_CODES = ("record_label", "retention_label", "label_unknown", "holds_protected", "statutory_hold")


@dataclass(frozen=True)
class KeptRow:
    """One entry of the newest plan's ``skipped`` list with a code of :data:`KEPT_CODES`.

    ``reason`` is the planner's text as it wrote it (item ids, label names and dates only): it names the
    label, or the keep-until date, where there is one.
    """

    drive_id: str
    item_id: str  # the item part of the plan's ``driveId/itemId`` subject
    code: str
    reason: str
    finding_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeptByLabel:
    """What the newest nightly plan (``made_by = 'plan'``) kept because of a retention label or the law.

    ``plan_id`` is None when no plan is stored; ``unreadable`` says why a stored plan could not be read.
    """

    plan_id: str | None = None
    created_at: datetime | None = None
    recorded_at: datetime | None = None
    rows: tuple[KeptRow, ...] = ()
    unreadable: str | None = None

    @property
    def available(self) -> bool:
        return self.plan_id is not None and self.unreadable is None

    def count(self, code: str) -> int:
        return sum(r.code == code for r in self.rows)

    @property
    def counts(self) -> tuple[tuple[str, int], ...]:
        """(code, n) for every code of :data:`KEPT_CODES`, in that order, zeros included."""
        return tuple((c, self.count(c)) for c in KEPT_CODES)


@dataclass(frozen=True)
class PendingApproval:
    """An action of the newest nightly plan that needs an approval no recorded approval gives yet."""

    approval_class: str
    action_id: str
    finding_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SinkFailure:
    """An alert sink that failed to deliver in the period (its alerts are offered again next run)."""

    sink: str
    attempts: int
    failed_attempts: int
    failed_alerts: int
    last_error: str | None
    last_at: datetime


@dataclass(frozen=True)
class Evidence:
    """C9: what the journal holds as proof."""

    runs: tuple[RunInfo, ...]
    evaluations: int
    plans: int
    journal_entries: int

    def runs_of(self, kind: str) -> int:
        return sum(r.kind == kind for r in self.runs)


@dataclass(frozen=True)
class ReportData:
    policy_name: str
    policy_version: str
    tz: ZoneInfo
    generated_at: datetime
    include_names: bool
    evaluation: EvaluationInfo
    inventory: RunInfo | None
    findings: tuple[FindingRow, ...]
    counts: Counts
    trend: tuple[TrendPoint, ...]
    coverage: Coverage
    drift: DriftSummary
    exceptions: tuple[ExceptionRow, ...]
    applicants: ApplicantAges
    deletions: Deletions
    agreements: Agreements
    actions: Actions
    alert_failures: tuple[SinkFailure, ...]
    evidence: Evidence
    dsar_cases: tuple[CaseRow, ...] = ()  # C7, from the DSAR case records: no subject, only ids and counts
    kept: KeptByLabel = KeptByLabel()  # what the newest nightly plan kept because of a label or the law
    pending_approvals: tuple[PendingApproval, ...] = ()  # the newest nightly plan's actions awaiting approval
    selection: Selection = Selection()  # which controls and severities the report covers

    def findings_of(self, control: str) -> tuple[FindingRow, ...]:
        return tuple(f for f in self.findings if f.control == control)
