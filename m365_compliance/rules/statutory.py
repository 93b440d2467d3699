"""C6: bookkeeping material is kept despite the policy's deletion promises (P4's exception; GDPR Art. 17(3)(b)).

Bokføringsloven § 13 (as read via Altinn, peer-systems §5): primary documentation — incl. agreements
an invoice refers to — is kept 5 years after the end of the fiscal year; other agreements of
significance 3.5 years. The classes, their years and their matchers (folders, file-name patterns,
content types, a column) come from ``[[retention.statutory]]``; the first class that matches wins.
The document's date is its ``date_column`` (e.g. an invoice date) when configured and readable, else
its creation, taken as a calendar date in the policy's time zone.

An agreement that primary documentation refers to is itself primary documentation (CONTROLS.md C6).
Without a documented link between an invoice and its agreement, the conservative rule applies: within
one folder unit (a customer folder), an item whose class *follows* other classes (``follows``; by
default every class with a longer period) is kept at least until the latest own hold of the unit's
items of those classes. Items outside any unit keep their own hold.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import weakref
from collections.abc import Iterable, Iterator, Mapping
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
    keep_until: date  # the item's own hold, or the later hold of the item it follows
    follows_item: str | None = None  # the id of the document in the same folder whose hold extends this one
    follows_class: str | None = None  # that document's class

    @property
    def own_keep_until(self) -> date:
        """The end of the item's own hold: its fiscal year's end plus its class's years."""
        return add_years(self.fiscal_year_end, self.cls.years)

    def held_with(self, item_id: str, other: Hold) -> Hold:
        """This hold extended to ``other``'s (the hold of item ``item_id`` in the same folder)."""
        return dataclasses.replace(self, keep_until=other.keep_until, follows_item=item_id,
                                   follows_class=other.cls.name)

    @property
    def reason(self) -> str:
        own = (f"bokføringsloven § 13 keeps {self.cls.name} bookkeeping material {self.cls.years:g} years after the "
               f"end of its fiscal year ({self.fiscal_year_end.isoformat()})")
        if self.follows_item is None:
            return own
        return (f"{own}; held with the customer folder's {self.follows_class} documentation (item "
                f"{self.follows_item}) until {self.keep_until.isoformat()}, because an agreement that primary "
                "documentation refers to is itself primary documentation (no link between them is recorded, so "
                "the folder's latest hold applies)")


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


def own_hold(scope: ScopeSnapshot, item: DriveItem, config: Config) -> Hold | None:
    """The item's own statutory hold (its class and date alone), or None when no class matches (or it has no
    date at all)."""
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


def statutory_holds(scope: ScopeSnapshot, config: Config) -> Mapping[str, Hold]:
    """Every held item of ``scope`` (item id → hold), in one pass over its items plus one walk of its folder
    units: each item's own hold, extended within its unit to the latest own hold of the classes it follows."""
    followed = _followed(config)
    holds: dict[str, Hold] = {}
    for item in scope.items.values():
        kept = own_hold(scope, item, config)
        if kept is not None:
            holds[item.id] = kept
    if not any(followed.values()) or not holds:
        return holds
    for unit in scope.units():
        holds.update(_extended((i.id for i in scope.descendants(unit.id)), holds, followed))
    return holds


def hold(scope: ScopeSnapshot, item: DriveItem, config: Config) -> Hold | None:
    """The statutory hold on ``item`` (as in :func:`statutory_holds`), or None when no class matches (or it has
    no date at all). Computes the holds of the item's folder unit once per (scope, config) and unit, so callers
    asking item by item stay linear; a caller asking about every item should use :func:`statutory_holds`."""
    kept = own_hold(scope, item, config)
    if kept is None:
        return None
    units = _Units.of(scope, config)
    if not units.followed.get(kept.cls.name.casefold()):
        return kept
    unit = units.unit_of(scope, item)
    if unit is None:
        return kept
    return units.holds(scope, unit).get(item.id, kept)


