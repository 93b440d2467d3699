"""The Markdown summary (short, no personal data ever), hostile names in paths, and the ``report`` command:
files 0600, languages, formats and exit codes."""

from __future__ import annotations

import dataclasses
import stat
from io import BytesIO

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from report_page import Page
from report_world import first_night

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.report.html import render_html
from m365_compliance.report.markdown import render_markdown
from m365_compliance.report.xlsx import render_xlsx
from m365_compliance.rules.coverage import not_evaluated
from m365_compliance.state.findings_repo import FindingsRepository
from m365_compliance.state.store import StateStore

_register_commands()
HOSTILE = "/Søkere/<script>alert(1)</script>"
FORMULA = "=HYPERLINK(\"x\",\"klikk\")"
TARGET = "/sites/kunder/Lists/Avtaleregister"
HINT = "Grant the app Sites.Selected on the customer site"


def _names(demo_state):
    return [a.name.split(" ", 1)[1] for a in demo_state.demo.manifest.applicants]


def test_markdown_is_short_has_the_figures_and_never_names(demo_state):
    findings = demo_state.findings()
    for lang in ("nb", "en"):
        for names in (False, True):
            md = render_markdown(demo_state.data(include_names=names), lang)
            assert len(md.splitlines()) <= 60
            assert not [n for n in _names(demo_state) if n in md], lang
            assert "/Søkere/" not in md and "Kunde AS/" not in md
    md = render_markdown(demo_state.data(), "en")
    row = next(line for line in md.splitlines() if line.startswith("| C2 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert int(cells[2]) == sum(f.control == "C2" and f.severity == "high" and f.status == "fail" for f in findings)
    assert int(cells[5]) == sum(f.control == "C2" and f.status == "warn" for f in findings)
    assert "> [!CAUTION]" in md and "No requests registered." in md
    assert "Overdue: 28 items" in md


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The demo with one more evaluation whose findings carry a script as a path and a formula as another."""
    state = first_night(tmp_path_factory.mktemp("hostile"))
    with StateStore(state.config.state.path) as store:
        repo = FindingsRepository(store)
        latest = repo.latest_evaluation()
        findings = repo.findings_of(latest.id)
        c2 = [i for i, f in enumerate(findings) if f.rule_id == "c2.applicant-retention" and f.status == "fail"]
        findings[c2[0]] = dataclasses.replace(findings[c2[0]], path=HOSTILE)
        findings[c2[1]] = dataclasses.replace(findings[c2[1]], path=FORMULA)
        gap = not_evaluated.finding(("C3", "register", "list items", TARGET), f"C3 is not evaluated for register: "
                                    f"list items of {TARGET} — 403 ({HINT})", status="not_evaluated",
                                    control="C3", scope="register",
                                    evidence={"operation": "list items", "target": TARGET, "hint": HINT})
        repo.save(latest.snapshot_run_id, latest.policy_version, [*findings, gap], evaluated_at=state.now)
    return state


def test_hostile_paths_are_escaped_in_html_and_xlsx(hostile):
    data = hostile.data(include_names=True)
    text = render_html(data, "nb")
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    page = Page(text)
    assert "script" not in page.tags
    assert HOSTILE in page.tables["findings-C2"].column("path")
    book = load_workbook(BytesIO(render_xlsx(data, "nb")))
    header = [c.value for c in book["C2"][1]]
    column = header.index("Sti")  # the path column (with names)
    paths = [r[column].value for r in book["C2"].iter_rows(min_row=2)]
    assert "'" + FORMULA in paths and FORMULA not in paths and HOSTILE in paths
    assert "alert(1)" not in render_markdown(data, "nb") and "HYPERLINK" not in render_markdown(data, "nb")


def test_coverage_groups_what_was_not_evaluated_without_hints_or_targets(hostile):
    data = hostile.data()
    for lang, where, what in (("en", "agreement register", "the list items"), ("nb", "avtaleregister", "listeelementene")):
        text = render_html(data, lang)
        page = Page(text)
        rows = page.tables["coverage"].rows
        assert [(r["control"], r["scope"], r["what"], r["count"]) for _, r in rows] == [("C3", where, what, "1")]
        # The finding itself says so in words, never quoting the path or the hint.
        message = page.tables["findings-C3"].by_key()
        assert any(m["message"] == {"en": "C3 is not evaluated for the agreement register: the list items could not "
                                          "be read.",
                                    "nb": "C3 er ikke evaluert for avtaleregisteret: listeelementene kunne ikke "
                                          "leses."}[lang] for m in message.values())
        assert page.tables["by-control"].by_key()["C3"]["not_evaluated"] == "1"
        assert HINT not in text and TARGET not in text
        md = render_markdown(data, lang)
        assert HINT not in md and TARGET not in md
    assert "Findings not evaluated: 1." in render_markdown(data, "en")


def _run(*args):
    result = CliRunner().invoke(cli, ["report", *map(str, args)])
    assert "Traceback" not in result.output, result.output
    return result


def test_cli_writes_private_files_in_the_asked_language(demo_state, tmp_path):
    out = tmp_path / "out"
    result = _run("--config", demo_state.config.source, "--out", out, "--lang", "en", "--now", demo_state.now.isoformat())
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"report.html", "report.xlsx", "report.md"}
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert "Privacy compliance report" in (out / "report.html").read_text(encoding="utf-8")
    assert "Summary" in load_workbook(out / "report.xlsx").sheetnames
    assert not [n for n in _names(demo_state) if n in result.output]
    # The policy file's language (nb) is the default; --format picks the files.
    result = _run("--config", demo_state.config.source, "--out", tmp_path / "nb", "--format", "md",
                  "--now", demo_state.now.isoformat())
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "nb").iterdir()] == ["report.md"]
    assert "Personvernrapport" in (tmp_path / "nb" / "report.md").read_text(encoding="utf-8")


def test_cli_exit_codes(demo_state, tmp_path):
    assert _run("--config", demo_state.config.source, "--format", "pdf").exit_code == 2
    assert _run("--config", demo_state.config.source, "--lang", "de").exit_code == 2
    assert _run("--config", tmp_path / "missing.toml").exit_code == 2
    # A policy whose state store holds no evaluation: a clear message, exit 1, and no store is created.
    policy = tmp_path / "policy.toml"
    text = demo_state.config.source.read_text(encoding="utf-8")
    policy.write_text(text.replace('path = "state.sqlite"', 'path = "empty/state.sqlite"'), encoding="utf-8")
    result = _run("--config", policy, "--out", tmp_path / "out")
    assert result.exit_code == 1 and "nothing to report" in result.output
    assert not (tmp_path / "empty" / "state.sqlite").exists()
    with StateStore(tmp_path / "empty" / "state.sqlite"):
        pass  # an existing store without any evaluation
    result = _run("--config", policy, "--out", tmp_path / "out")
    assert result.exit_code == 1 and "no evaluation" in result.output and "m365-compliance check" in result.output


def test_cli_selects_controls_and_severity(demo_state, tmp_path):
    out = tmp_path / "sel"
    result = _run("--config", demo_state.config.source, "--out", out, "--lang", "en", "--format", "html",
                  "--controls", "c3, C1", "--min-severity", "high", "--now", demo_state.now.isoformat())
    assert result.exit_code == 0, result.output
    page = Page((out / "report.html").read_text(encoding="utf-8"))
    assert "This report covers C1, C3, severity high and above." in page.text
    assert {t for t in page.tables if t.startswith("findings-")} == {"findings-C1", "findings-C3"}
    assert set(page.tables["findings-C1"].column("severity")) == {"high"}


def test_cli_rejects_an_unknown_control_with_the_choices(demo_state, tmp_path):
    result = _run("--config", demo_state.config.source, "--out", tmp_path, "--controls", "C1,C12")
    assert result.exit_code == 2
    assert "unknown control C12; choose from C1, C2, C3, C4, C5, C6, C7, C8, C9" in result.output
    assert _run("--config", demo_state.config.source, "--min-severity", "urgent").exit_code == 2
