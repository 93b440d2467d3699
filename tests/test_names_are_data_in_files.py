"""Names are data in the files the tool writes too: the journal exports (CSV, JSON), the report (HTML, XLSX,
Markdown), plan files, check's findings and snapshot JSON.

A tenant whose record label, applicant folder, file and customer are named with a newline and a GitHub
Actions workflow command, a carriage return, an OSC 8 link, a bell, a screen clear, a bidi override, NEL, the
runner's legacy ``##[`` and a line separator is taken through ``run``, ``journal export``, ``report``,
``check`` and ``plan``; no file holds a raw control character or a line the runner would run, each shows the
names with visible escapes (the data is not lost: the JSON files decode to exactly the tenant's text), and a
plan whose reasons quote such a name is still trusted by ``apply``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from contextlib import chdir
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from m365_compliance.actions.journal import escape_cell, to_csv
from m365_compliance.actions.plan_json import plan_to_json, read_plan, recorded_as
from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config.demo import write_demo_config
from m365_compliance.report.html_parts import esc
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.demo_people import RECORD_LABEL
from m365_compliance.sandbox.model import AppliedLabel
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.terminal_text import visible

_register_commands()

#: The tester's name, with ``WHAT`` for what it names.
ATTACK = "Z\n::warning::forged-WHAT\r\x1b]8;;http:evil\x07\x1b[2J\u202eRTL\x85##[error]y\u2028L"
LABEL = ATTACK.replace("WHAT", "label")
FOLDER = ATTACK.replace("WHAT", "folder")
FILE = ATTACK.replace("WHAT", "file") + ".pdf"
CUSTOMER = ATTACK.replace("WHAT", "customer")
#: Independent of the code under test: the raw characters no written file may hold (``\n`` ends lines).
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MUST_NOT_APPEAR = ("\x1b", "\r", "\x07", "\x85", "\u2028", "\u202e")
#: How the label's tail is shown in a spreadsheet cell (and on the terminal) and in the HTML page.
SHOWN = "::warning::forged-label\\r\\x1b]8;;http:evil\\x07\\x1b[2J\\u202eRTL\\x85##\\[error]y\\u2028L"
SHOWN_HTML = "::warning::forged-label\\r\\x1b]8;;http:evil\\x07\\x1b[2J\\u202eRTL\\x85##&#91;error]y\\u2028L"


@dataclass
class Night:
    dir: Path
    policy: Path
    results: dict[str, Result] = field(default_factory=dict)

    def text(self, name: str) -> str:
        return (self.dir / name).read_bytes().decode("utf-8")


def invoke(where: Path, *args: object) -> Result:
    with chdir(where):
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def hostile_tenant():
    """The demo tenant with its record label renamed (every item it is on follows), an overdue applicant's folder
    and a file in it renamed, and a customer's register row titled with the tester's name."""
    demo = build_demo_tenant()
    t, m = demo.tenant, demo.manifest
    t.labels[LABEL] = replace(t.labels.pop(RECORD_LABEL), name=LABEL)
    labelled = 0
    for drive in t.drives.values():
        for item in drive.items.values():
            if item.label is not None and item.label.name == RECORD_LABEL:
                item.label = AppliedLabel(LABEL, item.label.applied_at, item.label.applied_by, item.label.explicit,
                                          item.label.record_locked)
                labelled += 1
    assert labelled, "the demo tenant has items with its record label"
    drive = t.drives[m.recruitment_drive]
    overdue = next(a for a in m.applicants if a.state == "overdue")
    folder = t.rename(drive.items[overdue.folder_id], FOLDER)
    t.add_file(drive, folder, FILE, created=folder.created)
    register = t.lists[m.register_list]
    t.update_list_item(register, m.customers[0].row_ids[0], {"Title": CUSTOMER})
    return demo


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Night]:
    where = tmp_path_factory.mktemp("names-in-files")
    demo = hostile_tenant()
    now = demo.tenant.clock.isoformat()
    with SandboxServer(demo.tenant) as server:
        policy = where / "policy.toml"
        write_demo_config(policy, graph_url=server.base_url, state_path="state.sqlite")
        c = ("--config", policy)
        night = Night(where, policy)
        r = night.results
        r["run"] = invoke(where, "run", *c, "--now", now, "--out", where / "run-out")
        r["csv"] = invoke(where, "journal", "export", *c, "--format", "csv", where / "journal.csv")
        r["json"] = invoke(where, "journal", "export", *c, "--format", "json", where / "journal.json")
        r["report"] = invoke(where, "report", *c, "--now", now, "--out", where / "report")
        r["report-names"] = invoke(where, "report", *c, "--now", now, "--out", where / "report-names",
                                   "--include-names")
        r["check"] = invoke(where, "check", *c, "--now", now, "--json-out", where / "findings.json",
                            "--snapshot-out", where / "snapshot.json")
        r["plan"] = invoke(where, "plan", *c, "--now", now, "--out", where / "plan.json")
        r["apply"] = invoke(where, "apply", where / "plan.json", *c, "--now", now)
        r["applied"] = invoke(where, "journal", "export", *c, "--format", "json", "--plan",
                              read_plan(where / "plan.json").id, where / "applied.json")
        yield night


def assert_inert(text: str, where: str) -> None:
    """No raw control character (the CSV's own ``\\r\\n`` line ends aside), no line the runner would run."""
    lines = text.replace("\r\n", "\n")
    for char in MUST_NOT_APPEAR:
        assert char not in lines, (where, repr(char))
    raw = RAW.search(lines)
    assert raw is None, (where, hex(ord(raw.group())), lines[max(0, raw.start() - 80): raw.end() + 80])
    for line in lines.split("\n"):
        assert not line.lstrip().startswith(("::", "##[")), (where, line)
        assert "##[" not in line, (where, line)


def test_the_commands_ran(night: Night) -> None:
    expected = {"run": (0, 3, 4), "check": (0, 3), "plan": (0, 3), "apply": (0, 3)}
    for command, result in night.results.items():
        assert "Traceback" not in result.output, (command, result.output[-3000:])
        assert result.exit_code in expected.get(command, (0,)), (command, result.exit_code, result.output[-3000:])


# ====================================================================== the journal exports
def test_the_csv_journal_is_inert_and_shows_the_label_escaped(night: Night) -> None:
    text = night.text("journal.csv")
    assert_inert(text, "journal.csv")
    assert SHOWN in text  # the name is there, every character of it visible
    reasons = [row["reason"] for row in csv.DictReader(io.StringIO(text)) if SHOWN in row["reason"]]
    assert reasons and all("\n" not in r for r in reasons)


def test_the_json_journal_is_inert_and_exact(night: Night) -> None:
    text = night.text("journal.json")
    assert_inert(text, "journal.json")
    for escape in ("\\u202e", "\\u0085", "\\u2028", "\\u001b", "\\u0007", "\\r", "\\n::warning::"):
        assert escape in text, escape
    reasons = [e["reason"] for e in json.loads(text)["entries"] if e["reason"]]
    assert any(LABEL in r for r in reasons)  # decodes to exactly the tenant's text


# ====================================================================== the report
@pytest.mark.parametrize("folder", ["run-out", "report", "report-names"])
def test_the_html_report_shows_names_escaped(night: Night, folder: str) -> None:
    page = night.text(f"{folder}/report.html")
    assert_inert(page, f"{folder}/report.html")
    assert SHOWN_HTML in page  # the label, quoted in what the newest plan kept, even without --include-names
    if folder == "report-names":
        for what in ("folder", "customer"):
            assert SHOWN_HTML.replace("label", what) in page, what


@pytest.mark.parametrize("folder", ["report", "report-names"])
def test_the_markdown_report_is_inert(night: Night, folder: str) -> None:
    assert_inert(night.text(f"{folder}/report.md"), f"{folder}/report.md")


def test_the_xlsx_report_shows_names_escaped_not_dropped(night: Night) -> None:
    workbook = load_workbook(night.dir / "report-names" / "report.xlsx", read_only=True)
    cells = [v for sheet in workbook for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    workbook.close()
    for cell in cells:
        assert RAW.search(cell) is None and "\n" not in cell and "##[" not in cell, cell
    for what in ("label", "folder", "customer"):
        assert any(SHOWN.replace("label", what) in cell for cell in cells), what


# ====================================================================== JSON files
@pytest.mark.parametrize("name", ["plan.json", "run-out/plan.json", "findings.json", "snapshot.json",
                                  "run-out/run-summary.json"])
def test_json_files_are_inert_and_decode_to_the_names(night: Night, name: str) -> None:
    text = night.text(name)
    assert_inert(text, name)
    decoded = json.dumps(json.loads(text), ensure_ascii=False)  # the text of every string, escapes read back
    names = {"plan.json": (LABEL,), "run-out/plan.json": (LABEL,), "snapshot.json": (FOLDER, FILE, CUSTOMER),
             "findings.json": (FOLDER,)}.get(name, ())
    for found in names:
        assert "\\u202e" in text and json.dumps(found, ensure_ascii=False)[1:-1] in decoded, found


def test_a_plan_quoting_the_label_round_trips_and_is_trusted_by_apply(night: Night) -> None:
    path = night.dir / "plan.json"
    plan = read_plan(path)
    reasons = [s.reason for s in plan.skipped]
    assert any(LABEL in r for r in reasons)  # exactly the label, read back from its escapes
    assert plan_to_json(plan) == path.read_text(encoding="utf-8")  # the writer writes what it reads
    apply = night.results["apply"]
    assert "refused" not in apply.output and "differs from plan" not in apply.output, apply.output[-2000:]
    events = [e["event"] for e in json.loads(night.text("applied.json"))["entries"]]
    assert events[0] == "plan" and "apply_started" in events and "apply_finished" in events, events


def test_a_plan_recorded_before_names_were_escaped_is_still_trusted(night: Night) -> None:
    """The record is compared as JSON values: one written raw (as before) is the same plan, an edited one is not."""
    plan = read_plan(night.dir / "plan.json")
    body = json.loads(plan_to_json(plan))
    raw = json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert "\u202e" in raw and recorded_as(plan, raw)
    assert recorded_as(plan, plan_to_json(plan))
    edited = json.loads(raw)
    edited["skipped"][0]["reason"] += "."
    assert not recorded_as(plan, json.dumps(edited))
    retyped = json.loads(raw)
    retyped["scopeItems"] = float(retyped["scopeItems"])
    assert not recorded_as(plan, json.dumps(retyped))  # 1.0 is not 1
    assert not recorded_as(plan, "not json")


# ====================================================================== the cell and the HTML text themselves
@pytest.mark.parametrize(("value", "shown"), [
    (LABEL, "Z\\n" + SHOWN),
    ("\u2066CV\u2069 \u202bx\u202c\u2029", "\\u2066CV\\u2069 \\u202bx\\u202c\\u2029"),
    ("\x9b2J\x7f\x00", "\\x9b2J\\x7f\\x00"),
    ("::add-mask::x", "\\::add-mask::x"),
    ("=1+1", "'=1+1"),
    ("Søker\u200d Åse, \"sitat\"", "Søker\u200d Åse, \"sitat\""),  # ordinary text stays as it is
])
def test_a_cell_shows_what_it_holds(value: str, shown: str) -> None:
    assert escape_cell(value) == shown
    lines = to_csv([{"a": value, "b": value}], ("a", "b")).split("\r\n")
    assert len(lines) == 3 and lines[2] == ""
    assert all(not line.startswith(("::", "##[")) and RAW.search(line) is None for line in lines)


def test_html_text_shows_control_characters_and_keeps_markup_escaped() -> None:
    assert esc(LABEL) == "Z\\n" + SHOWN_HTML
    assert esc("<b a=\"1\">&'</b>\u202e") == "&lt;b a=&quot;1&quot;&gt;&amp;&#x27;&lt;/b&gt;\\u202e"
    assert esc(None) == "" and esc(12) == "12"
    assert visible("a\u2028b\x85") == "a\\u2028b\\x85"
