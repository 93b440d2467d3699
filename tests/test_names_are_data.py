"""Names are data, not commands: a tenant whose item, folder, user, group and register names are terminal
escapes, GitHub Actions workflow commands and path tricks, driven through every command that shows them.

Whatever the command (``inventory``, ``check``, ``plan --show-paths``, ``drift show``, ``alert``,
``report``, ``doctor``, ``dsar find/show/list/export``, ``run``), nothing it prints, logs or writes to the
job summary holds a raw control character, a line that begins with ``::`` or the runner's ``##[``; and
the subject's zip unpacks completely with ``unzip`` and with ``zipfile``, every file inside the
folder, with the bytes the tenant holds.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import chdir
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from reliability.corpus.name_cases import LONG_FOLDER, NAMES

from m365_compliance.actions.journal import escape_cell
from m365_compliance.alerts.model import Alert, AlertBatch
from m365_compliance.alerts.stdout import JsonLinesSink
from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.cli.output import JsonFormatter, TerminalFormatter
from m365_compliance.config.demo import write_demo_config
from m365_compliance.dsar.member_names import MAX_BYTES, MemberNames, clean
from m365_compliance.sandbox.demo import DemoTenant, build_demo_tenant
from m365_compliance.sandbox.model import Item
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.terminal_text import safe_json, safe_line

_register_commands()

#: Independent of the code under test: every raw control character but the line feed that ends a line.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
HOSTILE: tuple[tuple[str, str], ...] = (
    ("set-output", "x\n::set-output name=x::y"),
    ("add-mask", "::add-mask::hemmelig.pdf"),
    ("stop-commands", "  ::stop-commands::pause.pdf"),
    ("legacy-command", "CV ##[error]feil.pdf"),
    ("clear-screen", "\x1b[2J\x1b[HCV.pdf"),
    ("osc8-link", "\x1b]8;;http://x.example/\x1b\\klikk\x1b]8;;\x1b\\.pdf"),
    ("carriage-return", "ok.pdf\r::warning::forged"),
    ("bidi-override", "Søknad \u202efdp.exe"),
    ("bidi-isolate", "\u2066CV\u2069 \u202bx\u202c.pdf"),
    ("c1-csi", "\x9b2J CV.pdf"),
    ("next-line", "linje\x85::error::x.pdf"),
    ("line-separator", "a\u2028::notice::b.pdf"),
    ("del", "C\x7fV.pdf"),
    ("nul", "C\x00V.pdf"),
    ("tab", "C\tV.pdf"),
    ("dotdot", ".."),
    ("dot", "."),
    ("dots", "..."),
    ("slash", "a/b.pdf"),
    ("root-slash", "/etc/passwd"),
    ("backslash", "..\\..\\boot.ini"),
    ("long", "L" * 400),
    ("long-extension", "L" * 396 + ".pdf"),
    ("case-1", "CV.pdf"),
    ("case-2", "cv.pdf"),
    ("case-3", "Cv.PDF"),
    ("cleaned-1", "CV?.pdf"),
    ("cleaned-2", "CV*.pdf"),
    ("trailing-dot-space", "CV.pdf. "),
    ("nfc", unicodedata.normalize("NFC", "Åse.pdf")),
    ("nfd", unicodedata.normalize("NFD", "Åse.pdf")),
    ("device-con", "CON"),
    ("device-nul", "nul.txt"),
    ("device-com1", "COM1.pdf"),
    ("device-lpt-superscript", "LPT¹"),
    ("zero-width", "Sø\u200bker\u200d.pdf"),
)
FOLDERS = ("..", ".", "CON", "Sub", "sub", "\x1b[2J\n::set-output name=d::e", LONG_FOLDER, "a/b", "Ola", "ola")
SUBJECT_FOLDER = "\n::set-output name=x::y \x1b[2J\r\u202e"
COMMANDS = ("inventory", "check", "check-json", "check-ocsf", "plan", "drift", "drift-json", "alert", "report", "doctor", "doctor-json",
            "dsar-open", "dsar-find", "dsar-show", "dsar-list", "dsar-list-json", "dsar-export", "inventory-gap",
            "run")


@dataclass
class Night:
    """The hostile tenant after every command ran once against it."""

    demo: DemoTenant
    dir: Path
    subject_folder: Item
    case: str
    results: dict[str, Result] = field(default_factory=dict)

    @property
    def zip(self) -> Path:
        return self.dir / "exports" / f"{self.case}-export.zip"

    def files(self) -> list[Item]:
        t = self.demo.tenant
        return [i for i in t.walk(t.drive(self.subject_folder.drive_id), self.subject_folder) if not i.is_folder]


def hostile_tenant() -> tuple[DemoTenant, Item, str]:
    """The demo tenant with the hostile names in an overdue applicant's folder (due for deletion, so plans
    and findings show its path), in the directory and in the register; the applicant's e-mail."""
    demo = build_demo_tenant()
    t, m = demo.tenant, demo.manifest
    drive = t.drives[m.recruitment_drive]
    subject = next(a for a in m.applicants if a.state == "overdue")
    folder = t.rename(drive.items[subject.folder_id], subject.name + SUBJECT_FOLDER)
    for _, name in HOSTILE:
        t.add_link(t.add_file(drive, folder, name, created=t.clock), "anonymous")  # a finding with its path
    for name in FOLDERS:
        inner = t.add_folder(drive, folder, name, created=t.clock)
        for file_name in ("CV.pdf", "..", "cv.PDF"):
            t.add_file(drive, inner, file_name, created=t.clock)
    corpus = t.add_folder(drive, folder, "Korpus", created=t.clock)
    for _, name in NAMES:
        t.add_file(drive, corpus, name, created=t.clock)
    hostile = iter(name for _, name in HOSTILE)
    for user in list(t.users.values())[:6]:
        user.display_name = next(hostile)
    for group in t.groups.values():
        group.display_name = next(hostile)
    register = t.lists[m.register_list]
    for customer in m.customers:
        for row in customer.row_ids:
            t.update_list_item(register, row, {"Title": next(hostile, "\x1b[2J::kunde")})
    return demo, folder, subject.email


