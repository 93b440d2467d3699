"""What an alert says and what a sink answers: the contract between drift (which decides *what* to
say, and when) and the sinks (which only know *how* to say it on their channel).

An alert carries ids, control, severity and counts, never a path or a person's name (CONTROLS.md:
personal data stays out of alert texts); the finding's ``message`` is already written that way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

from m365_compliance.config.schema import Language
from m365_compliance.rules.findings import Severity

#: new: first time this finding is told (or again after it was fixed); reminder: still open after the
#: sink's ``reminder_days``; fixed: gone since it was last told; expired: an accepted exception ran out.
AlertKind = Literal["new", "reminder", "fixed", "expired"]
ALERT_KINDS: tuple[AlertKind, ...] = ("new", "reminder", "fixed", "expired")


@dataclass(frozen=True, slots=True)
class Alert:
    """One thing to tell about one finding. ``breach_clock``: the finding exposes applicant or customer
    data to outsiders, so the 72-hour breach assessment of GDPR Art. 33 may have started."""

    finding_id: str
    kind: AlertKind
    rule_id: str
    control: str
    severity: Severity
    status: str  # the finding's status now ("fail", "not_evaluated", …; "fixed" when gone)
    title: str
    message: str  # ids, dates and counts only
    remediation: str
    first_seen: date
    scope: str | None = None
    item_id: str | None = None
    breach_clock: bool = False

    @property
    def key(self) -> str:
        """What a sink's delivery record is keyed on: the finding and what was said about it."""
        return f"{self.finding_id}:{self.kind}"


@dataclass(frozen=True, slots=True)
class AlertBatch:
    """Everything one run has to tell one sink."""

    run_id: str
    policy_version: str
    generated_at: datetime
    alerts: tuple[Alert, ...]
    language: Language = "nb"
    report_url: str | None = None  # where the full report is (the job's artifacts), if known

    @property
    def report_link(self) -> str | None:
        """``report_url`` when it is a web address a channel may render as a link (never ``javascript:`` etc.)."""
        url = self.report_url
        return url if url and url.startswith(("https://", "http://")) else None


@dataclass(frozen=True, slots=True)
class Delivery:
    """A sink's answer: which alerts (by :attr:`Alert.key`) reached the channel, which did not and why.

    A sink never raises for a channel failure: it answers ``failed`` so the run goes on and the alert is
    offered again next run.
    """

    sink: str
    delivered: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    error: str | None = None  # no personal data: status codes and the channel's error code only

    @property
    def ok(self) -> bool:
        return not self.failed and self.error is None


class Sink(Protocol):
    """One configured channel. ``name`` is stable across runs (it keys what was already told)."""

    @property
    def name(self) -> str: ...

    async def deliver(self, batch: AlertBatch) -> Delivery: ...
