"""A night of the 321 demo tenant to attack: its state store, policy file and plan, and the same tenant
served again at the same address for the commands that follow (the next morning)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import chdir, contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result

from m365_compliance.actions.plan_json import read_plan
from m365_compliance.actions.plan_model import Plan
from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config.load import load_config
from m365_compliance.config.schema import Config
from m365_compliance.demo import run_demo
from m365_compliance.sandbox.demo import DemoTenant, build_demo_tenant
from m365_compliance.sandbox.demo_access import grant_sharing_delta
from m365_compliance.sandbox.model import Item
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.state.findings_repo import FindingsRepository
from m365_compliance.state.store import StateStore

_register_commands()
#: The demo policy made to act: removals on, limits wide enough for the demo's backlog.
ACTING = (("remove_grants = []", 'remove_grants = ["C1", "C3"]'), ("max_deletion_share = 0.10", "max_deletion_share = 0.9"),
          ("max_deletions = 50", "max_deletions = 500"))


@dataclass
class Night:
    demo: DemoTenant
    out: Path
    port: int

    @property
    def policy(self) -> Path:
        return self.out / "policy.toml"

    @property
    def config(self) -> Config:
        return load_config(self.policy)

    @property
    def store_path(self) -> Path:
        return self.out / "state.sqlite"

    @property
    def now(self) -> str:
        return self.demo.tenant.clock.isoformat()

    @property
    def plan_path(self) -> Path:
        return self.out / "plan.json"

    def plan(self) -> Plan:
        return read_plan(self.plan_path)

    def edit_policy(self, *pairs: tuple[str, str]) -> None:
        text = self.policy.read_text(encoding="utf-8")
        for old, new in pairs:
            assert old in text, old
            text = text.replace(old, new)
        self.policy.write_text(text, encoding="utf-8")

    @contextmanager
    def served(self) -> Iterator[SandboxServer]:
        with SandboxServer(self.demo.tenant, port=self.port) as server:
            yield server

    def cli(self, *args: object, now: bool = True, extra: tuple[str, ...] = ()) -> Result:
        """``m365-compliance <args> --config <policy>`` as of the tenant's clock (``now=False``: the command's own)."""
        clock = ["--now", self.now] if now else []
        with chdir(self.out):  # files a command writes by default land in the night's folder, not the repository
            result = CliRunner().invoke(cli, [str(a) for a in args] + ["--config", str(self.policy), *clock, *extra])
        assert "Traceback" not in result.output, result.output
        return result

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.store_path)

    def latest_evaluation(self) -> str:
        """The id of the evaluation made last (wall time): a night's evaluations share its ``--now``."""
        with StateStore(self.store_path) as store:
            latest = FindingsRepository(store).latest_evaluation()
        assert latest is not None
        return latest.id

    def item(self, path: str) -> Item | None:
        """The live item at ``library/folder/…/name`` (e.g. "Avtaler/Mjøsbanken ASA/Avtale signert.pdf")."""
        library, *parts = path.split("/")
        tenant = self.demo.tenant
        drive = next(d for d in tenant.drives.values() if d.name == library)
        node = drive.items[drive.root_id]
        for part in parts:
            node = next((drive.items[c] for c in node.children or () if drive.items[c].name == part), None)
            if node is None:
                return None
        return node

    def alive(self, item_id: str) -> bool:
        return any(item_id in d.items for d in self.demo.tenant.drives.values())

    def in_recycle_bin(self, item_id: str) -> bool:
        return any(item_id in e.item_ids for e in self.demo.tenant.recycle_bin.values())


def first_night(out: Path, *, acting: bool = True, prepare: Callable[[DemoTenant], None] | None = None) -> Night:
    """The demo's nightly run (inventory, check, plan, dry run …) into ``out``; its policy made to act.
    ``prepare`` changes the tenant before the night (an attack planted in the tenant)."""
    demo = build_demo_tenant()
    grant_sharing_delta(demo.tenant)  # pins the sharing-delta picture (docs/permissions.md)
    if prepare is not None:
        prepare(demo)
    outcome = run_demo(out, demo=demo)
    port = int(outcome.config.tenant.graph_url.rsplit(":", 1)[1].split("/")[0])
    night = Night(demo, out, port)
    if acting:
        night.edit_policy(*ACTING)
    return night


def new_applicant_with_anonymous_link(demo: DemoTenant) -> str:
    """A change between two nights that must be seen: a new applicant folder shared with anyone; its id."""
    t = demo.tenant
    drive = t.drive(demo.manifest.recruitment_drive)
    base = next(drive.items[c] for c in drive.items[drive.root_id].children or () if drive.items[c].name == "Søkere")
    folder = t.add_folder(drive, base, "2026-11 Ny Søker")
    t.add_file(drive, folder, "CV.pdf")
    t.add_link(folder, "anonymous")
    return folder.id
