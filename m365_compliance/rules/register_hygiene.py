"""C4: the agreement register and the customer folders must describe each other (P1, P2).

321 stores customer data only under a registered agreement, so a customer folder without a register
row is customer data without one. The other way round, a row without a folder, a row with missing or
malformed data, a contact person the directory does not know, a second row for the same customer or
agreement id, or a row that does not say whether data is stored at 321 by agreement (P1's exception)
makes C3 and C5 unreliable for that customer. Each is a finding, never a crash; none is evaluated when
the register itself could not be read (coverage reports that).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from m365_compliance.config.schema import Config
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.model import PrincipalKind
from m365_compliance.rules.agreement_register import Agreement, Register, folder_key, read_register
from m365_compliance.rules.findings import Finding
from m365_compliance.rules.registry import Rule, rule


def _row(r: Rule, a: Agreement, message: str, *, key: tuple[str, ...] = (),
         evidence: dict[str, object] | None = None) -> Finding:
    """A finding about one register row (its id is the list item id, or "row N" of a file)."""
    return r.finding(("register", a.row_id, *key), f"Register row {a.row_id}: {message}", scope="register",
                     evidence={"row": a.row_id, "agreement": a.agreement_id, **(evidence or {})})


def _register(snapshot: Snapshot, config: Config) -> Register | None:
    register = read_register(snapshot, config)
    return register if register.readable else None


@rule(id="c4.unregistered-folder", control="C4", severity="medium",
      title="Customer folder without a register row",
      remediation="Register the agreement (with its contact persons and DPA), or move the data out: 321 stores "
                  "customer data only under an agreement.")
def unregistered_folder(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """A folder in the customer scope that no register row points to (by folder column or customer name),
    and a file that lies in no customer folder at all."""
    scope = snapshot.scopes.get("customers")
    register = _register(snapshot, config)
    if scope is None or register is None:
        return
    for unit in scope.units():
        if not register.for_folder(unit.name):
            yield unregistered_folder.about(scope, unit, f"Customer folder {unit.id} has no row in the register.")
    for item in scope.outside_units():
        yield unregistered_folder.about(scope, item, f"File {item.id} lies in no customer folder, so no agreement "
                                        "covers it.", title="Customer file outside any customer folder")


@rule(id="c4.row-without-folder", control="C4", severity="low",
      title="Register row without a customer folder",
      remediation="Correct the row's folder (or customer name), or create the customer's folder.")
def row_without_folder(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """A register row whose folder (or customer name) matches no folder in the customer scope."""
    scope = snapshot.scopes.get("customers")
    register = _register(snapshot, config)
    if scope is None or register is None or scope.base_folder_id is None:
        return
    folders = {folder_key(u.name) for u in scope.units()}
    for a in register.agreements:
        if a.folder is not None and folder_key(a.folder) not in folders:
            yield _row(row_without_folder, a, "points to no customer folder.")


@rule(id="c4.invalid-row", control="C4", severity="medium",
      title="Register row with missing or malformed data",
      remediation="Fill in or correct the named columns (dates as dates, deletion days as a number).")
def invalid_row(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """A register row with an empty customer, folder or start date, a malformed date, an end before the
    start, or a deletion-days or yes/no cell that cannot be read — one finding per row, naming the columns."""
    register = _register(snapshot, config)
    for a in register.agreements if register is not None else ():
        if a.problems:
            what = "; ".join(f"{column} {problem}" for column, problem in a.problems)
            yield _row(invalid_row, a, f"{what}.", evidence={"columns": ",".join(c for c, _ in a.problems)})


@rule(id="c4.duplicate-row", control="C4", severity="low",
      title="Duplicate register row",
      remediation="Keep one row per customer folder and agreement id; merge the contact persons into it.")
def duplicate_row(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """A register row naming the same customer folder or agreement id as an earlier row (the first is kept)."""
    register = _register(snapshot, config)
    first: dict[tuple[str, str], str] = {}
    for a in register.agreements if register is not None else ():
        keys = [("folder", folder_key(a.folder))] if a.folder else []
        keys += [("agreement", a.agreement_id.casefold())] if a.agreement_id else []
        earlier = next((first[k] for k in keys if k in first), None)
        for k in keys:
            first.setdefault(k, a.row_id)
        if earlier is not None:
            yield _row(duplicate_row, a, f"duplicates row {earlier}.", evidence={"duplicateOf": earlier})


@rule(id="c4.unknown-contact", control="C4", severity="medium",
      title="Contact person not in the directory",
      remediation="Correct the contact person's e-mail in the register, or invite them as a guest; until then "
                  "their access to the customer's folder cannot be recognised as allowed.")
def unknown_contact(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """A contact person named in a register row that matches no user or guest in the directory (by e-mail or
    object id), or a person entry with no e-mail at all. Not evaluated when the user list could not be read."""
    register = _register(snapshot, config)
    if register is None or any(g.scope == "directory" and g.operation == "list users" for g in snapshot.gaps):
        return
    people = (PrincipalKind.USER, PrincipalKind.GUEST)
    known = {ref for p in snapshot.principals.values() if p.kind in people
             for ref in (p.id.lower(), (p.email or "").lower()) if ref}
    for a in register.agreements:
        for contact in (c for c in a.contacts if c not in known):
            yield _row(unknown_contact, a, "names a contact person who is not in the directory.", key=(contact,),
                       evidence={"contact": contact})
        if a.unmatched_contacts:
            yield _row(unknown_contact, a, f"{a.unmatched_contacts} contact person(s) without an e-mail address.",
                       key=("without e-mail",), evidence={"entries": a.unmatched_contacts})


@rule(id="c4.storage-basis-missing", control="C4", severity="low",
      title="Register row does not say whether data is stored by agreement",
      remediation="Fill in the stored-by-agreement column: yes only where the customer agreed that 321 stores "
                  "their data (P1's exception).")
def storage_basis_missing(snapshot: Snapshot, config: Config, now: datetime) -> Iterator[Finding]:
    """A register row whose stored-by-agreement cell is empty: whether customer data may be stored at 321
    beyond offers and agreements (P1, P2) is not recorded. (A malformed cell is an invalid row.)"""
    register = _register(snapshot, config)
    column = config.register.columns.stored_by_agreement
    for a in register.agreements if register is not None else ():
        if a.stored_by_agreement is None and column not in {c for c, _ in a.problems}:
            yield _row(storage_basis_missing, a, f"{column} is empty.")
