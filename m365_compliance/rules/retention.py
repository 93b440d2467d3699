"""C2, C5 and C6: how long applicant data and customer agreements live, and what the law keeps.

* C2 (P6): an applicant's data lives at most ``applicant_months`` from the application date (the
  column, else the folder's creation), warned ``applicant_warning_days`` ahead; hired applicants'
  data must leave the recruitment scope and is never deleted automatically.
* C5 (P4): a running agreement keeps its folder; an ended one is "awaiting disposition" under its
  DPA terms, and its non-statutory content becomes due ``dpa_deletion_days`` after the end.
* C6 (P4; bokføringsloven § 13, GDPR Art. 17(3)(b)): material matching a statutory class is kept
  until the end of its fiscal year plus the class's years, and says so.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from m365_compliance.config.schema import Config, StatutoryClass
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot
from m365_compliance.model import DriveItem
from m365_compliance.rules.agreements import Agreement, read_agreements
from m365_compliance.rules.dates import add_months, add_years, fiscal_year_end, local_date
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.registry import rule


def _today(config: Config, now: datetime) -> date:
    return local_date(now, config.retention.timezone)


def _truthy(value: object) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1", "yes", "ja")


@rule(id="c2.applicant-retention", control="C2", severity="high",
      title="Applicant data kept beyond 12 months",
      remediation="Delete the applicant's folder (to the recycle bin) through a reviewed plan, or record consent "
                  "to keep it longer.")
def applicant_retention(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """Each applicant folder's deadline is the application date (column, else folder creation) plus the
    configured months, in the policy's time zone; past it → due since the deadline; within the warning
    window → a warning; hired applicants are handled by their own rule."""
    scope = snapshot.scopes.get("recruitment")
    if scope is None:
        return
    rec, ret = config.recruitment, config.retention
    today = _today(config, now)
    for unit in scope.units():
        if rec.hired_column and _truthy(unit.field(rec.hired_column)):
            continue
        applied, source = _application_date(unit, config)
        if applied is None:
            continue
        deadline = add_months(applied, ret.applicant_months)
        evidence = {"applicationDate": applied.isoformat(), "dateSource": source, "deadline": deadline.isoformat()}
        path = scope.path(unit)
        if today >= deadline:
            yield applicant_retention.finding((unit.id,), f"Applicant data in {path} is past its deadline "
                                              f"(due since {deadline.isoformat()}).", scope="recruitment",
                                              item_id=unit.id, path=path, evidence=evidence, due=deadline)
        elif today >= deadline - timedelta(days=ret.applicant_warning_days):
            yield applicant_retention.finding((unit.id,), f"Applicant data in {path} is due for deletion on "
                                              f"{deadline.isoformat()}.", status="warn", severity="low",
                                              scope="recruitment", item_id=unit.id, path=path, evidence=evidence,
                                              due=deadline, title="Applicant data due for deletion soon")


def _application_date(unit: DriveItem, config: Config) -> tuple[date | None, str]:
    rec, tz = config.recruitment, config.retention.timezone
    if rec.date_source == "column_then_created" and rec.application_date_column:
        value = unit.field(rec.application_date_column)
        if value not in (None, ""):
            try:
                return local_date(value, tz), "column"
            except ValueError:
                pass  # an unreadable date falls back to the folder's creation, and says so
    return (local_date(unit.created, tz), "folder created") if unit.created else (None, "none")


@rule(id="c2.hired-applicant", control="C2", severity="medium",
      title="Hired applicant's data still in the recruitment scope",
      remediation="Move the documents to the employee's personnel file and remove them from recruitment; "
                  "they are never deleted automatically.")
def hired_applicant(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """An applicant folder whose hired column is true: the data must move out of recruitment (flag only)."""
    scope = snapshot.scopes.get("recruitment")
    if scope is None or not config.recruitment.hired_column:
        return
    for unit in scope.units():
        if _truthy(unit.field(config.recruitment.hired_column)):
            path = scope.path(unit)
            yield hired_applicant.finding((unit.id,), f"{path} belongs to a hired applicant.", scope="recruitment",
                                          item_id=unit.id, path=path)


def statutory_class(item: DriveItem, path: str, classes: tuple[StatutoryClass, ...]) -> StatutoryClass | None:
    """The first class whose matcher fits (folders: the folder path with a trailing "/"; names: the file name)."""
    folder = path.rsplit("/", 1)[0].lstrip("/") + "/"
    for cls in classes:
        if any(fnmatch.fnmatch(item.name.lower(), p.lower()) for p in cls.name_patterns):
            return cls
        if any(fnmatch.fnmatch(folder.lower(), p.lower().lstrip("/")) for p in cls.folders):
            return cls
        if cls.content_types and str(item.field("ContentType") or "") in cls.content_types:
            return cls
        if cls.column is not None and item.field(cls.column.name) == cls.column.value:
            return cls
    return None


def keep_until(item: DriveItem, cls: StatutoryClass, config: Config) -> date:
    ret = config.retention
    made = local_date(item.created, ret.timezone) if item.created else date.min
    year_end = fiscal_year_end(made, ret.fiscal_year_end.month, ret.fiscal_year_end.day)
    return add_years(year_end, cls.years)


@rule(id="c6.statutory-hold", control="C6", severity="low",
      title="Kept by bookkeeping law",
      remediation="Nothing to do before the date shown; label the item with the statutory label.")
def statutory_hold(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """Every customer-scope file matching a statutory class: "keep until DATE, because …" (fiscal year
    end of its creation plus the class's years); after that date it is due."""
    scope = snapshot.scopes.get("customers")
    if scope is None:
        return
    today = _today(config, now)
    for item in scope.items.values():
        if item.is_folder:
            continue
        path = scope.path(item)
        cls = statutory_class(item, path, config.retention.statutory)
        if cls is None:
            continue
        until = keep_until(item, cls, config)
        reason = f"bookkeeping material ({cls.name}) is kept {cls.years:g} years after the fiscal year ends"
        if today <= until:
            yield statutory_hold.finding((item.id,), f"Keep {path} until {until.isoformat()}, because {reason}.",
                                         status="info", scope="customers", item_id=item.id, path=path,
                                         keep_until=until, evidence={"class": cls.name, "label": cls.label})


@rule(id="c5.agreement-ended", control="C5", severity="medium",
      title="Agreement ended: customer data awaiting disposition",
      remediation="Agree disposal with the customer (or follow the DPA), approve the disposal plan, and delete "
                  "what the law does not keep.")
def agreement_ended(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """A customer folder whose agreement has ended: awaiting disposition with its DPA terms; each
    non-statutory item becomes due the DPA's deletion days after the end (statutory items when their
    hold expires)."""
    today = _today(config, now)
    for scope, unit, agreement, due in _ended_units(snapshot, config, today):
        assert agreement.end is not None
        evidence = {"agreement": agreement.agreement_id or "", "ended": agreement.end.isoformat(),
                    "dpa": agreement.dpa_reference or "", "deletionDays": str(agreement.dpa_deletion_days or 0)}
        yield agreement_ended.finding((unit.id,), f"The agreement for {unit.name} ended {agreement.end.isoformat()}; "
                                      "its data awaits disposition.", status="warn" if today < due else "fail",
                                      scope="customers", item_id=unit.id, path=scope.path(unit), evidence=evidence,
                                      due=due)


@rule(id="c5.disposal-due", control="C5", severity="medium",
      title="Customer item due for disposal",
      remediation="Include it in an approved disposal plan (m365-compliance plan / approve / apply).")
def disposal_due(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """Each file of an ended agreement's folder past its disposal date: the DPA's deletion days after the
    end, or — for statutory material — the day after its hold expires, whichever is later."""
    today = _today(config, now)
    for scope, unit, _agreement, due in _ended_units(snapshot, config, today):
        for item in scope.descendants(unit.id):
            if item.is_folder:
                continue
            path = scope.path(item)
            cls = statutory_class(item, path, config.retention.statutory)
            item_due = max(due, keep_until(item, cls, config) + timedelta(days=1)) if cls else due
            if today >= item_due:
                yield disposal_due.finding((item.id,), f"{path} is due for disposal since {item_due.isoformat()}.",
                                           scope="customers", item_id=item.id, path=path, due=item_due,
                                           evidence={"folder": unit.id, "statutory": cls.name if cls else ""})


def _ended_units(snapshot: Snapshot, config: Config,
                 today: date) -> Iterator[tuple[ScopeSnapshot, DriveItem, Agreement, date]]:
    """Customer folders whose agreement has ended, with the date their content becomes due."""
    scope = snapshot.scopes.get("customers")
    if scope is None:
        return
    by_folder = _agreements_by_folder(snapshot, config)
    for unit in scope.units():
        agreement = by_folder.get(unit.name.lower())
        if agreement is not None and agreement.end is not None and agreement.ended(today):
            yield scope, unit, agreement, agreement.end + timedelta(days=agreement.dpa_deletion_days or 0)


def _agreements_by_folder(snapshot: Snapshot, config: Config) -> dict[str, Agreement]:
    result: dict[str, Agreement] = {}
    for a in read_agreements(snapshot.register_rows, config.register.columns, config.retention.timezone):
        name = a.folder if config.customers.folder_match == "register_folder_column" else a.customer
        if name and name.lower() not in result:
            result[name.lower()] = a
    return result
