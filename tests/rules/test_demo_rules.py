"""Every violation seeded in the demo tenant is found, and nothing else is flagged (exact sets)."""

from __future__ import annotations

import pytest

from m365_compliance.demo import run_demo
from m365_compliance.inventory.snapshot_load import load_snapshot
from m365_compliance.inventory.spec import inventory_spec
from m365_compliance.rules.dates import add_months, local_date
from m365_compliance.rules.registry import evaluate
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.state.store import StateStore


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    demo = build_demo_tenant()
    outcome = run_demo(tmp_path_factory.mktemp("demo"), demo=demo)
    with StateStore(outcome.config.state.path) as store:
        snapshot = load_snapshot(store, inventory_spec(outcome.config))
    findings = evaluate(snapshot, outcome.config, demo.tenant.clock)
    return demo, outcome.config, findings


def _flagged(findings, rule_id, status="fail"):
    return {f.item_id or dict(f.evidence).get("row") for f in findings if f.rule_id == rule_id and f.status == status}


def test_access_violations_are_exactly_the_seeded_strays(evaluated):
    demo, _config, findings = evaluated
    m = demo.manifest
    for scope, rule_id in (("recruitment", "c1.recruitment-access"), ("customers", "c3.customer-access")):
        expected = {s.item_id for s in m.stray if s.scope == scope and not s.allowed}
        assert _flagged(findings, rule_id) == expected
    severity = {f.item_id: f.severity for f in findings if f.rule_id == "c1.recruitment-access"}
    expired = next(s.item_id for s in m.stray if s.kind == "expired-link")
    assert severity.pop(expired) == "low"
    assert set(severity.values()) == {"high"}  # outsiders and anyone outside the role on applicant data


def test_applicant_deadlines_and_hired_applicants(evaluated):
    demo, config, findings = evaluated
    today = local_date(demo.tenant.clock, config.retention.timezone)
    past, soon = set(), set()
    for a in demo.manifest.applicants:
        if a.hired:
            continue
        applied = a.applied or local_date(a.created, config.retention.timezone)
        deadline = add_months(applied, 12)
        if today >= deadline:
            past.add(a.folder_id)
        elif (deadline - today).days <= 30:
            soon.add(a.folder_id)
    assert past and soon
    assert _flagged(findings, "c2.applicant-retention") == past
    assert _flagged(findings, "c2.applicant-retention", "warn") == soon
    assert _flagged(findings, "c2.hired-applicant") == {a.folder_id for a in demo.manifest.applicants if a.hired}


def test_register_hygiene_is_exactly_the_seeded_anomalies(evaluated):
    demo, _config, findings = evaluated
    m = demo.manifest
    unregistered = {f.path for f in findings if f.rule_id == "c4.unregistered-folder"}
    assert unregistered == {f"/{m.unregistered_folder}"}
    rows = {(dict(f.evidence)["row"], f.title) for f in findings if f.rule_id == "c4.register-row"}
    assert rows == {(str(m.duplicate_row), "Duplicate register row"),
                    (str(m.folderless_row), "Register row without a folder"),
                    (str(m.unknown_contact_row), "Unknown contact person")}


def test_ended_agreements_await_disposition_and_statutory_items_are_kept(evaluated):
    demo, _config, findings = evaluated
    m = demo.manifest
    ended = {c.folder_id for c in m.customers if c.ended is not None and c.folder_id}
    assert {f.item_id for f in findings if f.rule_id == "c5.agreement-ended"} == ended
    yesterday = next(c for c in m.customers if c.ended == (demo.tenant.clock.date().fromordinal(
        demo.tenant.clock.date().toordinal() - 1)))
    assert next(f for f in findings if f.item_id == yesterday.folder_id).status == "warn"  # DPA days not yet over
    kept = {f.item_id: f for f in findings if f.rule_id == "c6.statutory-hold"}
    assert set(kept) <= set(m.statutory)
    assert all(f.keep_until and "because" in f.message for f in kept.values())
    due = {f.item_id for f in findings if f.rule_id == "c5.disposal-due"}
    assert not due & set(kept)  # nothing kept by law is due


def test_nothing_else_is_flagged_and_ids_are_stable(evaluated):
    demo, config, findings = evaluated
    rules = {f.rule_id for f in findings if f.status in ("fail", "warn", "not_evaluated")}
    assert rules == {"c1.recruitment-access", "c3.customer-access", "c2.applicant-retention", "c2.hired-applicant",
                     "c4.unregistered-folder", "c4.register-row", "c5.agreement-ended", "c5.disposal-due"}
    assert not [f for f in findings if f.status == "not_evaluated"]
    assert len({f.id for f in findings}) == len(findings)


def test_a_scaled_demo_flags_the_same_violations(tmp_path, evaluated):
    _demo, _config, base = evaluated
    demo = build_demo_tenant(items=5_000)
    outcome = run_demo(tmp_path, demo=demo)
    acting = lambda findings: {(f.rule_id, f.item_id) for f in findings  # noqa: E731
                               if f.status in ("fail", "warn") and f.rule_id != "c5.disposal-due"}
    assert acting(outcome.findings) == acting(base)
