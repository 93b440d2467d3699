"""Every violation seeded in the demo tenant is found, and nothing else is flagged (exact sets).

The expected sets come from the generator's manifest (what it seeded, with ids) and from a small
calendar oracle written here, not from the rules' own date code, so a bug in one is not mirrored by
the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from m365_compliance.demo import run_demo
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.inventory.snapshot_load import load_snapshot
from m365_compliance.inventory.spec import inventory_spec
from m365_compliance.model import permission_ref
from m365_compliance.rules.findings import Finding
from m365_compliance.sandbox.demo import DemoManifest, build_demo_tenant
from m365_compliance.sandbox.demo_access import grant_sharing_delta
from m365_compliance.state.store import StateStore

DPA_DAYS = 90  # every demo register row says SlettingEtterDager = 90
STRAY_TITLES = {"user-outside-role": ("Access outside the allowed people", "high"),
                "consultant": ("Access outside the allowed people", "medium"),
                "guest": ("Shared with an outsider", "high"),
                "anonymous-link": ("Anonymous sharing link", "high"),
                "organization-link": ("Organisation-wide sharing link", "high"),
                "expired-link": ("Expired sharing link or grant still present", "low")}


@dataclass(frozen=True)
class Demo:
    manifest: DemoManifest
    snapshot: Snapshot
    findings: tuple[Finding, ...]
    tz: ZoneInfo
    today: date  # the tenant clock's date in Oslo


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:
    tenant = build_demo_tenant()
    grant_sharing_delta(tenant.tenant)  # pins the sharing-delta picture (docs/permissions.md)
    outcome = run_demo(tmp_path_factory.mktemp("demo"), demo=tenant)
    with StateStore(outcome.config.state.path) as store:
        snapshot = load_snapshot(store, inventory_spec(outcome.config))
    tz = outcome.config.retention.timezone
    return Demo(tenant.manifest, snapshot, outcome.findings, tz, tenant.tenant.clock.astimezone(tz).date())


def acting(findings, rule_id, status="fail"):
    return [f for f in findings if f.rule_id == rule_id and f.status == status]


def test_access_findings_are_exactly_the_seeded_strays(demo):
    manifest, findings = demo.manifest, demo.findings
    for scope, rule_id in (("recruitment", "c1.recruitment-access"), ("customers", "c3.customer-access")):
        found = {(f.item_id, dict(f.evidence)["permission"], f.title, f.severity) for f in acting(findings, rule_id)}
        key = demo.snapshot.pseudonym_key
        expected = {(s.item_id, permission_ref(s.grant_id, key), *STRAY_TITLES[s.kind]) for s in manifest.stray
                    if s.scope == scope and not s.allowed}
        assert found == expected
        assert {f.item_id for f in acting(findings, rule_id)} == manifest.violations(scope)
    people = {dict(f.evidence)["principal"] for f in findings if f.rule_id.endswith("-access")}
    assert people >= {f"user:{s.principal_id}" for s in manifest.stray if s.kind in ("user-outside-role", "consultant")}
    assert f"guest:{next(s.principal_id for s in manifest.stray if s.kind == 'guest')}" in people


def test_applicant_deadlines_and_hired_applicants(demo):
    manifest, findings = demo.manifest, demo.findings
    assert manifest.applicants_in("overdue") and manifest.applicants_in("warning")
    assert {f.item_id for f in acting(findings, "c2.applicant-retention")} == manifest.applicants_in("overdue")
    assert {f.item_id for f in acting(findings, "c2.applicant-retention", "warn")} == manifest.applicants_in("warning")
    assert {f.item_id for f in acting(findings, "c2.hired-applicant")} == manifest.applicants_in("hired")
    deadlines = {a.folder_id: a.deadline for a in manifest.applicants}
    assert all(f.due == deadlines[f.item_id] for f in findings if f.rule_id == "c2.applicant-retention")


def test_register_hygiene_is_exactly_the_seeded_anomalies(demo):
    manifest, snapshot, findings = demo.manifest, demo.snapshot, demo.findings
    unregistered = next(u.id for u in snapshot.scopes["customers"].units() if u.name == manifest.unregistered_folder)
    rows = {(f.rule_id, dict(f.evidence).get("row") or f.item_id) for f in findings if f.control == "C4"}
    assert rows == {("c4.unregistered-folder", unregistered),
                    ("c4.duplicate-row", str(manifest.duplicate_row)),
                    ("c4.row-without-folder", str(manifest.folderless_row)),
                    ("c4.unknown-contact", str(manifest.unknown_contact_row))}


def keep_until(created: date, cls: str) -> date:
    """Bokføringsloven § 13 on a calendar fiscal year: 5 years, or 3 years 6 months, after 31 December."""
    return date(created.year + 5, 12, 31) if cls == "primary" else date(created.year + 4, 6, 30)


def test_ended_agreements_disposal_and_statutory_holds(demo):
    manifest, findings, today = demo.manifest, demo.findings, demo.today
    customers = demo.snapshot.scopes["customers"]
    ended = {c.folder_id: c.ended for c in manifest.customers if c.ended is not None and c.folder_id}
    statuses = {f.item_id: (f.status, f.due) for f in findings if f.rule_id == "c5.agreement-ended"}
    assert statuses == {folder: ("warn" if today < end + timedelta(DPA_DAYS) else "fail", end + timedelta(DPA_DAYS))
                        for folder, end in ended.items()}
    assert statuses[next(c.folder_id for c in manifest.customers if c.ended == today - timedelta(1))][0] == "warn"

    created = {i.id: i.created.astimezone(demo.tz).date() for i in customers.items.values() if i.created}
    own = {item_id: keep_until(created[item_id], cls) for item_id, cls in manifest.statutory.items()}
    # An agreement is held at least as long as the latest primary documentation in its customer folder (C6).
    folder_of = {i.id: u.id for u in customers.units() for i in customers.descendants(u.id)}
    primary = {}
    for item_id, cls in manifest.statutory.items():
        if cls == "primary":
            primary[folder_of[item_id]] = max(primary.get(folder_of[item_id], own[item_id]), own[item_id])
    held = {item_id: max(own[item_id], primary.get(folder_of[item_id], own[item_id])) if cls == "secondary"
            else own[item_id] for item_id, cls in manifest.statutory.items()}
    assert any(held[i] > own[i] for i in held)  # some agreement is held longer than its own date says
    kept = {f.item_id: f.keep_until for f in findings if f.rule_id == "c6.statutory-hold"}
    assert kept == {i: until for i, until in held.items() if until >= today}
    assert all("because bokføringsloven § 13" in f.message for f in findings if f.rule_id == "c6.statutory-hold")

    due = {}
    for folder, end in ended.items():
        for item in customers.descendants(folder):
            if item.is_folder:
                continue
            when = end + timedelta(DPA_DAYS)
            if item.id in held:
                when = max(when, held[item.id] + timedelta(1))
            if today >= when:
                due[item.id] = when
    assert due and set(due) & set(held)  # some kept material has come due, some has not
    assert {f.item_id: f.due for f in findings if f.rule_id == "c5.disposal-due"} == due


def test_nothing_else_is_flagged(demo):
    findings = demo.findings
    rules = {f.rule_id for f in findings if f.status in ("fail", "warn", "not_evaluated")}
    assert rules == {"c1.recruitment-access", "c3.customer-access", "c2.applicant-retention", "c2.hired-applicant",
                     "c4.unregistered-folder", "c4.duplicate-row", "c4.row-without-folder", "c4.unknown-contact",
                     "c5.agreement-ended", "c5.disposal-due"}
    assert not [f for f in findings if f.status == "not_evaluated"]
    assert {f.status for f in findings if f.rule_id == "c6.statutory-hold"} == {"info"}
    assert len({f.id for f in findings}) == len(findings)


def test_a_scaled_demo_flags_the_same_violations(tmp_path, demo):
    """Also across inventory modes: ``demo`` reads sharing-change deltas and permission roots only; the
    scaled tenant runs least privilege (per-item), where every item lists the grants it inherits."""
    base = demo.findings
    outcome = run_demo(tmp_path, demo=build_demo_tenant(items=5_000))

    def judged(findings):  # grown files in ended folders are due for disposal too: those differ by design
        return {(f.rule_id, f.item_id, f.status) for f in findings if f.status != "info"
                and f.rule_id != "c5.disposal-due"}

    assert judged(outcome.findings) == judged(base)
