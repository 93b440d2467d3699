"""The GitHub Actions workflows: actionlint passes on every one (this is how CI runs actionlint), and
the nightly job keeps its security properties — least permissions, pinned actions, no overlap,
inputs never interpolated into scripts, short-lived artifacts."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def _actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    assert found, "actionlint is missing: install the test extra (pip install -e '.[test]')"
    return found


def _run_actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_actionlint(), "-no-color", *map(str, files)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=False)


def test_actionlint_passes_on_every_workflow() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "nightly.yml"}
    result = _run_actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_script_injection_and_bad_permissions(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("on: {workflow_dispatch: {inputs: {x: {type: string}}}, issues: {types: [opened]}}\n"
                   "jobs:\n  j:\n    runs-on: ubuntu-24.04\n    permissions: {id-token: wrte}\n"
                   "    steps:\n      - run: echo \"${{ github.event.issue.title }}\"\n", encoding="utf-8")
    result = _run_actionlint(bad)
    assert result.returncode == 1
    assert "potentially untrusted" in result.stdout and "id-token" in result.stdout


def _load(name: str) -> dict:
    data = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    uses = re.findall(r"uses:\s*(\S+)(.*)$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert uses
    for ref, rest in uses:
        assert PINNED.match(ref), f"{ref} is not pinned to a full commit SHA"
        assert re.search(r"#\s*v\d+\.\d+\.\d+", rest), f"{ref} has no version comment"


def test_nightly_permissions_concurrency_and_triggers() -> None:
    nightly = _load("nightly.yml")
    assert nightly["permissions"] == {}
    (job,) = nightly["jobs"].values()
    assert job["permissions"] == {"id-token": "write", "contents": "read", "issues": "write"}
    assert nightly["concurrency"] == {"group": "nightly-compliance", "cancel-in-progress": False}
    (cron,) = [entry["cron"] for entry in nightly["on"]["schedule"]]
    _minute, hour, *every_day = cron.split()
    assert every_day == ["*", "*", "*"]
    winter, summer = (int(hour) + 1) % 24, (int(hour) + 2) % 24  # Norway: UTC+1 (CET), UTC+2 (CEST)
    assert winter <= 5 and summer <= 5  # at night either way
    inputs = nightly["on"]["workflow_dispatch"]["inputs"]
    assert inputs["mode"]["options"] == ["dry-run", "execute"] and inputs["mode"]["default"] == "dry-run"
    assert inputs["inventory"]["options"] == ["incremental", "full"]


def test_nightly_scripts_never_interpolate_expressions() -> None:
    (job,) = _load("nightly.yml")["jobs"].values()
    scripts = [step["run"] for step in job["steps"] if "run" in step]
    assert scripts and not [s for s in scripts if "${{" in s]
    assert any("--mode \"$RUN_MODE\"" in s for s in scripts)


def test_nightly_signs_in_without_a_secret_and_keeps_artifacts_briefly() -> None:
    text = (ROOT / ".github" / "workflows" / "nightly.yml").read_text(encoding="utf-8")
    assert "secrets." not in text  # federated credential: no client secret stored anywhere
    (job,) = _load("nightly.yml")["jobs"].values()
    steps = job["steps"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()" and upload["with"]["retention-days"] <= 7
    assert "run-out/plan.json" in upload["with"]["path"]
    save = next(s for s in steps if "state save" in s.get("run", ""))
    assert save["if"] == "always()" and steps.index(save) == len(steps) - 1
    restore = next(s for s in steps if "state restore" in s.get("run", ""))
    run = next(s for s in steps if "m365-compliance run" in s.get("run", ""))
    assert steps.index(restore) < steps.index(run)
    summary = next(s for s in steps if "GITHUB_STEP_SUMMARY" in s.get("run", "") and "report.md" in s["run"])
    assert summary["if"] == "always()"
