"""Why 321 holds an item and how long: the purpose and retention an access copy must state (Art. 15(1)(a), (d)).

The answers come from the rules that enforce them, so the copy says what the nightly run does:
recruitment data is kept at most ``applicant_months`` from the application (C2, P6); customer data
while the agreement runs and until the data processing agreement's deletion date after it (C5, P4);
bookkeeping material until its statutory date (C6, bokføringsloven § 13), which wins over both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from m365_compliance.config.schema import Config
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.rules.agreement_register import Agreement, read_register
from m365_compliance.rules.retention_applicants import applicants
from m365_compliance.rules.statutory import hold

PURPOSES = {
    "recruitment": "Rekruttering: vurdering av søknaden / Recruitment: assessing the application (policy: Jobbsøkere)",
    "customers": "Kundeavtale: tilbud og avtaler mellom 321 og kunden / Customer agreement: offers and agreements "
                 "between 321 and the customer (policy: Kundedata)",
    "tenant": "Funnet utenfor de konfigurerte områdene / Found outside the configured scopes: no purpose is "
              "registered for it in the policy; it is reviewed by hand",
}


@dataclass(frozen=True)
class Retention:
    purpose: str
    rule: str  # how long, and why, in a sentence
    keep_until: date | None  # the date it goes (or went) by that rule; None when no date follows


class RetentionInfo:
    """Purpose and retention of the items of one snapshot, as of ``today``."""

    def __init__(self, snapshot: Snapshot, config: Config, today: date) -> None:
        self.snapshot, self.config, self.today = snapshot, config, today
        found = applicants(snapshot, config)
        self.applicants = {a.folder.id: a for a in found[1]} if found is not None else {}
        self.register = read_register(snapshot, config)

    def of(self, scope_name: str, item_id: str) -> Retention:
        purpose = PURPOSES.get(scope_name, PURPOSES["tenant"])
        scope = self.snapshot.scopes.get(scope_name)
        item = scope.items.get(item_id) if scope is not None else None
        if scope is None or item is None:
            return Retention(purpose, "No retention rule of the policy covers it: it is reviewed by hand.", None)
        kept = hold(scope, item, self.config)
        if kept is not None and kept.keep_until >= self.today:
            return Retention(purpose, f"Kept until {kept.keep_until.isoformat()}, because {kept.reason}.",
                             kept.keep_until)
        unit = scope.unit_of(item)
        if scope_name == "recruitment":
            return Retention(purpose, *self._applicant(unit.id if unit else None))
        return Retention(purpose, *_agreement(self.register.governing(unit.name) if unit else None, self.today))

    def _applicant(self, unit_id: str | None) -> tuple[str, date | None]:
        months = self.config.retention.applicant_months
        applicant = self.applicants.get(unit_id or "")
        if applicant is None:
            return f"Applicant data is kept at most {months} months from the application (P6).", None
        if applicant.hired:
            return (("The applicant was hired: what the employment needs moves to the personnel file, the rest "
                    "is deleted."), None)
        deadline = applicant.deadline(months)
        if deadline is None:
            return f"Applicant data is kept at most {months} months from the application (P6).", None
        source = "application date" if applicant.date_source == "column" else "folder's creation"
        return ((f"Kept at most {months} months from the {source} ({applicant.applied}): deleted by "
                f"{deadline.isoformat()} at the latest (P6)."), deadline)


def _agreement(agreement: Agreement | None, today: date) -> tuple[str, date | None]:
    if agreement is None:
        return "No agreement in the register covers it: it is reviewed for deletion (C4).", None
    which = agreement.agreement_id or f"row {agreement.row_id}"
    dpa = f" ({agreement.dpa_reference})" if agreement.dpa_reference else ""
    if agreement.end_unknown:
        return f"Kept while agreement {which} runs; its end date cannot be read from the register.", None
    if not agreement.ended(today):
        return ((f"Kept while agreement {which} runs, then deleted as its data processing agreement{dpa} says "
                "(P4)."), None)
    disposal = agreement.disposal_date
    assert agreement.end is not None and disposal is not None
    return ((f"Agreement {which} ended {agreement.end.isoformat()}; due for deletion from {disposal.isoformat()} "
            f"({agreement.dpa_deletion_days or 0} days after the end, per the data processing agreement{dpa})."),
            disposal)