def invoke(where: Path, *args: object) -> Result:
    with chdir(where):
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Night]:
    where = tmp_path_factory.mktemp("names")
    demo, folder, email = hostile_tenant()
    now = demo.tenant.clock.isoformat()
    with SandboxServer(demo.tenant) as server:
        policy = where / "policy.toml"
        write_demo_config(policy, graph_url=server.base_url, state_path="state.sqlite")
        c = ("--config", policy)
        r: dict[str, Result] = {}
        r["inventory"] = invoke(where, "inventory", *c, "--verbose")
        r["check"] = invoke(where, "check", *c, "--now", now, "--show-paths")
        r["plan"] = invoke(where, "plan", *c, "--now", now, "--show-paths", "--out", where / "plan.json")
        r["drift"] = invoke(where, "drift", "show", *c, "--now", now)
        r["drift-json"] = invoke(where, "drift", "show", *c, "--now", now, "--json")
        r["check-json"] = invoke(where, "check", *c, "--now", now, "--format", "json")
        r["check-ocsf"] = invoke(where, "check", *c, "--now", now, "--format", "ocsf")
        r["alert"] = invoke(where, "alert", *c, "--now", now)
        r["report"] = invoke(where, "report", *c, "--now", now, "--out", where / "report", "--include-names")
        r["doctor"] = invoke(where, "doctor", *c)
        r["doctor-json"] = invoke(where, "doctor", *c, "--json")
        r["dsar-open"] = invoke(where, "dsar", "open", *c, "--now", now, "--subject", email, "--kind", "access",
                                "--name", SUBJECT_FOLDER)
        case = re.search(r"dsar-\d{8}-[0-9a-f]{6}", r["dsar-open"].output)
        assert case is not None, r["dsar-open"].output
        r["dsar-find"] = invoke(where, "dsar", "find", case.group(), *c, "--now", now, "--show-paths")
        r["dsar-show"] = invoke(where, "dsar", "show", case.group(), *c, "--show-paths")
        r["dsar-list"] = invoke(where, "dsar", "list", *c, "--now", now, "--show-subjects")
        r["dsar-list-json"] = invoke(where, "dsar", "list", *c, "--now", now, "--show-subjects", "--json")
        r["dsar-export"] = invoke(where, "dsar", "export", case.group(), *c, "--now", now, "--out",
                                  where / "exports")
        r["inventory-gap"] = invoke(where, "inventory", "--config", gap_policy(policy))
        r["run"] = invoke(where, "run", *c, "--now", now, "--out", where / "run-out")
        yield Night(demo, where, folder, case.group(), r)


