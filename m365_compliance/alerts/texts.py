"""The words every sink uses, in Norwegian bokmål (the company's language) and English.

One place for them so Teams, e-mail and GitHub say the same thing. Finding titles, messages and
remediation arrive in the alert's language already (:mod:`m365_compliance.rules.finding_texts`, applied when
the alert is made); they carry ids and counts only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from m365_compliance.alerts.model import ALERT_KINDS, Alert, AlertKind, Language
from m365_compliance.rules.findings import SEVERITIES, Severity

#: Highest first: the order counts and lists are shown in.
SEVERITY_ORDER: tuple[Severity, ...] = tuple(reversed(SEVERITIES))

_CONTROLS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "C1": ("Tilgang til rekrutteringsdata", "Recruitment access"),
    "C2": ("Lagringstid for søkerdata", "Recruitment retention"),
    "C3": ("Tilgang til kundedata", "Customer access"),
    "C4": ("Uregistrerte kundedata", "Unregistered customer data"),
    "C5": ("Avtalens livsløp", "Agreement lifecycle"),
    "C6": ("Lovpålagt oppbevaring", "Statutory retention"),
    "C7": ("Innsyn og sletting", "Data-subject requests"),
    "C8": ("Endringer siden forrige kjøring", "Drift"),
    "C9": ("Dokumentasjon", "Evidence"),
})


@dataclass(frozen=True, slots=True)
class Texts:
    """Everything a sink writes around the findings, in one language."""

    language: Language
    kinds: Mapping[AlertKind, str]
    severities: Mapping[Severity, str]
    statuses: Mapping[str, str]
    breach: str  # the GDPR Art. 33 warning, shown wherever a breach_clock alert is
    breach_short: str  # beside the alert itself
    title: str  # what the alerts are about, as a heading
    alerts_word: tuple[str, str]  # singular, plural
    finding: str
    control_word: str
    rule_word: str
    severity_word: str
    status_word: str
    first_seen: str
    remediation: str
    run: str
    policy_version: str
    open_report: str
    part: str  # "part {n} of {total}"
    issue_closed: str  # the GitHub comment when a fixed finding's issue is closed
    issue_reopened: str

    def kind(self, kind: AlertKind) -> str:
        return self.kinds[kind]

    def severity(self, severity: Severity) -> str:
        return self.severities[severity]

    def status(self, status: str) -> str:
        return self.statuses.get(status, status)

    def control(self, control: str) -> str:
        """``C1 Tilgang til rekrutteringsdata``; an unknown control id as given."""
        names = _CONTROLS.get(control)
        return f"{control} {names[0 if self.language == 'nb' else 1]}" if names else control

    def count(self, n: int) -> str:
        """``3 varsler`` / ``1 alert``."""
        return f"{n} {self.alerts_word[0] if n == 1 else self.alerts_word[1]}"

    def line(self, alert: Alert) -> str:
        """One alert on one line: severity, control, finding id, title (ids only, no names or paths)."""
        mark = f" — {self.breach_short}" if alert.breach_clock else ""
        return f"[{self.severity(alert.severity)}] {alert.control} · {alert.finding_id} · {alert.title}{mark}"

    def kind_counts(self, alerts: Iterable[Alert]) -> list[tuple[str, int]]:
        """``[("Nytt avvik", 3), ("Rettet", 1)]``: kinds that occur, in the fixed kind order."""
        counted = Counter(a.kind for a in alerts)
        return [(self.kind(k), counted[k]) for k in ALERT_KINDS if counted[k]]

    def severity_counts(self, alerts: Iterable[Alert]) -> list[tuple[str, int]]:
        counted = Counter(a.severity for a in alerts)
        return [(self.severity(s), counted[s]) for s in SEVERITY_ORDER if counted[s]]


def display_order(alert: Alert) -> tuple[int, int, str, str]:
    """How every sink lists alerts: by kind, then highest severity first, then control and finding id."""
    return (ALERT_KINDS.index(alert.kind), SEVERITY_ORDER.index(alert.severity), alert.control, alert.finding_id)


NB = Texts(
    language="nb",
    kinds=MappingProxyType({"new": "Nytt avvik", "reminder": "Påminnelse", "fixed": "Rettet",
                            "expired": "Unntaket er utløpt"}),
    severities=MappingProxyType({"high": "Høy", "medium": "Middels", "low": "Lav"}),
    statuses=MappingProxyType({"fail": "brudd", "warn": "frist nærmer seg", "info": "til orientering",
                               "not_evaluated": "ikke vurdert", "fixed": "rettet"}),
    breach="Kan ha startet 72-timersfristen for vurdering av avviksmelding til Datatilsynet (GDPR art. 33)",
    breach_short="72-timersfristen kan ha startet",
    title="Personvernkontroll i Microsoft 365",
    alerts_word=("varsel", "varsler"),
    finding="Funn",
    control_word="Kontroll",
    rule_word="Regel",
    severity_word="Alvorlighet",
    status_word="Status",
    first_seen="Først sett",
    remediation="Tiltak",
    run="Kjøring",
    policy_version="Policyversjon",
    open_report="Åpne rapporten",
    part="del {n} av {total}",
    issue_closed="Funnet er ikke lenger til stede; saken lukkes.",
    issue_reopened="Unntaket er utløpt; saken åpnes igjen.",
)

EN = Texts(
    language="en",
    kinds=MappingProxyType({"new": "New finding", "reminder": "Reminder", "fixed": "Fixed",
                            "expired": "Exception expired"}),
    severities=MappingProxyType({"high": "High", "medium": "Medium", "low": "Low"}),
    statuses=MappingProxyType({"fail": "violation", "warn": "deadline near", "info": "for information",
                               "not_evaluated": "not evaluated", "fixed": "fixed"}),
    breach="The 72-hour deadline for assessing a breach notification to Datatilsynet (GDPR Art. 33) may have "
           "started",
    breach_short="72-hour deadline may have started",
    title="Privacy compliance in Microsoft 365",
    alerts_word=("alert", "alerts"),
    finding="Finding",
    control_word="Control",
    rule_word="Rule",
    severity_word="Severity",
    status_word="Status",
    first_seen="First seen",
    remediation="Remediation",
    run="Run",
    policy_version="Policy version",
    open_report="Open the report",
    part="part {n} of {total}",
    issue_closed="The finding is gone; closing the issue.",
    issue_reopened="The exception expired; reopening the issue.",
)

_BY_LANGUAGE: Mapping[str, Texts] = MappingProxyType({"nb": NB, "en": EN})


def texts_for(language: Language) -> Texts:
    return _BY_LANGUAGE[language]
