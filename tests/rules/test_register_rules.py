"""C4 on hand-built registers: folders and rows that miss each other, malformed cells, duplicates, contacts."""

from __future__ import annotations

from rules_world import item, of, row, run, snapshot

from m365_compliance.state.inventory_repo import Gap


def c4(findings):
    """(rule, subject) of every C4 finding: an item id for folders, the row id for rows."""
    return {(f.rule_id, f.item_id or dict(f.evidence)["row"]) for f in findings if f.rule_id.startswith("c4.")}


def test_a_folder_without_a_row_and_a_row_without_a_folder():
    findings = run(snapshot(None, cus_items=[item("Kunde AS", "kroot"), item("Gammel AS", "kroot")],
                            rows=[row("Kunde AS"), row("Borte AS")]))
    assert c4(findings) == {("c4.unregistered-folder", "Gammel AS"), ("c4.row-without-folder", "row-Borte AS")}


def test_folder_match_by_customer_name_ignores_the_folder_column():
    import dataclasses

    from rules_world import CONFIG

    config = dataclasses.replace(CONFIG, customers=dataclasses.replace(CONFIG.customers, folder_match="customer_name"))
    findings = run(snapshot(None, cus_items=[item("kunde as", "kroot")], rows=[row("Kunde AS", Mappe="Noe annet")]),
                   config)
    assert c4(findings) == set()


def test_malformed_and_missing_cells_are_one_finding_per_row_never_a_crash():
    rows = [row("Kunde AS", start="31/02/2024x", end="2023-12-31", SlettingEtterDager="tretti",
                LagretEtterAvtale="kanskje"),
            row("Annen AS", start=None, end="2023-01-01")]
    findings = run(snapshot(None, cus_items=[item("Kunde AS", "kroot"), item("Annen AS", "kroot")], rows=rows))
    invalid = {dict(f.evidence)["row"]: f for f in of(findings, "c4.invalid-row")}
    assert set(invalid) == {"row-Kunde AS", "row-Annen AS"}
    assert dict(invalid["row-Kunde AS"].evidence)["columns"] == "Startdato,LagretEtterAvtale,SlettingEtterDager"
    assert invalid["row-Annen AS"].message == "Register row row-Annen AS: Startdato is empty."
    assert not of(findings, "c4.storage-basis-missing")  # a malformed yes/no is an invalid row, not a missing one


def test_an_end_before_the_start_and_csv_text_cells():
    rows = [row("Kunde AS", start="01.03.2024", end="29.02.2024", SlettingEtterDager="30", LagretEtterAvtale="Ja")]
    findings = run(snapshot(None, cus_items=[item("Kunde AS", "kroot")], rows=rows))
    assert [f.message for f in of(findings, "c4.invalid-row")] == \
        ["Register row row-Kunde AS: Sluttdato is before Startdato."]


def test_duplicate_rows_by_folder_or_agreement_id_flag_the_later_row():
    rows = [row("Kunde AS"), {**row("Kunde AS"), "id": "row-2"}, {**row("Annen AS"), "AvtaleId": "A-Kunde-AS"}]
    findings = run(snapshot(None, cus_items=[item("Kunde AS", "kroot"), item("Annen AS", "kroot")], rows=rows))
    assert {(dict(f.evidence)["row"], dict(f.evidence)["duplicateOf"]) for f in of(findings, "c4.duplicate-row")} == \
        {("row-2", "row-Kunde AS"), ("row-Annen AS", "row-Kunde AS")}


def test_unknown_contacts_and_contacts_without_an_email():
    rows = [row("Kunde AS", contacts=["gina@kunde.example", "ukjent@kunde.example"]),
            {**row("Annen AS"), "Kontaktpersoner": [{"LookupId": 7, "LookupValue": "Noen"}]},
            {**row("Tredje AS"), "Kontaktpersoner": None, "KontaktpersonerLookupId": ["7", "8"]}]
    folders = [item("Kunde AS", "kroot"), item("Annen AS", "kroot"), item("Tredje AS", "kroot")]
    findings = of(run(snapshot(None, cus_items=folders, rows=rows)), "c4.unknown-contact")
    assert {(dict(f.evidence)["row"], dict(f.evidence).get("contact"), dict(f.evidence).get("entries"))
            for f in findings} == {("row-Kunde AS", "ukjent@kunde.example", None), ("row-Annen AS", None, "1"),
                                   ("row-Tredje AS", None, "2")}
    assert all("ukjent" not in f.message for f in findings)  # the address stays out of the message


def test_unknown_contacts_are_not_judged_without_the_user_list():
    gap = Gap("directory", "users", "list users", "Forbidden", 403)
    findings = run(snapshot(None, cus_items=[item("Kunde AS", "kroot")],
                            rows=[row("Kunde AS", contacts=["ukjent@kunde.example"])], gaps=[gap]))
    assert not of(findings, "c4.unknown-contact")
    assert [(f.control, f.status) for f in of(findings, "coverage.not-evaluated")] == [("C4", "not_evaluated")]


def test_a_row_that_does_not_say_whether_data_is_stored_by_agreement():
    rows = [row("Kunde AS", LagretEtterAvtale=None), row("Annen AS", LagretEtterAvtale=True)]
    findings = run(snapshot(None, cus_items=[item("Kunde AS", "kroot"), item("Annen AS", "kroot")], rows=rows))
    assert c4(findings) == {("c4.storage-basis-missing", "row-Kunde AS")}


def test_no_register_no_c4_findings_but_not_evaluated():
    gap = Gap("register", "Avtaleregister", "read register", "Not found", 404)
    findings = run(snapshot(None, cus_items=[item("Kunde AS", "kroot")], gaps=[gap]))
    assert c4(findings) == set()
    assert sorted(f.control for f in of(findings, "coverage.not-evaluated")) == ["C3", "C4", "C5"]


def test_a_file_beside_the_customer_folders_belongs_to_no_agreement():
    from rules_world import file

    findings = run(snapshot(None, cus_items=[item("Kunde AS", "kroot"), file("løs.docx", "kroot"),
                                             file("inne.docx", "Kunde AS")], rows=[row("Kunde AS")]))
    assert [(f.item_id, f.title) for f in of(findings, "c4.unregistered-folder")] == \
        [("løs.docx", "Customer file outside any customer folder")]


def test_an_agreement_id_a_query_language_could_read_as_more_is_an_invalid_row():
    hostile = "321-2017-002 OR ComplianceAssetID:* OR Path:*"
    rows = [{**row("Kunde AS"), "AvtaleId": hostile}, {**row("Annen AS"), "AvtaleId": '321"2017'}]
    findings = run(snapshot(None, cus_items=[item("Kunde AS", "kroot"), item("Annen AS", "kroot")], rows=rows))
    invalid = {dict(f.evidence)["row"]: f for f in of(findings, "c4.invalid-row")}
    assert set(invalid) == {"row-Kunde AS", "row-Annen AS"}
    assert "AvtaleId is not a valid agreement id" in invalid["row-Kunde AS"].message
    assert hostile not in invalid["row-Kunde AS"].message  # the cell itself is not repeated
