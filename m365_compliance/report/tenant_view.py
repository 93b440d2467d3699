"""Figures the findings do not carry, read from the evaluated snapshot with the rules' own helpers.

Applicant ages (every applicant, not only those a rule flagged) and where each agreement stands
(running, ended awaiting disposition, kept under statutory hold) come from the same functions the
C2, C5 and C6 rules use (:func:`applicants`, :func:`read_register`, :func:`lifecycles`, :func:`hold`),
so the report and the findings cannot disagree on a deadline or a keep-until date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from m365_compliance.config.schema import Config
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.report.model import (
    AgeBin,
    AgreementRow,
    Agreements,
    ApplicantAges,
    ApplicantRow,
    HoldGroup,
)
from m365_compliance.report.subjects import folder_label
from m365_compliance.rules.agreement_register import Agreement, read_register
from m365_compliance.rules.agreements import lifecycles
from m365_compliance.rules.dates import add_months
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.retention_applicants import Applicant, applicants
from m365_compliance.rules.statutory import hold


def months_between(start: date, today: date) -> int:
    """Whole calendar months from ``start`` to ``today`` (the same month arithmetic as the deadline)."""
    months = (today.year - start.year) * 12 + today.month - start.month
    return months - 1 if months > 0 and add_months(start, months) > today else max(months, 0)


def applicant_ages(snapshot: Snapshot | None, config: Config, today: date, include_names: bool) -> ApplicantAges:
    ret = config.retention
    read = applicants(snapshot, config) if snapshot is not None else None
    if read is None:
        return ApplicantAges(False, ret.applicant_months, ret.applicant_warning_days)
    _scope, found = read
    rows = tuple(sorted((_applicant_row(a, ret.applicant_months, ret.applicant_warning_days, today, include_names)
                         for a in found), key=lambda r: (-(r.age_months or 0), r.folder_id)))
    return ApplicantAges(True, ret.applicant_months, ret.applicant_warning_days, rows,
                         _bins(rows, 2 * ret.applicant_months))


def _applicant_row(a: Applicant, months: int, warning_days: int, today: date, include_names: bool) -> ApplicantRow:
    deadline = a.deadline(months)
    if a.hired:
        state = "hired"
    elif deadline is None:
        state = "no_date"
    elif today >= deadline:
        state = "past"
    elif today >= deadline - timedelta(days=warning_days):
        state = "warning"
    else:
        state = "within"
    age = months_between(a.applied, today) if a.applied is not None else None
    return ApplicantRow(a.folder.id, a.applied, a.date_source, age, deadline, state,
                        a.folder.name if include_names else None, folder_label(a.folder.name, a.folder.id))


def _bins(rows: Iterable[ApplicantRow], cap: int) -> tuple[AgeBin, ...]:
    """One bin per month of age up to ``cap`` (the last holds everyone that old or older)."""
    counts: list[dict[str, int]] = [{} for _ in range(cap + 1)]
    for r in rows:
        if r.age_months is None:
            continue
        slot = counts[min(r.age_months, cap)]
        slot[r.state] = slot.get(r.state, 0) + 1
    return tuple(AgeBin(m, c.get("within", 0), c.get("warning", 0), c.get("past", 0), c.get("hired", 0),
                        open_ended=m == cap) for m, c in enumerate(counts))


def agreements(snapshot: Snapshot | None, config: Config, findings: Iterable[Finding], today: date) -> Agreements:
    """Each register row's agreement today; an ended one whose folder holds only what bookkeeping law keeps
    is "held" until the last keep-until date, one with nothing left "disposed"."""
    if snapshot is None:
        return Agreements(False)
    register = read_register(snapshot, config)
    if not register.readable:
        return Agreements(False)
    findings = list(findings)
    due_by_folder: dict[str, int] = {}
    for f in findings:
        if f.rule_id == "c5.disposal-due" and f.status == "fail":
            folder = dict(f.evidence).get("folder", "")
            due_by_folder[folder] = due_by_folder.get(folder, 0) + 1
    folders: dict[str, tuple[int, int, date | None, str]] = {}  # row id → (files, held, held until, folder id)
    if (read := lifecycles(snapshot, config, register)) is not None:
        scope, found = read
        for folder, a in found:
            files = [i for i in scope.descendants(folder.id) if not i.is_folder]
            kept = [h.keep_until for i in files if (h := hold(scope, i, config)) is not None and h.keep_until >= today]
            folders[a.row_id] = (len(files), len(kept), max(kept, default=None), folder.id)
    rows = tuple(_agreement_row(a, folders.get(a.row_id), due_by_folder, today)
                 for a in register.agreements)
    return Agreements(True, rows, hold_groups(findings))


def _agreement_row(a: Agreement, folder: tuple[int, int, date | None, str] | None, due_by_folder: dict[str, int],
                   today: date) -> AgreementRow:
    files, held, until, folder_id = folder or (0, 0, None, "")
    due = due_by_folder.get(folder_id, 0) if folder_id else 0
    if a.end_unknown:
        state = "unknown"
    elif not a.ended(today):
        state = "running"
    elif folder is not None and files == 0:
        state = "disposed"
    elif held and files == held:
        state = "held"
    else:
        state = "awaiting"
    return AgreementRow(a.row_id, a.agreement_id, a.start, a.end, state, a.disposal_date, a.dpa_reference,
                        files_due=due, files_held=held, held_until=until,
                        customer=a.customer)  # a company: not personal data


def hold_groups(findings: Iterable[Finding]) -> tuple[HoldGroup, ...]:
    """The C6 findings ("keep until DATE") grouped by the year the hold ends and the statutory class."""
    groups: dict[tuple[int, str], list[date]] = {}
    for f in findings:
        if f.rule_id == "c6.statutory-hold" and f.keep_until is not None:
            groups.setdefault((f.keep_until.year, dict(f.evidence).get("class", "")), []).append(f.keep_until)
    return tuple(HoldGroup(year, cls, len(days), min(days), max(days)) for (year, cls), days in sorted(groups.items()))