def gap_policy(policy: Path) -> Path:
    """The same tenant with a recruitment folder that does not exist, named like a hostile item: a gap line."""
    text = policy.read_text(encoding="utf-8").replace('"state.sqlite"', '"gap.sqlite"')
    hostile = 'Mangler\\u001b[2J\\n::set-output name=g::h\\r##[error]x'
    assert 'folder = "Søkere"' in text
    gap = policy.with_name("gap-policy.toml")
    gap.write_text(text.replace('folder = "Søkere"', f'folder = "{hostile}"'), encoding="utf-8")
    return gap


def assert_inert(text: str, where: str) -> None:
    """No raw control character, no line the Actions runner would take as a command."""
    raw = RAW.search(text)
    assert raw is None, (where, hex(ord(raw.group())), text[max(0, raw.start() - 80): raw.end() + 80])
    for line in text.split("\n"):
        assert not line.lstrip().startswith("::"), (where, line)
        assert "##[" not in line, (where, line)


# ====================================================================== terminal, logs, JSON lines
@pytest.mark.parametrize("command", COMMANDS)
def test_no_output_line_is_a_command_or_a_control_character(night: Night, command: str) -> None:
    result = night.results[command]
    assert "Traceback" not in result.output, result.output[-3000:]
    expected = {"inventory": (0, 3), "inventory-gap": (3,), "plan": (0, 3), "doctor": (0, 1),
                "doctor-json": (0, 1), "alert": (0, 3), "run": (0, 3, 4)}.get(command, (0,))
    assert result.exit_code in expected, (command, result.exit_code, result.output[-3000:])
    assert_inert(result.stdout, f"{command} stdout")
    assert_inert(result.stderr, f"{command} stderr")


def test_the_names_are_shown_escaped_not_dropped(night: Night) -> None:
    """The paths asked for are printed, with their escapes visible: the checks above saw the names."""
    r = night.results
    for command in ("check", "plan", "dsar-find", "dsar-show"):
        assert "\\n::set-output name=x::y \\x1b[2J\\r\\u202e" in r[command].stdout, (command, r[command].stdout)
    check = r["check"].stdout
    for shown in ("\\x1b]8;;http://x.example/\\x1b\\klikk", "ok.pdf\\r::warning::forged", "\\x9b2J CV.pdf",
                  "C\\x00V.pdf", "C\\tV.pdf", "C\\x7fV.pdf", "linje\\x85::error", "a\\u2028::notice",
                  "CV ##\\[error]feil.pdf", "Søknad \\u202efdp.exe"):
        assert shown in check, shown
    assert "'Mangler\\x1b[2J\\n::set-output name=g::h\\r##\\[error]x'" in r["inventory-gap"].stdout


def test_machine_documents_carry_names_exactly_and_ocsf_none(night: Night) -> None:
    """The findings document decodes to the exact hostile path; the OCSF export holds no path at all."""
    findings = json.loads(night.results["check-json"].stdout)["findings"]
    assert any(SUBJECT_FOLDER in (f["path"] or "") for f in findings)
    events = json.loads(night.results["check-ocsf"].stdout)
    assert len(events) == len(findings)
    decoded = json.dumps(events, ensure_ascii=False)
    assert "::set-output name=x::y" not in decoded and not [f for f in findings if f["path"] and f["path"] in decoded]


def test_logs_are_json_lines_without_raw_control_characters(night: Night) -> None:
    lines = [line for line in night.results["inventory"].stderr.splitlines() if line.startswith("{")]
    assert lines, night.results["inventory"].stderr[-2000:]
    for line in lines:
        assert isinstance(json.loads(line), dict)
    record = logging.LogRecord("m365_compliance.x", logging.WARNING, __file__, 1, "item %s", ("\x9b2J\n::x",), None)
    line = JsonFormatter().format(record)
    assert_inert(line, "json log")
    assert json.loads(line)["message"] == "item \x9b2J\n::x"  # escaped, not altered


def test_a_terminal_log_line_is_inert_too() -> None:
    try:
        raise ValueError("bad name \x1b[2J\n::add-mask::x")
    except ValueError:
        record = logging.LogRecord("m365_compliance.x", logging.ERROR, __file__, 1, "item %s\r%s",
                                   ("\u202eexe", "\n::error::x"), sys.exc_info())
    assert_inert(TerminalFormatter("%(levelname)s %(name)s: %(message)s").format(record), "terminal log")


