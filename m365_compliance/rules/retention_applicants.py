"""C2: applicant data is kept at most ``applicant_months`` (P6: "inntil 12 måneder"), and hired
applicants' data leaves recruitment.

The deadline of an applicant folder is its application date (the configured column, else the
folder's creation, per ``recruitment.date_source``) plus the months, as calendar dates in the
policy's time zone (:mod:`.dates`). On or after the deadline the data is due ("due since DATE");
within ``applicant_warning_days`` before it, a warning. A hired applicant's documents belong in the
personnel file: they are flagged to be moved, and never deleted automatically.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from m365_compliance.config.schema import Config
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot
from m365_compliance.model import DriveItem
from m365_compliance.rules import cells
from m365_compliance.rules.dates import add_months, local_date
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.registry import rule


@dataclass(frozen=True)
class Applicant:
    """One applicant folder as C2 sees it."""

    folder: DriveItem
    applied: date | None  # None: neither a usable column nor a creation date
    date_source: str  # "column" | "folder created" | "none"
    column_unreadable: bool  # the column held something that is not a date
    hired: bool
    hired_unreadable: bool  # the hired column held something that is not yes/no

    def deadline(self, months: int) -> date | None:
        return add_months(self.applied, months) if self.applied is not None else None


def applicants(snapshot: Snapshot, config: Config) -> tuple[ScopeSnapshot, list[Applicant]] | None:
    """The recruitment scope and every applicant folder in it with its application date and hired flag,
    except folders whose columns could not be read (a gap: coverage reports them); None without the scope."""
    scope = snapshot.scopes.get("recruitment")
    if scope is None:
        return None
    unread = {g.target.rsplit("/", 1)[-1] for g in snapshot.gaps
              if g.scope == "recruitment" and g.operation == "unit columns"}
    return scope, [_applicant(unit, config) for unit in scope.units() if unit.parent_id not in unread]


def _applicant(unit: DriveItem, config: Config) -> Applicant:
    rec, tz = config.recruitment, config.retention.timezone
    hired, hired_unreadable = False, False
    if rec.hired_column:
        try:
            hired = cells.flag(unit.field(rec.hired_column)) is True
        except ValueError:
            hired_unreadable = True
    unreadable = False
    if rec.date_source == "column_then_created" and rec.application_date_column:
        value = unit.field(rec.application_date_column)
        if not cells.is_empty(value):
            try:
                return Applicant(unit, local_date(value, tz), "column", False, hired, hired_unreadable)
            except ValueError:
                unreadable = True  # counted from the folder's creation instead, and reported
    if unit.created is None:
        return Applicant(unit, None, "none", unreadable, hired, hired_unreadable)
    return Applicant(unit, local_date(unit.created, tz), "folder created", unreadable, hired, hired_unreadable)


@rule(id="c2.applicant-retention", control="C2", severity="high",
      title="Applicant data kept beyond the retention period",
      remediation="Delete the applicant's folder (to the recycle bin) through a reviewed plan; keep it longer "
                  "only with the applicant's recorded consent.")
def applicant_retention(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """Each applicant folder that is not hired: its deadline is the application date (column, else folder
    creation) plus ``applicant_months`` calendar months in the policy's time zone. On or after the
    deadline it fails, due since the deadline; within ``applicant_warning_days`` before it, a low warning."""
    if (read := applicants(snapshot, config)) is None:
        return
    scope, found = read
    ret = config.retention
    today = local_date(now, ret.timezone)
    for a in found:
        deadline = a.deadline(ret.applicant_months)
        if a.hired or deadline is None:
            continue
        evidence = {"applicationDate": a.applied, "dateSource": a.date_source, "deadline": deadline,
                    "months": ret.applicant_months}
        if today >= deadline:
            yield applicant_retention.about(
                scope, a.folder, f"Applicant folder {a.folder.id} is past its {ret.applicant_months}-month deadline: "
                f"due since {deadline.isoformat()}.", evidence=evidence, due=deadline)
        elif today >= deadline - timedelta(days=ret.applicant_warning_days):
            yield applicant_retention.about(
                scope, a.folder, f"Applicant folder {a.folder.id} reaches its {ret.applicant_months}-month deadline "
                f"on {deadline.isoformat()}.", status="warn", severity="low", evidence=evidence, due=deadline,
                title="Applicant data due for deletion soon")


@rule(id="c2.hired-applicant", control="C2", severity="medium",
      title="Hired applicant's data still in the recruitment scope",
      remediation="Move what the employment needs to the personnel file and remove the folder from recruitment; "
                  "it is never deleted automatically.")
def hired_applicant(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """An applicant folder whose hired column is yes: its documents must move out of recruitment (flag only,
    never deleted automatically)."""
    if (read := applicants(snapshot, config)) is None:
        return
    scope, found = read
    for a in found:
        if a.hired:
            yield hired_applicant.about(scope, a.folder, f"Applicant folder {a.folder.id} belongs to a hired "
                                        "applicant: move it out of recruitment; it is never deleted automatically.",
                                        evidence={"applicationDate": a.applied, "dateSource": a.date_source})


@rule(id="c2.applicant-columns", control="C2", severity="low",
      title="Applicant folder with an unreadable application date or hired value",
      remediation="Correct the folder's column value; until then the deadline counts from the folder's creation "
                  "and the applicant is treated as not hired.")
def applicant_columns(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """An applicant folder whose application-date column holds something that is not a date, or whose
    hired column is not yes/no: its deadline is counted from the folder's creation instead, and it says so.
    High when there is no date at all, so no deadline can be computed."""
    if (read := applicants(snapshot, config)) is None:
        return
    scope, found = read
    rec = config.recruitment
    for a in found:
        for unreadable, column in ((a.column_unreadable, rec.application_date_column),
                                   (a.hired_unreadable, rec.hired_column)):
            if unreadable and column:
                yield applicant_columns.about(scope, a.folder, f"Applicant folder {a.folder.id}: the column "
                                              f"{column} cannot be read.", key=(column,),
                                              evidence={"column": column, "dateSource": a.date_source})
        if a.applied is None:
            yield applicant_columns.about(scope, a.folder, f"Applicant folder {a.folder.id} has neither an "
                                          "application date nor a creation date: its deadline cannot be computed.",
                                          key=("no date",), severity="high")


@rule(id="c2.outside-applicant-folder", control="C2", severity="medium",
      title="Recruitment file outside any applicant folder",
      remediation="Move the file into its applicant's folder (so the applicant's deadline covers it), or delete it.")
def outside_applicant_folder(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """A file in the recruitment folder that lies in no applicant folder: no application date covers it, so
    its deadline (shown from its own creation) is not tracked with the applicant's."""
    scope = snapshot.scopes.get("recruitment")
    if scope is None:
        return
    ret = config.retention
    for item in scope.outside_units():
        deadline = add_months(local_date(item.created, ret.timezone), ret.applicant_months) if item.created else None
        yield outside_applicant_folder.about(
            scope, item, f"File {item.id} lies outside any applicant folder; its deadline is not tracked with an "
            "applicant's.", due=deadline, evidence={"deadlineFromCreation": deadline})
