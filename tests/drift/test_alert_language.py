"""Alerts speak the sinks' language: a bokmål batch carries bokmål titles, messages and remediation, naming
items by id only (never a path or a name)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from m365_compliance.drift.alerting import alerts_for_sink
from m365_compliance.drift.compare import Drift, DriftEntry
from m365_compliance.rules.findings import Finding

FINDING = Finding(
    "C1-aaaa00000001", "c1.recruitment-access", "C1", "high", "fail", "Anonymous sharing link",
    "Anyone with the link can reach item 01ABCDEF through an anonymous sharing link; only the recruiters role may.",
    "Remove the grant or sharing link (or the guest from the group); add the person to the recruiters group only "
    "if they work with recruitment.", scope="recruitment", item_id="01ABCDEF", path="/Søkere/2026-01 Kari Nordmann",
    evidence=(("kind", "anyone"), ("linkScope", "anonymous"), ("principal", "anyone:anyone"),
              ("verdict", "anonymous-link")))


def _alerts(language):
    drift = Drift("e2", "e1", (DriftEntry(FINDING, "new", date(2026, 11, 25), True),))
    return alerts_for_sink(drift, {}, reminder_days=7, now=datetime(2026, 11, 25, 3, tzinfo=UTC), language=language)


def test_a_bokmal_alert_is_in_bokmal():
    (alert,) = _alerts("nb")
    assert alert.title == "Anonym delingslenke"
    assert alert.message == "Alle som har lenken kan nå element 01ABCDEF via en anonym delingslenke; bare " \
                            "rekrutteringsrollen har lov."
    assert alert.remediation.startswith("Fjern tildelingen eller delingslenken")
    assert "Kari" not in alert.message + alert.title and "Søkere" not in alert.message


def test_an_english_alert_is_in_english():
    (alert,) = _alerts("en")
    assert alert.title == FINDING.title and alert.remediation == FINDING.remediation
    assert alert.message == FINDING.message  # the template says what the rule said
