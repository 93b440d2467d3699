"""A rerun after a kill never commits an old staged crawl as tonight's picture (issue: an inventory that never
wedges and never lies).

The attack: an incremental night's ``inventory`` process is SIGKILLed while its permission reads (``$batch``)
are in flight — after the recruitment crawl staged its final page with its final delta link. Then a new
applicant folder with a file and an anonymous link appears, and the night is run again. The rerun resumes the
staged crawl, and before committing it follows that final delta link once more, so the folder is in this
night's picture. Run with the demo tenant as it is (per-item mode) and with Sites.FullControl.All granted
(sharing-delta mode, which the resumed night must keep: a resume is no reason to fall back to per-item).
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from crash_world import CLI, KillSwitch, _inventoried, _rerun
from night import new_applicant_with_anonymous_link

from m365_compliance.config.demo import write_demo_config
from m365_compliance.inventory.snapshot_load import load_snapshot
from m365_compliance.inventory.spec import inventory_spec
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.truth import effective_principals
from m365_compliance.state.store import StateStore

FULL_CONTROL = "Sites.FullControl.All"


def _share_a_folder(demo) -> None:
    """A sharing change in the recruitment library, so the incremental night reads permissions there too."""
    t = demo.tenant
    drive = t.drive(demo.manifest.recruitment_drive)
    folder = next(drive.items[c] for c in drive.items[drive.root_id].children or () if drive.items[c].is_folder)
    t.add_link(folder, "organization")


@pytest.mark.parametrize("mode", ["per-item", "sharing-delta"])
def test_a_rerun_after_a_kill_in_the_permission_reads_sees_what_changed_meanwhile(tmp_path, mode):
    demo = build_demo_tenant()
    if mode == "sharing-delta":
        demo.tenant.access.permissions.add(FULL_CONTROL)
    recruitment = demo.manifest.recruitment_drive
    policy = tmp_path / "policy.toml"
    command = [*CLI, "inventory", "--config", str(policy)]
    with SandboxServer(demo.tenant) as server:
        config = write_demo_config(policy, graph_url=server.base_url, state_path="state.sqlite")
        state = config.state.path
        ok, error = _rerun(command, tmp_path)  # the first night
        assert ok, error
        with sqlite3.connect(state) as db:
            assert db.execute("SELECT mode FROM libraries WHERE drive_id=?", (recruitment,)).fetchone() == (mode,)
        if mode == "sharing-delta":
            _share_a_folder(demo)
        killer = KillSwitch(server, writes=False, only=lambda endpoint: "$batch" in endpoint)
        assert killer.run(command, at=1, cwd=tmp_path), "the inventory was not killed at its first $batch"
        with sqlite3.connect(state) as db:  # the attack's moment: the final page and its delta link are staged
            staged = db.execute("SELECT base_delta_link FROM checkpoints WHERE drive_id=?", (recruitment,)).fetchone()
        assert staged is not None and staged[0], "the recruitment crawl had not staged its final delta link"

        folder = new_applicant_with_anonymous_link(demo)  # between the kill and the rerun
        ok, error = _rerun(command, tmp_path)
        assert ok, error

        with sqlite3.connect(state) as db:
            assert db.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0] == 0
            assert db.execute("SELECT COUNT(*) FROM staged_items").fetchone()[0] == 0
            assert db.execute("SELECT 1 FROM items WHERE drive_id=? AND item_id=?", (recruitment, folder)).fetchone()
            assert db.execute("SELECT 1 FROM permissions WHERE drive_id=? AND item_id=? AND link_scope='anonymous'",
                              (recruitment, folder)).fetchone()  # the anonymous link is in tonight's picture
            assert db.execute("SELECT mode FROM libraries WHERE drive_id=?", (recruitment,)).fetchone() == (mode,)
        with StateStore(state) as store:
            snapshot = load_snapshot(store, inventory_spec(config))
        manifest = demo.manifest
        for scope, drive in (("recruitment", manifest.recruitment_drive), ("customers", manifest.customers_drive)):
            assert _inventoried(snapshot, scope) == effective_principals(demo.tenant, drive), scope

        if mode == "sharing-delta":  # the night after: still sharing-delta, still cheap
            ok, error = _rerun(command, tmp_path)
            assert ok, error
            with sqlite3.connect(state) as db:
                modes = {r[0] for r in db.execute("SELECT mode FROM libraries")}
                summary = json.loads(db.execute("SELECT summary FROM runs WHERE kind='inventory' "
                                                "ORDER BY started_at DESC LIMIT 1").fetchone()[0])
            assert modes == {"sharing-delta"}
            assert summary["kinds"] == ["incremental"] and summary["permissionReads"] <= 2, summary
