"""The 321 demo tenant: deterministic, the seeded violations and register anomalies as the manifest says."""

from __future__ import annotations

from datetime import timedelta

from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.tenant_file import dump_tenant_file
from m365_compliance.sandbox.truth import effective_principals


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
