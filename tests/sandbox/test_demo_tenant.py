"""The 321 demo tenant: deterministic, the seeded violations and register anomalies as the manifest says."""

from __future__ import annotations

from datetime import timedelta

from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.tenant_file import dump_tenant_file
from m365_compliance.sandbox.truth import effective_principals, explain


def test_same_seed_same_tenant_other_seed_other_ids():
    first, second = build_demo_tenant(), build_demo_tenant()
    assert dump_tenant_file(first.tenant) == dump_tenant_file(second.tenant)
    assert first.manifest == second.manifest
    assert build_demo_tenant(seed=7).manifest.recruitment_drive != first.manifest.recruitment_drive


def test_applicants_span_two_years_around_the_twelve_month_line():
    demo = build_demo_tenant()
    today = demo.tenant.clock
    ages = sorted((today - a.created).days for a in demo.manifest.applicants)
    assert ages[0] < 31 and ages[-1] >= 729  # 0 to 24 months
    past = [a for a in demo.manifest.applicants if a.created < today - timedelta(days=365)]
    assert 8 <= len(past) <= 12
    assert sum(a.hired for a in demo.manifest.applicants) == 2
    assert sum(a.applied is None for a in demo.manifest.applicants) == 2


def test_seeded_strays_are_real_access_in_the_tenant():
    demo = build_demo_tenant()
    t, m = demo.tenant, demo.manifest
    truth = {**effective_principals(t, m.recruitment_drive), **effective_principals(t, m.customers_drive)}
    kinds = {s.kind for s in m.stray if not s.allowed}
    assert kinds == {"user-outside-role", "anonymous-link", "guest", "organization-link", "expired-link",
                     "consultant"}
    for stray in m.stray:
        keys = truth[stray.item_id]
        if stray.kind in ("anonymous-link", "expired-link"):
            assert "anyone:anyone" in keys
        elif stray.kind == "organization-link":
            assert "organization:organization" in keys
        else:
            assert any(k.endswith(stray.principal_id) for k in keys)


def test_register_anomalies():
    demo = build_demo_tenant()
    t, m = demo.tenant, demo.manifest
    register = t.lists[m.register_list]
    rows = register.items
    assert len(rows) == 21  # 20 customers and a duplicate
    assert rows[m.duplicate_row].fields["Mappe"] == rows[1].fields["Mappe"]
    assert rows[m.folderless_row].fields["Mappe"] not in {
        t.drive(m.customers_drive).items[c].name for c in t.drive(m.customers_drive).items[
            t.drive(m.customers_drive).root_id].children}
    assert rows[m.unknown_contact_row].fields["KontaktEpost"] not in {u.mail for u in t.users.values()}
    folder_names = {c.name for c in m.customers if c.folder_id}
    assert m.unregistered_folder not in folder_names
    guests_as_contacts = [u for c in m.customers for u in c.contacts if t.users[u].is_guest]
    assert guests_as_contacts
    ended = [c for c in m.customers if c.ended is not None]
    assert any(c.ended == (t.clock - timedelta(days=1)).date() for c in ended)


def test_records_and_statutory_documents():
    demo = build_demo_tenant()
    t, m = demo.tenant, demo.manifest
    drive = t.drive(m.customers_drive)
    assert len(m.record_labelled) == 2
    for item_id in m.record_labelled:
        assert t.labels[drive.items[item_id].label.name].is_record
    classes = {drive.items[i].name.split()[0]: c for i, c in m.statutory.items()}
    assert classes == {"Faktura": "primary", "Bilag": "primary", "Avtale": "secondary"}


def test_scaled_tenant_has_about_n_items_and_two_percent_roots():
    demo = build_demo_tenant(items=10_000)
    items = [i for d in demo.tenant.drives.values() for i in d.items.values()]
    assert 9_900 <= len(items) <= 10_200
    roots = sum(i.grants is not None for i in items)
    assert 0.015 <= roots / len(items) <= 0.025
    depth = max(len(demo.tenant.ancestors(i)) for i in items)
    assert depth >= 5
    # Growth adds no violations: the manifest is the same as the base tenant's.
    assert demo.manifest.stray == build_demo_tenant().manifest.stray


def test_applicant_states_straddle_the_deadline():
    demo = build_demo_tenant()
    m, today = demo.manifest, demo.tenant.clock.date()
    by_age = {(today - a.start).days: a for a in m.applicants}
    assert by_age[362].state == "warning"  # ~11.9 months: inside the 30-day warning window
    assert by_age[368].state == "overdue"  # ~12.1 months
    assert {a.state for a in m.applicants} == {"within", "warning", "overdue", "hired"}
    hired = [a for a in m.applicants if a.hired]
    assert {a.deadline <= today for a in hired} == {True, False}  # one hired past 12 months, one within
    for a in m.applicants:
        fields = demo.tenant.drive(m.recruitment_drive).items[a.folder_id].fields
        assert fields.get("Soknadsdato") == (a.applied.isoformat() if a.applied else None)
        assert fields["Ansatt"] is a.hired
    assert m.applicants_in("overdue") == {a.folder_id for a in m.applicants if a.state == "overdue"}


def test_every_stray_is_the_grant_the_manifest_names():
    demo = build_demo_tenant()
    t, m = demo.tenant, demo.manifest
    for stray in m.stray:
        drive = t.drive(m.recruitment_drive if stray.scope == "recruitment" else m.customers_drive)
        grant = next(g for g in drive.items[stray.item_id].grants if g.id == stray.grant_id)
        assert grant.link_scope == stray.link_scope
        assert (grant.expires is not None and grant.expires < t.clock) is stray.expired
        if stray.principal_id and not grant.is_link:
            assert grant.user_id == stray.principal_id
    assert len(m.violations("recruitment")) == 5 and len(m.violations("customers")) == 3


def test_truth_follows_nested_groups_and_site_groups():
    demo = build_demo_tenant()
    t, m = demo.tenant, demo.manifest
    hr_member = t.groups[m.groups["hr"]].members[0]
    assert hr_member not in t.groups[m.groups["recruiters"]].members  # reached only through the nesting
    folder = t.drive(m.recruitment_drive).items[m.applicants[0].folder_id]
    why = [a for a in explain(t, folder) if a.principal == f"user:{hr_member}"]
    assert why and all(a.via == "group" and a.through == f"group:{m.groups['recruiters']}" for a in why)
    assert all(a.inherited(folder.id) for a in why)
    it_admin = f"user:{m.users['it-admin@tretoen.no']}"
    assert it_admin not in effective_principals(t, m.recruitment_drive)[folder.id]  # Graph can't list site groups
    assert it_admin in effective_principals(t, m.recruitment_drive, expand_site_groups=True)[folder.id]
    expired = next(s for s in m.stray if s.expired)
    assert [a.expired for a in explain(t, t.item(m.recruitment_drive, expired.item_id)) if a.via == "link"] == [True]


def test_grown_applicants_are_in_the_manifest():
    demo = build_demo_tenant(items=10_000)
    t, m = demo.tenant, demo.manifest
    base = next(i for i in t.drive(m.recruitment_drive).items.values() if i.name == "Søkere")
    assert {a.folder_id for a in m.applicants} == set(base.children)
    assert len({a.name for a in m.applicants}) == len(m.applicants)
