"""C6: an agreement in a customer folder is kept as long as the folder's primary documentation (``follows``).

An agreement that primary documentation refers to is itself primary documentation (bokføringsloven § 13,
CONTROLS.md C6); without a recorded link between an invoice and its agreement, every agreement in the
folder is held at least until the latest primary hold there.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from rules_world import CONFIG, file, item, of, row, run, snapshot, with_retention

from m365_compliance.config.demo import demo_config_text
from m365_compliance.config.load import parse_config
from m365_compliance.config.schema import Config, StatutoryClass
from m365_compliance.errors import ConfigError
from m365_compliance.rules.statutory import hold, statutory_holds

DUE, KEPT = "c5.disposal-due", "c6.statutory-hold"
OLD_AGREEMENT = datetime(2017, 4, 24, 9, tzinfo=UTC)  # own hold: 31 Dec 2017 + 3.5 years = 2021-06-30
INVOICE_2023 = datetime(2023, 3, 2, 9, tzinfo=UTC)  # 31 Dec 2023 + 5 years = 2028-12-31


def policy(secondary_follows: str | None) -> Config:
    """The demo policy file, with a ``follows`` line added to the secondary class."""
    text = demo_config_text("http://127.0.0.1:9/v1.0", "state.sqlite")
    marker = 'name = "secondary"\n'
    assert marker in text
    if secondary_follows is not None:
        text = text.replace(marker, marker + f"follows = {secondary_follows}\n", 1)
    return parse_config(text, "policy.toml")


def customer_folder(*files, end=None, name="Kunde AS", folder_id="kunde"):
    folder = item(folder_id, "kroot", name=name, created=datetime(2017, 3, 1, 9, tzinfo=UTC))
    return snapshot(None, cus_items=[folder, *files], rows=[row(name, end=end)])


def agreement(created=OLD_AGREEMENT, parent="kunde"):
    return file("agr", parent, name="Avtale signert.pdf", created=created)


def invoice(item_id="inv-23", created=INVOICE_2023, parent="kunde"):
    return file(item_id, parent, name=f"Faktura {created.year}-{item_id}.pdf", created=created)


def kept(findings):
    return {f.item_id: f for f in of(findings, KEPT)}


def test_an_old_agreement_is_held_with_the_folders_invoice_and_says_why():
    snap = customer_folder(agreement(), invoice())
    findings = kept(run(snap))
    held = findings["agr"]
    assert held.keep_until == date(2028, 12, 31)
    evidence = dict(held.evidence)
    assert (evidence["class"], evidence["ownKeepUntil"], evidence["heldWith"], evidence["heldWithClass"]) == \
        ("secondary", "2021-06-30", "inv-23", "primary")
    assert held.reason is not None
    assert held.reason.startswith("bokføringsloven § 13 keeps secondary bookkeeping material 3.5 years after the "
                                  "end of its fiscal year (2017-12-31); held with the customer folder's primary")
    assert "(item inv-23) until 2028-12-31" in held.reason
    assert "an agreement that primary documentation refers to is itself primary documentation" in held.reason
    assert "until 2028-12-31, because" in held.message
    for name in ("Kunde AS", "Avtale", "Faktura"):  # ids and dates only
        assert name not in held.reason
    # The invoice itself keeps its own hold and follows nothing.
    assert findings["inv-23"].keep_until == date(2028, 12, 31)
    assert "heldWith" not in dict(findings["inv-23"].evidence)


def test_the_index_and_the_single_item_hold_agree():
    snap = customer_folder(agreement(), invoice(), invoice("inv-19", datetime(2019, 6, 1, 9, tzinfo=UTC)))
    scope = snap.scopes["customers"]
    index = statutory_holds(scope, CONFIG)
    assert set(index) == {"agr", "inv-23", "inv-19"}
    assert {i: h.keep_until for i, h in index.items()} == \
        {"agr": date(2028, 12, 31), "inv-23": date(2028, 12, 31), "inv-19": date(2024, 12, 31)}
    for item_id, expected in index.items():
        assert hold(scope, scope.items[item_id], CONFIG) == expected
    # Another configuration for the same scope is not served from the first one's holds.
    own_only = policy("[]")
    assert hold(scope, scope.items["agr"], own_only).keep_until == date(2021, 6, 30)
    assert hold(scope, scope.items["agr"], CONFIG).keep_until == date(2028, 12, 31)


def test_follows_empty_keeps_an_agreement_by_its_own_date_only():
    config = policy("[]")
    snap = customer_folder(agreement(), invoice())
    assert "agr" not in kept(run(snap, config))  # its own hold ended 2021-06-30
    held = statutory_holds(snap.scopes["customers"], config)["agr"]
    assert (held.keep_until, held.follows_item, held.own_keep_until) == (date(2021, 6, 30), None, date(2021, 6, 30))
    assert "held with" not in held.reason


def test_follows_primary_named_explicitly_is_the_default_rule():
    config = policy('["primary"]')
    assert config.retention.statutory[1].follows == ("primary",)
    assert kept(run(customer_folder(agreement(), invoice()), config))["agr"].keep_until == date(2028, 12, 31)


def test_an_agreement_in_a_folder_without_primary_documentation_keeps_its_own_date():
    recent = agreement(datetime(2024, 3, 1, tzinfo=UTC))  # own hold: 2028-06-30
    other = item("annen", "kroot", name="Annen AS")
    snap = customer_folder(recent, other, invoice(parent="annen"))  # the invoice is another customer's
    held = kept(run(snap))["agr"]
    assert held.keep_until == date(2028, 6, 30)
    assert "heldWith" not in dict(held.evidence)
    assert "held with" not in (held.reason or "")


def test_a_later_own_date_is_not_shortened_by_an_earlier_invoice():
    recent = agreement(datetime(2025, 3, 1, tzinfo=UTC))  # own hold: 2029-06-30
    early = invoice("inv-22", datetime(2022, 3, 1, tzinfo=UTC))  # 2027-12-31
    held = statutory_holds(customer_folder(recent, early).scopes["customers"], CONFIG)["agr"]
    assert (held.keep_until, held.follows_item) == (date(2029, 6, 30), None)


def test_an_invoice_is_never_extended_by_another_invoice():
    old = invoice("inv-20", datetime(2020, 3, 1, tzinfo=UTC))  # own hold: 2025-12-31, before today
    snap = customer_folder(old, invoice())
    assert set(kept(run(snap))) == {"inv-23"}
    held = hold(snap.scopes["customers"], snap.scopes["customers"].items["inv-20"], CONFIG)
    assert (held.keep_until, held.follows_item) == (date(2025, 12, 31), None)


def test_files_outside_any_customer_folder_keep_their_own_dates():
    loose = [agreement(parent="kroot"), invoice(parent="kroot")]
    snap = snapshot(None, cus_items=loose)
    index = statutory_holds(snap.scopes["customers"], CONFIG)
    assert index["agr"].keep_until == date(2021, 6, 30) and index["agr"].follows_item is None
    assert hold(snap.scopes["customers"], snap.scopes["customers"].items["agr"], CONFIG) == index["agr"]


def test_a_nested_invoice_holds_the_agreement_of_its_customer_folder():
    vouchers = item("bilag", "kunde", name="Bilag")
    voucher = file("b-1", "bilag", name="Bilag 1.pdf", created=INVOICE_2023)  # primary by folder */Bilag/*
    held = kept(run(customer_folder(agreement(), vouchers, voucher)))["agr"]
    assert (held.keep_until, dict(held.evidence)["heldWith"]) == (date(2028, 12, 31), "b-1")


def test_an_ended_agreement_is_not_due_for_disposal_before_the_extended_date():
    snap = customer_folder(agreement(), invoice(), file("notat", "kunde", name="Notat.docx"), end="2025-01-31")
    due = {f.item_id: f for f in of(run(snap), DUE)}
    assert set(due) == {"notat"}  # the agreement's own hold ended 2021-06-30, yet it is still kept
    on_the_last_day = run(snap, now=datetime(2028, 12, 31, 12, tzinfo=UTC))
    assert "agr" not in {f.item_id for f in of(on_the_last_day, DUE)}
    after = {f.item_id: f for f in of(run(snap, now=datetime(2029, 1, 1, 12, tzinfo=UTC)), DUE)}
    assert after["agr"].due == date(2029, 1, 1)
    evidence = dict(after["agr"].evidence)
    assert (evidence["statutory"], evidence["keptUntil"], evidence["heldWith"]) == ("secondary", "2028-12-31",
                                                                                    "inv-23")


def test_an_explicit_follows_list_names_the_classes_followed():
    classes = (StatutoryClass(name="primary", years=5, label="L", name_patterns=("*faktura*",)),
               StatutoryClass(name="x", years=2, label="L", name_patterns=("*kvittering*",)),
               StatutoryClass(name="secondary", years=3.5, label="L", name_patterns=("*avtale*",), follows=("X",)))
    config = with_retention(statutory=classes)
    receipt = file("kv", "kunde", name="Kvittering.pdf", created=datetime(2024, 5, 1, tzinfo=UTC))  # 2026-12-31
    contract = agreement(datetime(2020, 3, 1, tzinfo=UTC))  # own: 2024-06-30
    findings = kept(run(customer_folder(contract, invoice(), receipt), config))
    held = findings["agr"]
    assert held.keep_until == date(2026, 12, 31)  # with the receipt, not the invoice: primary is not followed
    assert (dict(held.evidence)["heldWith"], dict(held.evidence)["heldWithClass"]) == ("kv", "x")
    # "x" is shorter than "secondary": by default it would follow nothing shorter.
    assert classes[2].followed(classes) == frozenset({"x"})
    default = tuple(dataclasses.replace(c, follows=None) for c in classes)
    assert kept(run(customer_folder(contract, invoice(), receipt), with_retention(statutory=default)))["agr"] \
        .keep_until == date(2028, 12, 31)


def test_the_policy_file_rejects_an_unknown_followed_class():
    with pytest.raises(ConfigError, match="follows"):
        policy('["tertiary"]')


# ---------------------------------------------------------------- the demo tenant, through the rules


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from m365_compliance.demo import run_demo
    from m365_compliance.inventory.snapshot_load import load_snapshot
    from m365_compliance.inventory.spec import inventory_spec
    from m365_compliance.sandbox.demo import build_demo_tenant
    from m365_compliance.state.store import StateStore

    outcome = run_demo(tmp_path_factory.mktemp("demo"), demo=build_demo_tenant())
    with StateStore(outcome.config.state.path) as store:
        snap = load_snapshot(store, inventory_spec(outcome.config))
    return outcome, snap


def test_the_demo_keeps_lillehammer_hotels_signed_agreement_with_its_2023_invoice(demo):
    outcome, snap = demo
    scope = snap.scopes["customers"]
    by_path = {scope.path(i): i for i in scope.items.values()}
    signed = by_path["/Lillehammer Hotell AS/Avtale signert.pdf"]
    invoice_2023 = next(i for p, i in by_path.items() if p.startswith("/Lillehammer Hotell AS/Faktura 2023-"))
    [finding] = [f for f in outcome.findings if f.rule_id == KEPT and f.item_id == signed.id]
    assert finding.keep_until == date(2028, 12, 31)
    evidence = dict(finding.evidence)
    assert (evidence["class"], evidence["ownKeepUntil"], evidence["heldWith"]) == \
        ("secondary", "2021-06-30", invoice_2023.id)
    assert f"(item {invoice_2023.id}) until 2028-12-31, because" in (finding.reason or "")
    assert signed.id not in {f.item_id for f in outcome.findings if f.rule_id == DUE}
    # The per-item hold (DSAR, reports) says the same as the rules' index, for every file of the scope.
    index = statutory_holds(scope, outcome.config)
    assert all(hold(scope, i, outcome.config) == index.get(i.id) for i in scope.items.values())
