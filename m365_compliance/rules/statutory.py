"""C6: bookkeeping material is kept despite the policy's deletion promises (P4's exception; GDPR Art. 17(3)(b)).

Bokføringsloven § 13 (as read via Altinn, peer-systems §5): primary documentation — incl. agreements
an invoice refers to — is kept 5 years after the end of the fiscal year; other agreements of
significance 3.5 years. The classes, their years and their matchers (folders, file-name patterns,
content types, a column) come from ``[[retention.statutory]]``; the first class that matches wins.
The document's date is its ``date_column`` (e.g. an invoice date) when configured and readable, else
its creation, taken as a calendar date in the policy's time zone.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from m365_compliance.config.schema import ColumnMatch, Config, StatutoryClass
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot
from m365_compliance.model import DriveItem
from m365_compliance.rules import cells
from m365_compliance.rules.dates import add_years, fiscal_year_end, local_date
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.registry import rule

CONTENT_TYPE_FIELD = "ContentType"


@dataclass(frozen=True)
class Hold:
    """Why and until when the law keeps one item."""

    cls: StatutoryClass
    document_date: date
    date_source: str  # the date column's name, or "created"
    fiscal_year_end: date
    keep_until: date

    @property
    def reason(self) -> str:
        return (f"bokføringsloven § 13 keeps {self.cls.name} bookkeeping material {self.cls.years:g} years after the "
                f"end of its fiscal year ({self.fiscal_year_end.isoformat()})")


def statutory_class(scope: ScopeSnapshot, item: DriveItem,
                    classes: tuple[StatutoryClass, ...]) -> StatutoryClass | None:
    """The first class with a matcher that fits the file; folders are never held themselves."""
    if item.is_folder or item.is_root:
        return None
    path = scope.path(item).lstrip("/").casefold()
    name = item.name.casefold()
    for cls in classes:
        if any(fnmatch.fnmatchcase(name, p.casefold()) for p in cls.name_patterns) \
                or any(fnmatch.fnmatchcase(path, p.casefold().lstrip("/")) for p in cls.folders) \
                or (cls.content_types and str(item.field(CONTENT_TYPE_FIELD) or "") in cls.content_types) \
                or (cls.column is not None and _column_matches(item, cls.column)):
            return cls
    return None


def _column_matches(item: DriveItem, match: ColumnMatch) -> bool:
    value = item.field(match.name)
    try:
        if isinstance(match.value, bool):
            return cells.flag(value) is match.value
        if isinstance(match.value, (int, float)):
            return not cells.is_empty(value) and float(str(value)) == float(match.value)
    except ValueError:
        return False
    return cells.text(value) is not None and str(value).strip().casefold() == str(match.value).casefold()


def hold(scope: ScopeSnapshot, item: DriveItem, config: Config) -> Hold | None:
    """The statutory hold on ``item``, or None when no class matches (or it has no date at all)."""
    ret = config.retention
    cls = statutory_class(scope, item, ret.statutory)
    if cls is None:
        return None
    dated = _document_date(item, cls, ret.timezone)
    if dated is None:
        return None
    day, source = dated
    year_end = fiscal_year_end(day, ret.fiscal_year_end)
    return Hold(cls, day, source, year_end, add_years(year_end, cls.years))


def _document_date(item: DriveItem, cls: StatutoryClass, tz: ZoneInfo) -> tuple[date, str] | None:
    if cls.date_column and not cells.is_empty(item.field(cls.date_column)):
        try:
            return local_date(item.field(cls.date_column), tz), cls.date_column
        except ValueError:
            pass  # an unreadable invoice date: the creation date still dates the document
    return (local_date(item.created, tz), "created") if item.created is not None else None


@rule(id="c6.statutory-hold", control="C6", severity="low",
      title="Kept by bookkeeping law",
      remediation="Nothing to delete before the date shown; label the item with its statutory label so SharePoint "
                  "keeps it too.")
def statutory_hold(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """Every customer-scope file matching a statutory class while its hold lasts: "keep until DATE, because …",
    where DATE is the end of the fiscal year of the document's date plus the class's years (3.5 years =
    3 years 6 months). An information finding, not a violation: deletion plans must skip it."""
    scope = snapshot.scopes.get("customers")
    if scope is None:
        return
    today = local_date(now, config.retention.timezone)
    for item in scope.items.values():
        kept = hold(scope, item, config)
        if kept is None or kept.keep_until < today:
            continue
        yield statutory_hold.about(
            scope, item, f"Keep item {item.id} until {kept.keep_until.isoformat()}, because {kept.reason}.",
            status="info", keep_until=kept.keep_until, reason=kept.reason,
            evidence={"class": kept.cls.name, "label": kept.cls.label, "years": f"{kept.cls.years:g}",
                      "documentDate": kept.document_date, "dateSource": kept.date_source,
                      "fiscalYearEnd": kept.fiscal_year_end})