def _followed(config: Config) -> dict[str, tuple[str, ...]]:
    """Class name (casefolded) → the classes it follows, in the configuration's order (ties go to the first)."""
    classes = config.retention.statutory
    out: dict[str, tuple[str, ...]] = {}
    for cls in classes:
        names = cls.followed(classes) - {cls.name.casefold()}
        out[cls.name.casefold()] = tuple(c.name.casefold() for c in classes if c.name.casefold() in names)
    return out


def _extended(ids: Iterable[str], own: Mapping[str, Hold], followed: Mapping[str, tuple[str, ...]]
              ) -> dict[str, Hold]:
    """The holds of one folder unit's items (``ids``) that the unit's followed classes extend (id → hold)."""
    latest: dict[str, tuple[str, Hold]] = {}  # class → the unit's item with the latest own hold of that class
    members: list[tuple[str, Hold]] = []
    for item_id in ids:
        kept = own.get(item_id)
        if kept is None:
            continue
        members.append((item_id, kept))
        name = kept.cls.name.casefold()
        if name not in latest or kept.keep_until > latest[name][1].keep_until:
            latest[name] = (item_id, kept)
    extended: dict[str, Hold] = {}
    for item_id, kept in members:
        best: tuple[str, Hold] | None = None
        for name in followed.get(kept.cls.name.casefold(), ()):
            candidate = latest.get(name)
            if candidate is not None and candidate[1].keep_until > (best or (item_id, kept))[1].keep_until:
                best = candidate
        if best is not None:
            extended[item_id] = kept.held_with(*best)
    return extended


class _Units:
    """For :func:`hold`: a scope's folder units and the holds of those asked about, per (scope, config)."""

    _cache: dict[int, _Units] = {}  # id(scope) → its entry, dropped when the scope is

    def __init__(self, scope: ScopeSnapshot, config: Config) -> None:
        self.config = config
        self.followed = _followed(config)
        self.unit_ids = frozenset(u.id for u in scope.units())
        self._holds: dict[str, dict[str, Hold]] = {}

    @classmethod
    def of(cls, scope: ScopeSnapshot, config: Config) -> _Units:
        key = id(scope)
        entry = cls._cache.get(key)
        if entry is None or entry.config is not config:
            fresh = _Units(scope, config)
            if entry is None:
                try:
                    weakref.finalize(scope, cls._cache.pop, key, None)
                except TypeError:  # a scope that takes no weak reference is not cached (correct, only slower)
                    return fresh
            entry = cls._cache[key] = fresh
        return entry

    def unit_of(self, scope: ScopeSnapshot, item: DriveItem) -> str | None:
        if item.id in self.unit_ids:
            return item.id
        return next((a.id for a in scope.ancestors(item) if a.id in self.unit_ids), None)

    def holds(self, scope: ScopeSnapshot, unit: str) -> Mapping[str, Hold]:
        if unit not in self._holds:
            own = {i.id: h for i in scope.descendants(unit) if (h := own_hold(scope, i, self.config)) is not None}
            self._holds[unit] = _extended(own, own, self.followed)
        return self._holds[unit]


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
    3 years 6 months). A file whose class follows others (by default every class with a longer period) is
    kept at least as long as the latest hold of those classes in the same customer folder, since an agreement
    that primary documentation refers to is itself primary documentation; the reason names that item. An
    information finding, not a violation: deletion plans must skip it."""
    scope = snapshot.scopes.get("customers")
    if scope is None:
        return
    today = local_date(now, config.retention.timezone)
    holds = statutory_holds(scope, config)
    for item in scope.items.values():
        kept = holds.get(item.id)
        if kept is None or kept.keep_until < today:
            continue
        yield statutory_hold.about(
            scope, item, f"Keep item {item.id} until {kept.keep_until.isoformat()}, because {kept.reason}.",
            status="info", keep_until=kept.keep_until, reason=kept.reason,
            evidence={"class": kept.cls.name, "label": kept.cls.label, "years": f"{kept.cls.years:g}",
                      "documentDate": kept.document_date, "dateSource": kept.date_source,
                      "fiscalYearEnd": kept.fiscal_year_end, "ownKeepUntil": kept.own_keep_until,
                      "heldWith": kept.follows_item, "heldWithClass": kept.follows_class})
