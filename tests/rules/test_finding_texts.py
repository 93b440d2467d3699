"""Finding texts from templates: every rule and verdict the demo produces reads in bokmål and English with its
evidence filled in, an older finding without that evidence falls back to the rule's sentence in the language
(never to English), and references are short, stable and never a piece of an address."""

from __future__ import annotations

from dataclasses import replace

import pytest

from m365_compliance.rules.finding_texts import (
    RULES,
    finding_text,
    id_subject,
    short_ref,
    statutory_class,
)
from m365_compliance.rules.findings import Finding


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    from m365_compliance.demo import run_demo
    from m365_compliance.sandbox.demo import build_demo_tenant

    return run_demo(tmp_path_factory.mktemp("texts"), demo=build_demo_tenant()).findings


def test_every_demo_rule_has_templates(findings):
    assert {f.rule_id for f in findings} <= set(RULES)


def test_bokmal_never_repeats_the_rules_english(findings):
    for f in findings:
        nb = finding_text(f, "nb", "X")
        assert nb.title != f.title and nb.remediation != f.remediation, f.rule_id
        assert nb.message != f.message and "X" in nb.message, (f.rule_id, nb.message)
        assert not {"the", "item", "is", "of"} & set(nb.message.replace(".", " ").split()), nb.message


def test_english_says_what_the_rule_said(findings):
    """The English template speaks of the same things: the title and remediation are the rule's own words."""
    for f in findings:
        en = finding_text(f, "en", "X")
        assert en.title == f.title and en.remediation == f.remediation, f.rule_id


def test_evidence_fills_the_message():
    f = Finding("C2-1", "c2.applicant-retention", "C2", "high", "fail", "t", "m", "r",
                evidence=(("deadline", "2025-11-25"), ("months", "12")))
    assert finding_text(f, "nb", "søkermappe 2024-11").message == \
        "Søkermappe 2024-11 er over 12-månedersfristen: forfalt siden 2025-11-25."
    assert finding_text(f, "en", "applicant folder 2024-11").message == \
        "Applicant folder 2024-11 is past its 12-month deadline: due since 2025-11-25."
    warn = replace(f, status="warn", severity="low")
    assert finding_text(warn, "nb", "S").title == "Søkerdata skal snart slettes"


def test_missing_evidence_falls_back_to_the_rules_sentence_in_the_language():
    old = Finding("C2-1", "c2.applicant-retention", "C2", "high", "fail", "t", "English message", "r")
    assert finding_text(old, "nb", "søkermappe 2024-11").message == "Søkermappe 2024-11 er over slettefristen."
    assert finding_text(old, "en", "the folder").message == "The folder is past its deadline."


def test_a_stale_finding_says_since_when():
    f = Finding("C4-1", "c4.duplicate-row", "C4", "low", "not_evaluated", "t", "m", "r",
                evidence=(("duplicateOf", "1"), ("staleSince", "2026-11-01"),
                          ("staleReason", "read register: HTTP 403 Forbidden")))
    assert finding_text(f, "nb", "registerrad 2").message == \
        "Utdatert siden 2026-11-01 (HTTP 403): registerrad 2 gjentar rad 1."


def test_plurals_in_messages():
    f = Finding("C4-1", "c4.unknown-contact", "C4", "medium", "fail", "t", "m", "r", evidence=(("entries", "1"),))
    assert finding_text(f, "nb", "Registerrad 5").message == "Registerrad 5: 1 kontaktperson uten e-postadresse."
    f2 = replace(f, evidence=(("entries", "2"),))
    assert finding_text(f2, "en", "Register row 5").message == "Register row 5: 2 contact persons without an e-mail address."


def test_short_references():
    assert short_ref("017F08D71C4D47711A20FC74AB22DB4130") == "DB4130"
    assert short_ref("guest:909870a1-f737-b190-b919-322a916a5c0e") == "6A5C0E"
    mail = short_ref("invitation:kari@example.com")
    assert len(mail) == 6 and mail == short_ref("invitation:KARI@example.com") and "COM" not in mail


def test_alerts_name_items_by_id_only():
    f = Finding("C1-1", "c1.recruitment-access", "C1", "high", "fail", "t", "m", "r", item_id="01ABC",
                path="/Søkere/2026-01 Kari Nordmann")
    assert id_subject(f, "nb") == "element 01ABC" and "Kari" not in finding_text(f, "nb", id_subject(f, "nb")).message


def test_statutory_classes():
    assert statutory_class("primary", "nb") == "primærdokumentasjon"
    assert statutory_class("secondary", "en") == "secondary bookkeeping material"
    assert statutory_class("kontrakter", "nb") == "kontrakter"  # a class the policy file names itself
