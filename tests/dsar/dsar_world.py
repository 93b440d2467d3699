"""The 321 demo tenant after one night's inventory, served fresh for each test, and the CLI to drive it.

The inventory runs once per session against a demo tenant; every test then gets a newly built demo
tenant (the generator is deterministic: same ids, same eTags) on its own server, a copy of that
state store and a policy file pointing at both, so a test may delete, label and revoke at will.
"""

from __future__ import annotations

import re
import shutil
from contextlib import chdir
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result
from moved_store import move_to

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config.demo import write_demo_config
from m365_compliance.config.load import load_config
from m365_compliance.config.schema import Config
from m365_compliance.sandbox.demo import DemoTenant
from m365_compliance.sandbox.model import Item
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.state.store import StateStore

_register_commands()
STATE = "state.sqlite"
CASE_ID = re.compile(r"dsar-\d{8}-[0-9a-f]{6}")


@dataclass
class World:
    demo: DemoTenant
    server: SandboxServer
    dir: Path
    policy: Path

    @property
    def config(self) -> Config:
        return load_config(self.policy)

    @property
    def now(self) -> str:
        return self.demo.tenant.clock.isoformat()

    def cli(self, *args: object, ok: bool = True) -> Result:
        """``m365-compliance <args> --config <policy>`` as of the tenant's clock."""
        words = [str(a) for a in args]
        with chdir(self.dir):  # files a command writes by default land in the test's folder
            result = CliRunner().invoke(cli, [*words, "--config", str(self.policy)]
                                        + (["--now", self.now] if _takes_now(words) else []))
        assert "Traceback" not in result.output, result.output
        if ok:
            assert result.exit_code == 0, result.output or repr(result.exception)
        return result

    def open(self, email: str, kind: str, *, name: str | None = None, received: str | None = None) -> str:
        args = ["dsar", "open", "--subject", email, "--kind", kind]
        args += ["--name", name] if name else []
        args += ["--received", received] if received else []
        found = CASE_ID.search(self.cli(*args).output)
        assert found is not None
        return found.group(0)

    def set_policy(self, old: str, new: str) -> None:
        text = self.policy.read_text(encoding="utf-8")
        assert old in text
        self.policy.write_text(text.replace(old, new), encoding="utf-8")

    def store(self) -> StateStore:
        return StateStore(self.dir / STATE)

    def subtree(self, drive_id: str, item_id: str) -> list[Item]:
        t = self.demo.tenant
        return list(t.walk(t.drive(drive_id), t.item(drive_id, item_id)))


def _takes_now(words: list[str]) -> bool:
    return (words[:1] == ["dsar"] and words[1:2] != ["show"]) or words[:1] == ["apply"]


def world_from(demo: DemoTenant, server: SandboxServer, pristine: Path, where: Path) -> World:
    """A copy of the pristine store for the same demo tenant, now served at ``server``'s address: the copy is
    moved to that origin (a store refuses any origin but its own, docs/safety.md)."""
    shutil.copy(pristine, where / STATE)
    move_to(where / STATE, server.base_url)
    write_demo_config(where / "policy.toml", graph_url=server.base_url, state_path=STATE)
    return World(demo, server, where, where / "policy.toml")
