"""C4 and register hygiene: the register and the customer folders must describe each other.

A folder with no register row is customer data stored without a registered agreement (P1, P2); a
row with no folder, a row with missing or invalid dates, an unknown contact person, or two rows for
one customer make every other customer control unreliable. Each is a finding, never a crash.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime

from m365_compliance.config.schema import Config
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.rules.agreements import read_agreements
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.registry import rule


def _folder_key(config: Config, folder: str | None, customer: str) -> str:
    name = folder if config.customers.folder_match == "register_folder_column" else customer
    return (name or "").strip().lower()


@rule(id="c4.unregistered-folder", control="C4", severity="medium",
      title="Customer folder without a register entry",
      remediation="Add the agreement to the register, or move the data out: 321 stores customer data only "
                  "under an agreement.")
def unregistered_folder(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """A folder in the customer scope that no register row points to."""
    scope = snapshot.scopes.get("customers")
    if scope is None or not _register_read(snapshot):
        return
    rows = {_folder_key(config, a.folder, a.customer)
            for a in read_agreements(snapshot.register_rows, config.register.columns, config.retention.timezone)}
    for unit in scope.units():
        if unit.name.strip().lower() not in rows:
            yield unregistered_folder.finding((unit.id,), f"The folder {unit.name} has no row in the register.",
                                              scope="customers", item_id=unit.id, path=scope.path(unit))


@rule(id="c4.register-row", control="C4", severity="low",
      title="Register row that does not describe a customer folder correctly",
      remediation="Correct the row in the register: a folder, valid dates, known contact persons, one row per "
                  "agreement.")
def register_row(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """Each register row: its folder exists, its dates are valid, its contact persons are known in the
    directory, and no other row names the same folder or agreement id."""
    scope = snapshot.scopes.get("customers")
    agreements = read_agreements(snapshot.register_rows, config.register.columns, config.retention.timezone)
    folders = {u.name.strip().lower() for u in scope.units()} if scope is not None else None
    known = {(p.email or "").lower() for p in snapshot.principals.values() if p.email}
    keys = Counter(_folder_key(config, a.folder, a.customer) for a in agreements)
    ids = Counter(a.agreement_id for a in agreements if a.agreement_id)
    seen: set[str] = set()
    for a in agreements:
        where = f"register row {a.row_id}"
        subject = ("row", a.row_id)
        for problem in a.problems:
            yield register_row.finding((*subject, problem), f"{where} ({a.customer}): {problem}.", severity="medium",
                                       evidence={"row": a.row_id}, title="Register row with missing or invalid data")
        key = _folder_key(config, a.folder, a.customer)
        if folders is not None and key and key not in folders:
            yield register_row.finding((*subject, "no-folder"), f"{where} ({a.customer}) points to no folder.",
                                       evidence={"row": a.row_id}, title="Register row without a folder")
        if keys[key] > 1 or (a.agreement_id and ids[a.agreement_id] > 1):
            if key in seen:
                yield register_row.finding((*subject, "duplicate"), f"{where} ({a.customer}) duplicates another row.",
                                           evidence={"row": a.row_id}, title="Duplicate register row")
            seen.add(key)
        for email in a.contact_emails:
            if email not in known:
                yield register_row.finding((*subject, "contact", email), f"{where} ({a.customer}) names a contact "
                                           "person who is not in the directory.", severity="medium",
                                           evidence={"row": a.row_id}, title="Unknown contact person")


def _register_read(snapshot: Snapshot) -> bool:
    return not any(g.scope == "register" for g in snapshot.gaps)
