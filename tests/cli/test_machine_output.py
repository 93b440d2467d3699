"""``--format json`` on check, plan, apply, run, drift and dsar: one JSON document alone on stdout, valid
against its published schema; ``check --format ocsf``; ``--controls`` and ``--min-severity``; and
``check``'s text that reads as titles and counts, not rule ids and Graph ids."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from machine_schemas import validate

from m365_compliance import __version__
from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config.demo import write_demo_config
from m365_compliance.config.load import load_config
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.state.findings_repo import FindingsRepository
from m365_compliance.state.store import StateStore

_register_commands()
GRAPH_ID = re.compile(r"\b[0-9A-Z]{34}\b")  # a driveItem id as Graph writes it
RULE_ID = re.compile(r"\bc[1-6]\.[a-z-]+")


class Tenant:
    """The demo tenant served for the module, a policy file for it, and the CLI as of its clock."""

    def __init__(self, demo, policy: Path) -> None:
        self.demo, self.policy = demo, policy
        self.now = demo.tenant.clock.isoformat()
        self.config = load_config(policy)

    def cli(self, *args: object) -> Result:
        result = CliRunner().invoke(cli, [str(a) for a in args] + ["--config", str(self.policy)])
        assert "Traceback" not in result.output, result.output
        return result

    def document(self, *args: object, schema: str, exit_code: int = 0) -> dict:
        """Run a command in --format json and return the one document on its stdout, validated."""
        result = self.cli(*args)
        assert result.exit_code == exit_code, result.output
        document = json.loads(result.stdout)  # fails on anything but exactly one JSON document
        validate(document, schema)
        return document


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory):
    where = tmp_path_factory.mktemp("machine")
    demo = build_demo_tenant()
    with SandboxServer(demo.tenant) as server:
        policy = where / "policy.toml"
        write_demo_config(policy, graph_url=server.base_url, state_path="state.sqlite")
        yield Tenant(demo, policy)


@pytest.fixture(scope="module")
def night(tenant: Tenant) -> dict:
    """``run --format json`` once: inventory, check, plan, a dry-run apply, report, drift and alerts."""
    return tenant.document("run", "--now", tenant.now, "--out", tenant.policy.parent / "run-out", "--format", "json",
                           schema="run", exit_code=4)  # the demo has open high findings; [run] fail_on = "high"


def _findings(tenant: Tenant, *args: str) -> dict:
    return tenant.document("check", "--now", tenant.now, "--format", "json", *args, schema="findings")


def test_run_prints_one_document_with_the_stdout_sinks_alerts_inside(tenant, night):
    assert night["kind"] == "m365-compliance.run" and night["exitCode"] == 4
    assert [s["stage"] for s in night["run"]["stages"]] == ["inventory", "check", "plan", "apply", "report", "alerts"]
    # The demo policy has a stdout sink: its records are in the document, not loose on stdout.
    assert night["alerts"] and {a["type"] for a in night["alerts"]} == {"m365-compliance.alert"}
    assert len(night["alerts"]) == night["run"]["alerts"]["stdout"]["delivered"]
    assert sum(night["findings"]["C2"].values()) > 0
    assert night["metadata"]["evaluatedAt"] == datetime.fromisoformat(tenant.now).isoformat()


def test_check_document_is_findings_json_with_its_run_metadata(tenant, night, tmp_path):
    out = tmp_path / "findings.json"
    printed = _findings(tenant, "--json-out", out)
    written = json.loads(out.read_text(encoding="utf-8"))
    validate(written, "findings")
    assert written == printed
    meta = printed["metadata"]
    assert printed["schemaVersion"] == "1.0" and printed["kind"] == "m365-compliance.findings"
    assert meta["policyVersion"] == tenant.config.policy_version and meta["tenantId"] == tenant.config.tenant.tenant_id
    assert meta["toolVersion"] == __version__ and meta["evaluatedAt"] == datetime.fromisoformat(tenant.now).isoformat()
    with StateStore(tenant.config.state.path) as store:
        stored = FindingsRepository(store).latest()
        evaluation = FindingsRepository(store).evaluations()[-1]
    assert meta["evaluationId"] == evaluation.id and meta["snapshotRunId"] == evaluation.snapshot_run_id
    assert sorted(f["id"] for f in printed["findings"]) == sorted(f["id"] for f in stored)
    by_control = Counter((f["control"], f["status"]) for f in printed["findings"])
    for row in printed["controls"]:
        assert sum(row["fail"].values()) == by_control[(row["control"], "fail")]
        assert row["info"] == by_control[(row["control"], "info")]
    assert [row["control"] for row in printed["controls"]] == ["C1", "C2", "C3", "C4", "C5", "C6"]


def test_controls_and_min_severity_narrow_the_output_not_the_evaluation(tenant, night):
    everything = _findings(tenant)
    chosen = _findings(tenant, "--controls", "c1, C3", "--min-severity", "high")
    assert chosen["selection"] == {"controls": ["C1", "C3"], "minSeverity": "high"}
    expected = [f["id"] for f in everything["findings"] if f["control"] in ("C1", "C3") and f["severity"] == "high"]
    assert expected and [f["id"] for f in chosen["findings"]] == expected
    assert [row["control"] for row in chosen["controls"]] == ["C1", "C3"]
    with StateStore(tenant.config.state.path) as store:
        assert len(FindingsRepository(store).latest()) == len(everything["findings"])  # stored whole
    # --fail-on counts only what was selected: C6 holds no open finding, the whole evaluation does.
    assert tenant.cli("check", "--now", tenant.now, "--fail-on", "high").exit_code == 4
    assert tenant.cli("check", "--now", tenant.now, "--controls", "C6", "--fail-on", "high").exit_code == 0
    failing = tenant.document("check", "--now", tenant.now, "--format", "json", "--fail-on", "high", schema="findings",
                              exit_code=4)  # the exit code holds in every format, after the document
    assert failing["findings"] == everything["findings"]


@pytest.mark.parametrize(("option", "value", "listed"), [
    ("--controls", "C1,C9", "unknown control C9; choose from C1, C2, C3, C4, C5, C6"),
    ("--controls", " , ", "no control given; choose from C1, C2, C3, C4, C5, C6"),
    ("--min-severity", "severe", "'severe' is not one of 'low', 'medium', 'high'"),
])
def test_a_bad_selection_is_one_line_listing_the_valid_values(tenant, night, option, value, listed):
    result = tenant.cli("check", "--now", tenant.now, option, value)
    assert result.exit_code == 2 and result.stdout == ""
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and listed in errors[0] and option in errors[0]
    assert "Usage:" not in result.output  # one line and a hint, like every other refusal


def test_check_text_reads_as_titles_and_counts(tenant, night):
    document = _findings(tenant)
    text = tenant.cli("check", "--now", tenant.now).stdout
    lines = text.splitlines()
    for row in document["controls"]:
        line = next(line for line in lines if line.startswith(f"{row['control']}: "))
        assert line.startswith(f"{row['control']}: {sum(row['fail'].values())} failing")
        assert f"{row['notEvaluated']} not evaluated, {row['info']} kept or informational" in line
        for entry in row["toActOn"]:
            assert any(re.fullmatch(rf"\s+{entry['count']} × {re.escape(entry['title'])} \[.*{entry['severity']}\]", l)
                       for l in lines), entry
    assert not GRAPH_ID.search(text) and not RULE_ID.search(text)
    assert not [f["id"] for f in document["findings"] if f["id"] in text]
    assert not [f["path"] for f in document["findings"] if f["path"] and f["path"] in text]
    to_act_on = sum(e["count"] for row in document["controls"] for e in row["toActOn"])
    assert f"{to_act_on} findings to act on" in text


def test_ocsf_detection_findings(tenant, night):
    document = _findings(tenant)
    result = tenant.cli("check", "--now", tenant.now, "--format", "ocsf")
    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)
    validate(events, "ocsf-detection-finding")
    findings = {f["id"]: f for f in document["findings"]}
    assert [e["finding_info"]["uid"] for e in events] == list(findings)
    at = int(datetime.fromisoformat(tenant.now).timestamp() * 1000)
    expected_severity = {"low": 2, "medium": 3, "high": 4}
    for event in events:
        finding = findings[event["finding_info"]["uid"]]
        assert event["class_uid"] == 2004 and event["type_uid"] == 200401 and event["time"] == at
        assert event["severity_id"] == (1 if finding["status"] == "info" else expected_severity[finding["severity"]])
        assert event["status_code"] == finding["status"].upper() and event["status"] == "New"
        assert event["finding_info"]["title"] == finding["displayTitle"]
        assert event["finding_info"]["desc"] == finding["message"]
        assert event["remediation"]["desc"] == finding["remediation"]
        assert event["metadata"]["product"]["name"] == "m365-compliance"
        assert event["cloud"]["account"]["uid"] == tenant.config.tenant.tenant_id
        if finding["itemId"]:
            assert event["resources"] == [{"uid": finding["itemId"], "type": "driveItem",
                                           "group": {"uid": finding["driveId"]}}]
    assert {e["severity_id"] for e in events} >= {1, 2, 3, 4}
    paths = {f["path"] for f in document["findings"] if f["path"]}
    people = {a.person for a in tenant.demo.manifest.applicants} | {a.email for a in tenant.demo.manifest.applicants}
    assert paths and not [p for p in paths if p in result.stdout]
    assert not [p for p in people if p and p in result.stdout]


def test_the_schemas_refuse_what_they_do_not_describe(tenant, night):
    document = _findings(tenant)
    document["findings"][0]["severity"] = "critical"
    with pytest.raises(jsonschema.ValidationError):
        validate(document, "findings")
    event = json.loads(tenant.cli("check", "--now", tenant.now, "--format", "ocsf").stdout)[0]
    with pytest.raises(jsonschema.ValidationError):
        validate([{**event, "path": "Rekruttering/2025-11 Kari Nordmann"}], "ocsf-detection-finding")


def test_plan_and_apply_documents(tenant, night, tmp_path):
    plan_file = tmp_path / "plan.json"
    over = tenant.cli("plan", "--now", tenant.now, "--out", plan_file, "--format", "json")
    assert over.exit_code == 3 and "incomplete: over max_deletions" in over.stderr  # the demo deletes > 10 % at once
    plan = json.loads(over.stdout)
    validate(plan, "plan")
    written = json.loads(plan_file.read_text(encoding="utf-8"))
    assert plan["overLimits"] is True and "max_deletion_share" in [c["limit"] for c in plan["limits"] if c["exceeded"]]
    assert plan["plan"]["id"] == written["id"] and plan["actions"]["total"] == len(written["actions"]) > 0
    assert plan["actions"]["byKind"] == dict(sorted(Counter(a["kind"] for a in written["actions"]).items()))

    loose = tenant.policy.with_name("policy-loose.toml")  # the same store, every deletion within the limits
    text = tenant.policy.read_text(encoding="utf-8")
    loose.write_text(text.replace("max_deletion_share = 0.10", "max_deletion_share = 1.0")
                     .replace("max_deletions = 50", "max_deletions = 1000"), encoding="utf-8")
    within = Tenant(tenant.demo, loose)
    plan = within.document("plan", "--now", tenant.now, "--out", plan_file, "--format", "json", schema="plan")
    assert plan["overLimits"] is False
    applied = within.document("apply", plan_file, "--now", tenant.now, "--format", "json", schema="apply")
    assert applied["apply"]["planId"] == plan["plan"]["id"] and applied["apply"]["executed"] is False
    assert applied["counts"] == dict(sorted(Counter(o["result"] for o in applied["outcomes"]).items()))
    assert applied["awaitingApproval"]  # the demo's disposals wait for a person


def test_drift_documents_and_the_json_shorthand(tenant, night):
    shown = tenant.document("drift", "show", "--now", tenant.now, "--format", "json", schema="drift")
    assert shown["kind"] == "m365-compliance.drift" and shown["entries"]
    assert shown["counts"] == dict(Counter(e["state"] for e in shown["entries"]))
    assert json.loads(tenant.cli("drift", "show", "--now", tenant.now, "--json").stdout) == shown
    finding = shown["entries"][0]["finding"]
    accepted = tenant.cli("drift", "accept", finding, "--now", tenant.now, "--owner", "Daglig leder",
                          "--reason", "Revisjon", "--expires", "2026-12-31")
    assert accepted.exit_code == 0, accepted.output
    listed = tenant.document("drift", "exceptions", "--now", tenant.now, "--format", "json", schema="drift")
    assert [(e["finding"], e["state"]) for e in listed["exceptions"]] == [(finding, "in force")]


def test_dsar_documents_keep_the_subject_out_unless_asked(tenant, night):
    applicant = tenant.demo.manifest.applicants[0]
    opened = tenant.document("dsar", "open", "--subject", applicant.email, "--name", applicant.person, "--kind",
                             "access", "--now", tenant.now, "--format", "json", schema="dsar")
    case = opened["case"]["case"]
    assert opened["step"] == "open" and opened["case"]["kind"] == "access"
    found = tenant.document("dsar", "find", case, "--now", tenant.now, "--out", tenant.policy.parent,
                            "--format", "json", schema="dsar")
    assert found["matches"] and all("path" not in m for m in found["matches"])
    shown = tenant.document("dsar", "show", case, "--show-paths", "--format", "json", schema="dsar")
    assert [m["match"] for m in shown["matches"]] == [m["match"] for m in found["matches"]]
    assert all(m["path"] for m in shown["matches"])
    extended = tenant.document("dsar", "extend", case, "--months", "1", "--reason", "Mange saker",
                               "--now", tenant.now, "--format", "json", schema="dsar")
    assert extended["case"]["extensionMonths"] == 1
    listed = tenant.document("dsar", "list", "--now", tenant.now, "--format", "json", schema="dsar")
    assert [c["case"] for c in listed["cases"]] == [case]
    for document in (opened, found, extended, listed):
        text = json.dumps(document, ensure_ascii=False)
        assert applicant.email not in text and applicant.person not in text
    named = tenant.document("dsar", "list", "--now", tenant.now, "--show-subjects", "--json", schema="dsar")
    assert named["cases"][0]["subject"] == applicant.email


def test_dsar_steps_to_a_closed_access_case_and_an_erasure_plan(tenant, night, tmp_path):
    applicant = tenant.demo.manifest.applicants[1]
    step = {"now": ("--now", tenant.now), "json": ("--format", "json")}
    opened = tenant.document("dsar", "open", "--subject", applicant.email, "--name", applicant.person, "--kind",
                             "access", *step["now"], *step["json"], schema="dsar")
    case = opened["case"]["case"]
    found = tenant.document("dsar", "find", case, "--out", tmp_path, *step["now"], *step["json"], schema="dsar")
    for match in (m for m in found["matches"] if m["status"] == "pending"):
        confirmed = tenant.document("dsar", "confirm", case, "--match", match["match"], *step["now"], *step["json"],
                                    schema="dsar")
        assert confirmed["step"] == "confirm" and confirmed["decided"] == match["match"]
    exported = tenant.document("dsar", "export", case, "--out", tmp_path, *step["now"], *step["json"], schema="dsar")
    archive = Path(exported["export"]["file"])
    assert exported["export"]["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert exported["case"]["exportedItems"] == exported["export"]["files"] > 0
    closed = tenant.document("dsar", "close", case, "--out", tmp_path, *step["now"], *step["json"], schema="dsar")
    assert closed["case"]["status"] == "closed" and all(Path(f).exists() for f in closed["closed"]["files"])

    erasure = tenant.document("dsar", "open", "--subject", applicant.email, "--name", applicant.person, "--kind",
                              "erasure", *step["now"], *step["json"], schema="dsar")["case"]["case"]
    found = tenant.document("dsar", "find", erasure, "--out", tmp_path, *step["now"], *step["json"], schema="dsar")
    for match in (m for m in found["matches"] if m["status"] == "pending"):
        tenant.document("dsar", "confirm", erasure, "--match", match["match"], *step["now"], *step["json"],
                        schema="dsar")
    plan_file = tmp_path / "erasure.json"
    planned = tenant.cli("dsar", "erase", erasure, "--out", plan_file, *step["now"], *step["json"])
    assert planned.exit_code in (0, 3), planned.output  # 3: over a blast-radius limit, said in the document
    document = json.loads(planned.stdout)
    validate(document, "dsar")
    assert document["erasure"]["plan"] == json.loads(plan_file.read_text(encoding="utf-8"))["id"]
    assert (planned.exit_code == 3) == bool(document["erasure"]["overLimits"])
    for body in (opened, found, exported, closed, document):
        text = json.dumps(body, ensure_ascii=False)
        assert applicant.email not in text and applicant.person not in text
