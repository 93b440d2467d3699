"""C5: a customer's data lives while the agreement runs, and is disposed of after it ends (P4).

A folder's agreement (from the register, :mod:`.agreement_register`) has ended when its end date
lies before today in the policy's time zone. The folder is then "ended – awaiting disposition" under
the DPA's terms (reference and deletion days from the register): deletion happens in dialogue with
the customer or per the DPA, and only through an approved plan. Each file becomes due the DPA's
deletion days after the end — material bookkeeping law keeps (C6) only the day after its hold ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from m365_compliance.config.schema import Config
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot
from m365_compliance.model import DriveItem
from m365_compliance.rules.agreement_register import Agreement, Register, read_register
from m365_compliance.rules.dates import local_date
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.registry import rule
from m365_compliance.rules.statutory import statutory_holds


def lifecycles(snapshot: Snapshot, config: Config, register: Register | None = None
               ) -> tuple[ScopeSnapshot, list[tuple[DriveItem, Agreement]]] | None:
    """The customer scope and each folder with the agreement that decides its fate (folders without a
    register row are C4's); None without the scope or the register (coverage reports the gap).
    ``register``: the snapshot's register when the caller has already read it."""
    scope = snapshot.scopes.get("customers")
    register = register if register is not None else read_register(snapshot, config)
    if scope is None or not register.readable:
        return None
    return scope, [(unit, a) for unit in scope.units() if (a := register.governing(unit.name)) is not None]


def _terms(a: Agreement) -> dict[str, object]:
    return {"agreement": a.agreement_id, "row": a.row_id, "ended": a.end, "dpa": a.dpa_reference,
            "deletionDays": a.dpa_deletion_days, "disposalDate": a.disposal_date}


@rule(id="c5.agreement-ended", control="C5", severity="medium",
      title="Agreement ended: customer data awaiting disposition",
      remediation="Agree disposal with the customer (or follow the DPA), then approve the disposal plan; what "
                  "bookkeeping law keeps stays until its date.")
def agreement_ended(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """A customer folder whose agreement ended before today in the policy's time zone: "ended – awaiting
    disposition", with the DPA reference and deletion days. A warning while the DPA's deletion days run, a
    failure once they have passed (due since the end plus those days); not evaluated when the end date is
    unreadable."""
    if (read := lifecycles(snapshot, config)) is None:
        return
    scope, found = read
    today = local_date(now, config.retention.timezone)
    for folder, a in found:
        if a.end_unknown:
            yield agreement_ended.about(scope, folder, f"Whether the agreement of folder {folder.id} has ended is "
                                        "not known: its end date cannot be read.", status="not_evaluated",
                                        title="Not evaluated: agreement end date unreadable", evidence=_terms(a))
            continue
        if not a.ended(today) or a.end is None or a.disposal_date is None:
            continue
        days = "no deletion days in the register" if a.dpa_deletion_days is None else \
            f"{a.dpa_deletion_days} days after the end"
        yield agreement_ended.about(
            scope, folder, f"The agreement {a.agreement_id or '(no id)'} of folder {folder.id} ended "
            f"{a.end.isoformat()}: ended – awaiting disposition (DPA {a.dpa_reference or '(none registered)'}: "
            f"{days}; due {a.disposal_date.isoformat()}).", status="warn" if today < a.disposal_date else "fail",
            evidence=_terms(a), due=a.disposal_date)


@rule(id="c5.disposal-due", control="C5", severity="medium",
      title="Customer file due for disposal",
      remediation="Include it in an approved disposal plan (after the dialogue with the customer); it goes to the "
                  "recycle bin.")
def disposal_due(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """Each file in the folder of an ended agreement on or after its disposal date: the DPA's deletion days
    after the end, or for material bookkeeping law keeps (C6) the day after its hold ends, whichever is
    later ("due since DATE"); an agreement held with its folder's primary documentation is due only after
    that hold."""
    if (read := lifecycles(snapshot, config)) is None:
        return
    scope, found = read
    today = local_date(now, config.retention.timezone)
    holds = statutory_holds(scope, config)
    for folder, a in found:
        start = a.disposal_date
        if not a.ended(today) or start is None:
            continue
        for item in scope.descendants(folder.id):
            if item.is_folder:
                continue
            kept = holds.get(item.id)
            due = max(start, kept.keep_until + timedelta(days=1)) if kept is not None else start
            if today >= due:
                yield disposal_due.about(
                    scope, item, f"Item {item.id} of the ended agreement {a.agreement_id or '(no id)'} is due for "
                    f"disposal since {due.isoformat()}.", due=due,
                    evidence={"folder": folder.id, "agreement": a.agreement_id,
                              "statutory": kept.cls.name if kept is not None else None,
                              "keptUntil": kept.keep_until if kept is not None else None,
                              "heldWith": kept.follows_item if kept is not None else None})