def test_the_stdout_alert_sink_writes_inert_json_lines(night: Night) -> None:
    lines = night.results["alert"].stdout.splitlines()
    assert lines and all(json.loads(line)["type"] == "m365-compliance.alert" for line in lines)
    title = "".join(name for _, name in HOSTILE)  # should a title ever quote a name
    alert = Alert("C1-x", "new", "c1.anonymous-link", "C1", "high", "fail", title, title, title, date(2026, 11, 25))
    out = io.StringIO()
    batch = AlertBatch("run-1", "2022-07-04", datetime(2026, 11, 25, tzinfo=UTC), (alert,))
    assert asyncio.run(JsonLinesSink(out).deliver(batch)).ok
    assert_inert(out.getvalue(), "stdout sink")
    assert json.loads(out.getvalue())["title"] == title


def test_the_job_summary_is_inert_and_its_tables_hold(night: Night) -> None:
    for summary in (night.dir / "report" / "report.md", night.dir / "run-out" / "report.md"):
        text = summary.read_text(encoding="utf-8")
        assert_inert(text, str(summary))
        widths = {line.count(" | ") for line in text.splitlines() if line.startswith("| C")}
        assert len(widths) == 1, widths  # no name split a table row


def test_markdown_cells_escape_what_names_could_do() -> None:
    from m365_compliance.report.markdown import md

    cell = md("a | b\n::set-output name=x::y\x1b[2J\r\u202e ##[error]")
    assert_inert(cell, "md cell")
    assert " | " not in cell and "\\|" in cell


# ====================================================================== the function itself
@pytest.mark.parametrize(("text", "shown"), [
    ("::add-mask::x", "\\::add-mask::x"),
    ("  \u3000::set-output name=a::b", "\\  \u3000::set-output name=a::b"),
    ("x\n::y", "x\\n::y"),
    ("\x1b[2J\r\t\x00\x7f\x9b\x85", "\\x1b[2J\\r\\t\\x00\\x7f\\x9b\\x85"),
    ("\u202e\u2066\u2069\u2028", "\\u202e\\u2066\\u2069\\u2028"),
    ("a ##[error]b", "a ##\\[error]b"),
    ("Søker\u200d Åse: 1::2", "Søker\u200d Åse: 1::2"),  # ordinary text, joiners and inner colons stay
])
def test_safe_line(text: str, shown: str) -> None:
    assert safe_line(text) == shown
    assert_inert(safe_line(text), text)


def test_safe_json_is_inert_and_exact() -> None:
    value = {"name": "\x9b\u202e\x85##[error]\n::x\u2028", "n": [1, "ø"]}
    for indent in (None, 2):
        text = safe_json(value, indent=indent)
        assert_inert(text, "json")
        assert json.loads(text) == value


# ====================================================================== the subject's zip
def test_the_export_holds_every_file_of_the_subject(night: Night) -> None:
    files = night.files()
    with zipfile.ZipFile(night.zip) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    entries = manifest["files"]
    assert sorted(e["itemId"] for e in entries) == sorted(i.id for i in files)
    assert all(e["status"] == "included" for e in entries)
    assert f"({len(files)} files" in night.results["dsar-export"].stdout


@pytest.mark.parametrize("tool", ["unzip", "zipfile"])
def test_the_zip_extracts_completely_with_the_right_bytes(night: Night, tool: str, tmp_path: Path) -> None:
    target = tmp_path / "copy"
    target.mkdir()
    if tool == "unzip":
        if shutil.which("unzip") is None:
            pytest.skip("unzip is not installed (apt-get install -y unzip)")
        done = subprocess.run(["unzip", "-q", str(night.zip), "-d", str(target)], capture_output=True, text=True,
                              env={**os.environ, "LC_ALL": "C.UTF-8"}, check=False)
        assert done.returncode == 0 and not done.stderr, (done.returncode, done.stdout, done.stderr)
    else:
        with zipfile.ZipFile(night.zip) as zf:
            zf.extractall(target)
    with zipfile.ZipFile(night.zip) as zf:
        members = [i.filename for i in zf.infolist()]
        manifest = json.loads(zf.read("manifest.json"))
    extracted = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert extracted == sorted(members)  # every member, and nothing else, under its own name
    for path in target.rglob("*"):
        assert path.resolve().is_relative_to(target.resolve()), path
    t = night.demo.tenant
    by_id = {i.id: i for i in night.files()}
    for entry in manifest["files"]:
        data = (target / entry["file"]).read_bytes()
        assert data == t.file_content(by_id[entry["itemId"]]), entry["file"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]


