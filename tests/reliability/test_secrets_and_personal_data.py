"""No secret anywhere, and no applicant's or contact's name, e-mail or folder in what people and machines read.

Every command that writes something runs once against the demo tenant (a sandbox that demands the
bearer token), with known secrets planted in the environment and named by the policy file's sinks.
Everything they produce is then searched: terminal output, JSON logs (``-v`` debug included), every
file written, the state store dumped as text, and every request the Teams and GitHub sinks sent.

Names are allowed only where the user asked for them or where the law needs them (``EXEMPT``).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from github_repo import GithubRepo
from receiver import Receiver

from m365_compliance.alerts.github import GithubIssueSink
from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config.demo import write_demo_config
from m365_compliance.graph.credentials import SANDBOX_TOKEN
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.http.app import SandboxOptions
from m365_compliance.sandbox.server import SandboxServer

_register_commands()

CLIENT_SECRET = "cs~Pl4nted-Client-Secret-7f3a9c"
GITHUB_TOKEN = "ghp_Pl4ntedGithubToken0123456789abcdef"
WEBHOOK_PATH = "/webhookb2/pl4nted-hook-9d2e41/IncomingWebhook/5ecret"
ENV = {
    "AZURE_CLIENT_SECRET": CLIENT_SECRET,
    "M365_CLIENT_SECRET": CLIENT_SECRET,
    "M365_GH_TOKEN": GITHUB_TOKEN,
    "GITHUB_TOKEN": GITHUB_TOKEN,
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": GITHUB_TOKEN,
}

#: Outputs that may name people, and why. Everything else must not.
EXEMPT = {
    "report-names/": "report --include-names: the user asked for names",
    "check --show-paths": "check --show-paths: the user asked for paths",
    "findings.json": "check --json-out: the evaluated findings with paths, for the operator (0600)",
    "snapshot.json": "check --snapshot-out: the inventory as evaluated (0600)",
    "state.sqlite": "the state store: the evidence itself (0600)",
    "dsar/": "DSAR case files: the subject's own request and answer (0600)",
    "dsar open": "dsar open echoes the case the operator just typed in",
}


@dataclass
class Outputs:
    texts: dict[str, str] = field(default_factory=dict)  # what → text (command output or file)
    files: list[Path] = field(default_factory=list)
    people: set[str] = field(default_factory=set)
    secrets: set[str] = field(default_factory=set)
    root: Path = Path()

    def exempt(self, what: str) -> bool:
        return any(what.startswith(prefix) or f"/{prefix}" in what for prefix in EXEMPT)


def _policy(path: Path, graph_url: str, api_url: str) -> None:
    write_demo_config(path, graph_url=graph_url, state_path="state.sqlite")
    text = path.read_text(encoding="utf-8")
    sinks = ('[[alerts.sinks]]\ntype = "teams"\nurl_env = "M365_TEAMS_URL"\n\n'
             f'[[alerts.sinks]]\ntype = "github"\nrepo = "tretoen/compliance"\ntoken_env = "M365_GH_TOKEN"\n'
             f'api_url = "{api_url}"\n\n'
             '[[alerts.sinks]]\ntype = "email"\nto = ["personvern@tretoen.no"]\nfrom_user = "compliance@tretoen.no"\n\n'
             '[[alerts.sinks]]\ntype = "stdout"')
    path.write_text(text.replace('[[alerts.sinks]]\ntype = "stdout"', sinks), encoding="utf-8")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outputs]:
    root = tmp_path_factory.mktemp("security")
    demo = build_demo_tenant()
    manifest = demo.manifest
    contact_ids = {uid for c in manifest.customers for uid in c.contacts}
    people = {a.person for a in manifest.applicants if a.person} | {a.email for a in manifest.applicants if a.email}
    people |= {a.name for a in manifest.applicants if a.name}
    people |= {mail for mail, uid in manifest.users.items() if uid in contact_ids}
    found = Outputs(people=people, root=root)
    previous = os.umask(0o022)
    teams, github = Receiver(), Receiver()
    options = SandboxOptions(require_token=True, token=SANDBOX_TOKEN)
    with pytest.MonkeyPatch.context() as mp, teams, github, SandboxServer(demo.tenant, options) as server:
        github.router = GithubRepo(github.url)
        webhook = teams.url + WEBHOOK_PATH
        found.secrets = {CLIENT_SECRET, GITHUB_TOKEN, WEBHOOK_PATH, webhook, SANDBOX_TOKEN}
        for name, value in {**ENV, "M365_TEAMS_URL": webhook}.items():
            mp.setenv(name, value)
        # GitHub asks for a second between writes; the sink's pacing is not what this test is about.
        mp.setitem(GithubIssueSink.__init__.__kwdefaults__, "write_interval", 0.0)
        mp.setenv("CI", "true")  # JSON logs, as in the nightly job
        mp.chdir(root)
        policy = root / "policy.toml"
        _policy(policy, server.base_url, github.url)
        now = ["--now", demo.tenant.clock.isoformat()]
        cfg = ["--config", str(policy)]
        steps: list[tuple[str, list[str]]] = [
            ("demo", ["demo", "--out", str(root / "demo-out"), "-v"]),
            ("inventory", ["inventory", *cfg, "-v"]),
            ("check", ["check", *cfg, *now, "--json-out", "findings.json", "--snapshot-out", "snapshot.json"]),
            ("check --show-paths", ["check", *cfg, *now, "--show-paths"]),
            ("plan", ["plan", *cfg, *now, "--out", "plan.json"]),
            ("apply", ["apply", "plan.json", *cfg, *now, "-v"]),
            ("apply --execute", ["apply", "plan.json", *cfg, *now, "--execute", "-v"]),
            ("report", ["report", *cfg, *now, "--out", "report"]),
            ("report --include-names", ["report", *cfg, *now, "--out", "report-names", "--include-names"]),
            ("alert", ["alert", *cfg, *now]),
            ("drift show", ["drift", "show", *cfg, *now]),
            ("drift show --json", ["drift", "show", *cfg, *now, "--json"]),
            ("journal export csv", ["journal", "export", *cfg, "--format", "csv", "journal.csv"]),
            ("journal export json", ["journal", "export", *cfg, "--format", "json", "journal.json"]),
            ("dsar open", ["dsar", "open", *cfg, *now, "--subject", manifest.applicants[0].email, "--kind",
                           "access", "--name", manifest.applicants[0].person]),
            ("dsar list", ["dsar", "list", *cfg, *now]),
            ("dsar list --json", ["dsar", "list", *cfg, *now, "--json"]),
            ("doctor", ["doctor", *cfg, "-v"]),
            ("run", ["run", *cfg, *now, "--out", "run-out", "-v"]),
            ("run --mode execute", ["run", *cfg, *now, "--mode", "execute", "--out", "run-exec", "-v"]),
        ]
        try:
            for what, args in steps:
                result = CliRunner().invoke(cli, args, catch_exceptions=False)
                assert result.exit_code in (0, 3, 4), f"{what}: exit {result.exit_code}\n{result.output}"
                found.texts[f"{what} (stdout)"] = result.stdout
                found.texts[f"{what} (stderr)"] = result.stderr
        finally:
            os.umask(previous)
        for request in teams.requests + github.requests:
            found.texts[f"sent {request.method} {request.path}"] = request.text + "\n" + "\n".join(
                f"{k}: {v}" for k, v in request.headers.items() if k != "authorization")
            assert request.headers.get("authorization", "") in ("", f"Bearer {GITHUB_TOKEN}",
                                                                  f"token {GITHUB_TOKEN}")
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        found.files.append(path)
        rel = path.relative_to(root).as_posix()
        if path.suffix in (".sqlite", ".sqlite-wal", ".sqlite-shm") or path.name.endswith(("-wal", "-shm")):
            if path.suffix == ".sqlite":
                with sqlite3.connect(path) as db:
                    found.texts[rel] = "\n".join(db.iterdump())
        elif path.suffix in (".xlsx", ".zip"):
            found.texts[rel] = _unzipped(path)
        else:
            found.texts[rel] = path.read_text(encoding="utf-8", errors="replace")
    yield found


def _unzipped(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())


def test_every_command_ran_and_every_sink_was_reached(outputs: Outputs):
    sent = [k for k in outputs.texts if k.startswith("sent ")]
    assert any("/webhookb2/" in k for k in sent) and any("/issues" in k for k in sent), sent
    for name in ("plan.json", "findings.json", "report/report.html", "report/report.xlsx", "report/report.md",
                 "run-out/run-summary.json", "demo-out/summary.json", "demo-out/alerts.jsonl", "journal.csv",
                 "journal.json", "state.sqlite"):
        assert name in outputs.texts, f"{name} was not written"
    assert any('"level": "debug"' in t for k, t in outputs.texts.items() if k.endswith("(stderr)"))


def test_no_secret_token_or_webhook_url_anywhere(outputs: Outputs):
    leaks = {what: sorted(s for s in outputs.secrets if s in text) for what, text in outputs.texts.items()}
    assert not {k: v for k, v in leaks.items() if v}, leaks


def test_no_personal_data_outside_the_exempt_outputs(outputs: Outputs):
    leaks = {what: sorted(p for p in outputs.people if p in text)
             for what, text in outputs.texts.items() if not outputs.exempt(what)}
    assert not {k: v for k, v in leaks.items() if v}


def test_the_exempt_outputs_do_hold_names_so_the_search_can_find_them(outputs: Outputs):
    for what in ("report-names/report.html", "findings.json", "check --show-paths (stdout)"):
        assert any(p in outputs.texts[what] for p in outputs.people), what


def test_files_that_hold_personal_data_or_evidence_are_private(outputs: Outputs):
    """Written under umask 022; plan.json holds ids only and is meant for review (docs/security.md)."""
    public = {"policy.toml", "plan.json", "demo-out/policy.toml", "demo-out/plan.json", "run-out/plan.json",
              "run-exec/plan.json"}
    loose = {p.relative_to(outputs.root).as_posix(): oct(stat.S_IMODE(p.stat().st_mode)) for p in outputs.files
             if stat.S_IMODE(p.stat().st_mode) & 0o077 and p.relative_to(outputs.root).as_posix() not in public}
    assert not loose, "\n".join(f"{k} {v}" for k, v in sorted(loose.items()))
    made = {p.parent for p in outputs.files} - {outputs.root}
    open_dirs = {d.relative_to(outputs.root).as_posix(): oct(stat.S_IMODE(d.stat().st_mode)) for d in made
                 if stat.S_IMODE(d.stat().st_mode) & 0o077}
    assert not open_dirs, sorted(open_dirs.items())


def test_the_state_store_and_its_wal_and_shm_are_private_even_with_umask_0(tmp_path: Path):
    previous = os.umask(0o000)
    try:
        from m365_compliance.state.store import StateStore

        with StateStore(tmp_path / "new" / "state.sqlite") as store:
            store.db.execute("CREATE TABLE IF NOT EXISTS probe (x)")
            store.db.execute("INSERT INTO probe VALUES (1)")
            store.db.commit()
            made = [p for p in (tmp_path / "new").iterdir()]
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in made}
    finally:
        os.umask(previous)
    assert {"state.sqlite", "state.sqlite-wal", "state.sqlite-shm"} <= set(modes)
    assert all(mode == 0o600 for mode in modes.values()), modes
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
