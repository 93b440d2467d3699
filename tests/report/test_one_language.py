"""One language throughout: the bokmål report carries no English sentence (scanned against every English
template, every English label and the rules' own English texts), every finding shows its remediation, and
applicants are named by reference, never by name or by a bare Graph id."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from report_page import Page

from m365_compliance.report.html import render_html
from m365_compliance.report.markdown import render_markdown
from m365_compliance.report.texts import TEXTS
from m365_compliance.report.xlsx import render_xlsx
from m365_compliance.rules.finding_texts import RULES, VARIANT_TITLES

#: English words that are also bokmål (or names) and so may appear in either report.
SHARED = {"Policy", "Status", "Id", "Plan", "Start", "Type", "Sum", "Total"}


def _english_phrases(findings) -> set[str]:
    """Every English text that must not appear in a bokmål report: templates, labels and the rules' own texts."""
    phrases = {en for nb, en in TEXTS.values() if en != nb}
    for rule in RULES.values():
        phrases |= {rule.title[1], rule.remediation[1], rule.message[1].replace("{subject}", "").strip(" .:")}
    phrases |= {en for _, en in VARIANT_TITLES.values()}
    for f in findings:
        phrases |= {f.title, f.remediation}
        phrases |= set(re.split(r"[;:] ", f.message))  # the message's clauses: ids and dates differ per finding
    # Placeholders split a template into the fixed parts a report would show; keep the ones worth finding.
    parts = {p.strip(" .,:;()–") for phrase in phrases for p in re.split(r"\{[a-z_]+\}", phrase)}
    return {p for p in parts if len(p.split()) >= 3 and p not in SHARED}


@pytest.fixture(scope="module")
def nb_texts(demo_state):
    data = demo_state.data()
    page = Page(render_html(data, "nb")).text
    book = load_workbook(BytesIO(render_xlsx(data, "nb")))
    cells = " \n ".join(str(c) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for c in r if c)
    return {"html": page, "xlsx": cells, "md": render_markdown(data, "nb")}


def test_no_english_sentence_in_the_bokmal_report(demo_state, nb_texts):
    phrases = _english_phrases(demo_state.findings())
    assert len(phrases) > 200  # the scan has something to find
    for fmt, text in nb_texts.items():
        found = sorted(p for p in phrases if p in text)
        assert not found, (fmt, found[:10])


def test_the_scan_finds_english_when_it_is_there(demo_state):
    """The scan is not vacuous: the English report is full of the phrases it looks for."""
    phrases = _english_phrases(demo_state.findings())
    english = Page(render_html(demo_state.data(), "en")).text
    assert sum(p in english for p in phrases) > 20


def test_statutory_classes_are_words(demo_state):
    page = Page(render_html(demo_state.data(), "nb"))
    classes = set(page.tables["holds"].column("class"))
    assert classes <= {"primærdokumentasjon", "sekundærdokumentasjon"} and classes
    english = set(Page(render_html(demo_state.data(), "en")).tables["holds"].column("class"))
    assert english <= {"primary documentation", "secondary bookkeeping material"} and english


def test_every_finding_shows_its_remediation(demo_state):
    data = demo_state.data()
    for lang in ("nb", "en"):
        page = Page(render_html(data, lang))
        for control in ("C1", "C2", "C3", "C4", "C5"):
            rows = page.tables[f"findings-{control}"].rows
            assert rows and all(cells["remediation"].strip() for _, cells in rows), (lang, control)
        book = load_workbook(BytesIO(render_xlsx(data, lang)))
        header = [c.value for c in book["C1"][1]]
        column = header.index("Tiltak" if lang == "nb" else "Remediation")
        assert all(r[column] for r in book["C1"].iter_rows(min_row=2, values_only=True))


def test_applicants_by_reference_customers_by_name(demo_state):
    """Without --include-names an applicant's item is "søkermappe 2026-01 (ref. …)": no name, no Graph id as the
    main text; customer folders are companies and are named; with the option the applicant's path is shown."""
    data = demo_state.data()
    manifest = demo_state.demo.manifest
    page = Page(render_html(data, "nb"))
    subjects = page.tables["findings-C2"].column("subject") + page.tables["findings-C1"].column("subject")
    assert subjects and all(re.fullmatch(r"(en fil i )?(søkermappe \d{4}-\d{2}|rekrutteringsområdet|en søkermappe"
                                         r"|en fil i rekrutteringsområdet) \((\d+ filer?, )?ref\. [0-9A-Z]{6}\)", s)
                            for s in subjects), subjects
    # An applicant's folder says how many files it holds (the demo gives each three to five).
    folders = [s for s in subjects if s.startswith("søkermappe")]
    assert folders and all(re.search(r"\((3|4|5) filer, ref\.", s) for s in folders), folders
    names = {a.name for a in manifest.applicants}
    assert not any(name in page.text for name in names)
    graph_id = re.compile(r"\b01[0-9A-Z]{32}\b")
    assert not any(graph_id.search(s) for s in subjects)
    references = page.tables["findings-C2"].column("reference")
    assert all(graph_id.fullmatch(r) for r in references)  # the full id, in the detail column
    customers = page.tables["findings-C5"].column("subject")
    assert any(s.startswith("/Brumunddal Bygg AS") for s in customers)
    assert "Brumunddal Bygg AS" in page.tables["agreements"].column("customer")
    labels = page.tables["applicants"].column("label")
    assert len(labels) == 24 and all(re.fullmatch(r"\d{4}-\d{2} \(ref\. [0-9A-Z]{6}\)", s) for s in labels)
    assert all(graph_id.fullmatch(r) for r in page.tables["applicants"].column("folder"))  # the detail column
    kept = page.tables["kept"].column("subject")
    assert kept and all(s.startswith("/") and not graph_id.search(s) for s in kept)  # the customer file's path
    named = Page(render_html(demo_state.data(include_names=True), "nb")).tables["findings-C2"].column("subject")
    assert any(any(name in s for name in names) for s in named)


def test_plurals(demo_state):
    text = Page(render_html(demo_state.data(), "nb")).text
    assert re.search(r"\b1 evalueringer\b|\b1 planer\b|\b1 kjøringer\b", text) is None
    assert "1 evaluering," in text  # the demo's first night: one evaluation in the evidence
    assert "1 plan " in text


def test_people_are_named_only_with_the_option(demo_state):
    """A grant's person is a kind and a short reference; with --include-names, their name (and a register row's
    unknown contact, their address)."""
    plain = Page(render_html(demo_state.data(), "nb"))
    named = Page(render_html(demo_state.data(include_names=True), "nb"))
    guest = next(m for m in plain.tables["findings-C1"].column("message") if m.startswith("En gjest ("))
    assert re.match(r"En gjest \([0-9A-Z]{6}\) kan nå ", guest)
    guest_named = next(m for m in named.tables["findings-C1"].column("message") if m.startswith("En gjest ("))
    assert not re.match(r"En gjest \([0-9A-Z]{6}\)", guest_named) and guest_named != guest
    contact = "ukjent.person@loten-trelast.example"
    assert contact not in plain.text
    assert any(contact in m for m in named.tables["findings-C4"].column("message"))
