"""Broken policy files through `config check` and `run`: exit 2, the key and what is allowed, no traceback,
and no state store created or changed by a refused run."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import Result
from corpus.config_cases import CASES, CONFIGS, ConfigCase
from corpus.name_cases import LONG_FOLDER, NAMES
from corpus.register_cases import CASES as REGISTER_CASES
from corpus.register_cases import FORMULAS, HEADER, REGISTERS, RegisterCase
from hostile import assert_clear_error, invoke, run_process

from m365_compliance.actions.journal import FORMULA_PREFIXES
from m365_compliance.config import demo_config_text
from m365_compliance.config.demo import write_demo_config
from m365_compliance.rules.findings import Finding
from m365_compliance.sandbox.demo import DemoTenant, build_demo_tenant
from m365_compliance.sandbox.http.malformed import (
    FOREIGN_HOST,
    MALFORMED_KINDS,
    Malformer,
)
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.state.findings_repo import FindingsRepository
from m365_compliance.state.store import StateStore

GRAPH_URL = "http://127.0.0.1:9/v1.0"  # nothing listens: a refused file must fail before any request


def write_case(case: ConfigCase, folder: Path) -> Path:
    path = folder / "policy.toml"
    if case.directory:
        path.mkdir()
        return path
    if case.file is not None:
        source = CONFIGS / case.file
        if source.exists():
            shutil.copyfile(source, path)
            return path
        return folder / case.file
    text = demo_config_text(GRAPH_URL, "state.sqlite")
    for old, new in case.replace:
        assert old in text, f"{case.id}: the demo policy no longer holds {old!r}"
        text = text.replace(old, new, 1)
    path.write_text(text + case.append, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_config_check_refuses_with_the_key_and_what_is_allowed(case: ConfigCase, tmp_path: Path) -> None:
    path = write_case(case, tmp_path)
    text = assert_clear_error(invoke(["config", "check", str(path)]), 2, case.fragments)
    assert "hint:" in text
    if "absent" in case.notes:
        assert case.notes["absent"] not in text


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_run_refuses_before_touching_the_state_store(case: ConfigCase, tmp_path: Path) -> None:
    path = write_case(case, tmp_path)
    state = tmp_path / "state.sqlite"
    with sqlite3.connect(state) as db:  # an existing store a refused run must leave alone
        db.execute("CREATE TABLE witness (x)")
        db.execute("INSERT INTO witness VALUES (1)")
    before = state.read_bytes()
    assert_clear_error(invoke(["run", "--config", str(path), "--out", str(tmp_path / "out")]), 2, case.fragments)
    assert state.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("state")) == ["state.sqlite"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("case_id", ["binary-file", "unknown-nested-key", "directory", "graph-http-off-loopback", "huge-months"])
def test_a_real_process_prints_one_error_and_a_hint(case_id: str, tmp_path: Path) -> None:
    [case] = [c for c in CASES if c.id == case_id]
    path = write_case(case, tmp_path)
    done = run_process(["config", "check", str(path)], tmp_path)
    text = assert_clear_error(done, 2, case.fragments)
    assert [line.split(":")[0] for line in done.stderr.splitlines()] == ["error", "hint"], text


# ====================================================================== registers
LIST_REGISTER = ('source = "list"\nsite_url = "https://tretoen.sharepoint.com/sites/kunder"\n'
                 'list = "Avtaleregister"')


@pytest.fixture(scope="module")
def demo_server() -> Iterator[tuple[DemoTenant, SandboxServer]]:
    demo = build_demo_tenant()
    with SandboxServer(demo.tenant) as server:
        yield demo, server


def night(policy: Path, out: Path, now: datetime, *extra: str) -> tuple[Result, dict[str, Any]]:
    """`run` on the policy; a run-time problem may end it 0, 1, 3 or 4, never with a traceback."""
    result = invoke(["run", "--config", str(policy), "--out", str(out), "--now", now.isoformat(), *extra])
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 3, 4), result.output[-2000:]
    return result, json.loads((out / "run-summary.json").read_text(encoding="utf-8"))


def latest_findings(state: Path) -> list[Finding]:
    with StateStore(state) as store:
        repo = FindingsRepository(store)
        evaluation = repo.latest_evaluation()
        assert evaluation is not None
        return repo.findings_of(evaluation.id)


def assert_no_live_formula(path: Path) -> int:
    """Every text cell of every sheet shows as text: no formula cell, no text a spreadsheet would run."""
    book = openpyxl.load_workbook(path)
    seen = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    seen += 1
                    assert not cell.value.startswith(FORMULA_PREFIXES), (sheet.title, cell.coordinate, cell.value)
    return seen


def write_register(case: RegisterCase, folder: Path) -> Path:
    path = folder / f"register{case.suffix}"
    if case.file is not None:
        shutil.copyfile(REGISTERS / case.file, path)
    else:
        with path.open("w", encoding="utf-8", newline="") as file:
            csv.writer(file).writerows([HEADER, *case.rows])
    return path


@pytest.mark.parametrize("case", REGISTER_CASES, ids=[c.id for c in REGISTER_CASES])
def test_a_broken_register_file_gives_findings_or_a_gap(case: RegisterCase, demo_server, tmp_path: Path) -> None:
    demo, server = demo_server
    register = write_register(case, tmp_path)
    text = demo_config_text(server.base_url, "state.sqlite").replace(
        LIST_REGISTER, f'source = "file"\npath = "{register.name}"')
    policy = tmp_path / "policy.toml"
    policy.write_text(text, encoding="utf-8")
    _, summary = night(policy, tmp_path / "out", demo.tenant.clock)
    findings = latest_findings(tmp_path / "state.sqlite")
    rules = {f.rule_id for f in findings}
    if case.expect == ("gap",):
        assert summary["stages"][0]["status"] == "incomplete", summary["stages"]
        gaps = [f for f in findings if f.rule_id == "coverage.not-evaluated" and f.scope == "register"]
        assert gaps and all(f.status == "not_evaluated" for f in gaps)
        assert case.gap_words in gaps[0].message
        assert not rules & {"c4.invalid-row", "c4.duplicate-row", "c4.unregistered-folder"}  # nothing concluded
    else:
        assert set(case.expect) <= rules, sorted(rules)
    assert_no_live_formula(tmp_path / "out" / "report.xlsx")
    assert "<script>" not in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_hostile_rows_in_the_sharepoint_list_register(tmp_path: Path) -> None:
    demo = build_demo_tenant()
    tenant = demo.tenant
    register = tenant.list_by_name(tenant.site_by_path("tretoen.sharepoint.com", "/sites/kunder"), "Avtaleregister")
    rows = [{"Title": "Hamar Energi AS", "Mappe": "Hamar Energi AS", "AvtaleId": FORMULAS[0], "Startdato": "2020-02-01",
             "Databehandleravtale": FORMULAS[3], "SlettingEtterDager": "-5", "KontaktEpost": "ukjent@ingen.example"},
            {"Title": "<script>alert(1)</script>", "Mappe": "\u202eFDP.exe", "AvtaleId": FORMULAS[1],
             "Startdato": "2020-05-01", "Sluttdato": "2019-01-01", "Databehandleravtale": FORMULAS[4]}]
    for fields in rows:
        tenant.add_list_item(register, fields)
    with SandboxServer(tenant) as server:
        policy = tmp_path / "policy.toml"
        write_demo_config(policy, graph_url=server.base_url, state_path="state.sqlite")
        night(policy, tmp_path / "out", tenant.clock)
    rules = {f.rule_id for f in latest_findings(tmp_path / "state.sqlite")}
    assert {"c4.invalid-row", "c4.duplicate-row", "c4.unknown-contact"} <= rules
    assert assert_no_live_formula(tmp_path / "out" / "report.xlsx") > 0


# ====================================================================== malformed Graph answers
GRAPH_CASES = [(kind, "/root/delta") for kind in MALFORMED_KINDS] + [
    ("html", "/items"), ("wrong-types", "/lists/"), ("foreign-next-link", "/lists/"), ("truncated", "/sites/")]


@pytest.mark.parametrize(("kind", "path"), GRAPH_CASES, ids=[f"{k}-{p.strip('/').replace('/', '-')}" for k, p in GRAPH_CASES])
def test_a_malformed_graph_answer_is_not_evaluated_never_a_crash(kind: str, path: str, demo_server,
                                                                 tmp_path: Path) -> None:
    demo, server = demo_server
    policy = tmp_path / "policy.toml"
    write_demo_config(policy, graph_url=server.base_url, state_path="state.sqlite")
    malformed = server.app.malformed = Malformer()
    malformed.replace_next(path, kind)
    try:
        result, summary = night(policy, tmp_path / "out", demo.tenant.clock, "--full")
    finally:
        server.app.malformed = Malformer()  # an unused replacement must not leak into the next case
    assert malformed.replaced == 1  # the broken answer was sent
    inventory = summary["stages"][0]
    if kind == "huge":  # big but well-formed: read like any page
        assert inventory["status"] == "ok", inventory
        return
    assert inventory["status"] in ("incomplete", "failed"), inventory
    assert result.exit_code in (1, 3, 4), result.exit_code  # 4: the demo's open high findings still count
    if inventory["status"] == "incomplete":
        gaps = [f for f in latest_findings(tmp_path / "state.sqlite") if f.rule_id == "coverage.not-evaluated"]
        assert gaps, "a page that could not be read must show as not evaluated"
        if kind == "foreign-next-link":
            assert any("not followed" in f.message for f in gaps)
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert FOREIGN_HOST.split("//")[1] not in result.output


# ====================================================================== hostile item names
def test_hostile_item_names_are_rendered_safely_everywhere(tmp_path: Path) -> None:
    demo = build_demo_tenant()
    tenant = demo.tenant
    drive = tenant.drives[demo.manifest.recruitment_drive]
    folder = drive.items[demo.manifest.applicants[0].folder_id]
    deep = tenant.add_folder(drive, folder, LONG_FOLDER, created=tenant.clock)
    for _, name in NAMES:
        tenant.add_file(drive, deep if name.startswith("LLL") else folder, name, created=tenant.clock)
        tenant.add_link(tenant.add_file(drive, deep, name, created=tenant.clock), "anonymous")  # a finding each
    with SandboxServer(tenant) as server:
        policy = tmp_path / "policy.toml"
        write_demo_config(policy, graph_url=server.base_url, state_path="state.sqlite")
        result, _ = night(policy, tmp_path / "out", tenant.clock)
        report = invoke(["report", "--config", str(policy), "--out", str(tmp_path / "named"), "--include-names"])
    assert report.exit_code == 0 and "Traceback" not in report.output, report.output[-2000:]
    html = (tmp_path / "named" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, escaped
    assert assert_no_live_formula(tmp_path / "named" / "report.xlsx") > 0
    book = openpyxl.load_workbook(tmp_path / "named" / "report.xlsx")
    texts = {c.value for s in book.worksheets for r in s.iter_rows() for c in r if isinstance(c.value, str)}
    assert any("=HYPERLINK" in t for t in texts)  # the formula-named file is listed, as text
    for _, name in NAMES:
        for words in (result.output, report.output, (tmp_path / "named" / "report.md").read_text(encoding="utf-8"),
                      (tmp_path / "out" / "report.md").read_text(encoding="utf-8")):
            assert name not in words and name[:12] not in words, name