def test_member_names_are_unique_and_safe_everywhere(night: Night) -> None:
    with zipfile.ZipFile(night.zip) as zf:
        members = [i.filename for i in zf.infolist()]
    folded = [unicodedata.normalize("NFC", m).casefold() for m in members]
    assert len(set(folded)) == len(folded)  # no two files become one on Windows or macOS
    folders = {f.rsplit("/", n)[0] for f in folded for n in range(1, f.count("/") + 1)}
    assert not folders & set(folded)  # no file where a folder of the same name must be created
    for member in members:
        assert member == unicodedata.normalize("NFC", member)
        for part in member.split("/"):
            assert part not in ("", ".", "..") and part == part.strip(" .") and len(part.encode()) <= MAX_BYTES
            assert not re.search(r'[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069<>:"\\|?*]', part), part
            assert part.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT¹"}, part


def test_the_manifest_maps_each_member_to_the_item_and_its_original_name(night: Night) -> None:
    by_id = {i.id: i for i in night.files()}
    with zipfile.ZipFile(night.zip) as zf:
        raw_json = zf.read("manifest.json").decode()
        raw_csv = zf.read("manifest.csv").decode()
    assert_inert(raw_json, "manifest.json")
    assert not RAW.search(raw_csv.replace("\r\n", "\n"))
    entries = json.loads(raw_json)["files"]
    assert len({e["file"] for e in entries}) == len(entries)
    for entry in entries:
        item = by_id[entry["itemId"]]
        assert entry["path"].endswith("/" + item.name)
        if "/" not in item.name:
            assert entry["name"] == item.name  # exactly, control characters and all
    assert_inert(raw_csv.replace("\r\n", "\n"), "manifest.csv")
    rows = list(csv.DictReader(io.StringIO(raw_csv)))
    shown = sorted((escape_cell(e["file"]), e["itemId"]) for e in entries)  # "CV ##[error]feil.pdf" as "CV ##\\[…"
    assert sorted((r["file"], r["itemId"]) for r in rows) == shown
    names = {r["itemId"]: r["name"] for r in rows}
    nul = next(i for i in by_id.values() if i.name == "C\x00V.pdf")
    assert names[nul.id] == "C\\x00V.pdf"  # shown escaped in the spreadsheet


def test_member_name_rules() -> None:
    names = MemberNames()
    prefix = ("files", "recruitment")
    assert names.file(prefix, ["Søkere", "Ola"], "..") == "files/recruitment/Søkere/Ola/_"
    assert names.file(prefix, ["Søkere", "Ola"], ".") == "files/recruitment/Søkere/Ola/_ (2)"
    assert names.file(prefix, ["Søkere", "Ola"], "CV.pdf") == "files/recruitment/Søkere/Ola/CV.pdf"
    assert names.file(prefix, ["Søkere", "Ola"], "cv.PDF") == "files/recruitment/Søkere/Ola/cv (2).PDF"
    assert names.file(prefix, ["Søkere", "ola"], "x") == "files/recruitment/Søkere/ola (2)/x"
    assert names.file(prefix, ["Søkere"], "OLA") == "files/recruitment/Søkere/OLA (3)"
    assert names.file(prefix, ["..", ".."], "passwd") == "files/recruitment/_/_/passwd"
    assert [clean(n) for n in ("CON", "con.txt", "Com1.pdf", "LPT¹", "CONSOLE", "a\x00b", "a<b>:c|d?*e")] == \
        ["_CON", "_con.txt", "_Com1.pdf", "_LPT¹", "CONSOLE", "a_b", "a_b__c_d__e"]
    long = names.file(prefix, [], "L" * 400 + ".docx")
    assert long.endswith(".docx") and len(long.rsplit("/", 1)[1].encode()) == MAX_BYTES
    again = names.file(prefix, [], "L" * 400 + ".docx")
    assert again.endswith(" (2).docx") and len(again.rsplit("/", 1)[1].encode()) <= MAX_BYTES
