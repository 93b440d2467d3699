"""The README's first command: the demo runs the pipeline against the bundled tenant; the inventory it
takes equals the tenant's ground truth, and a later night is incremental and sees every change."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.demo import run_demo
from m365_compliance.inventory.service import inventory_from_config
from m365_compliance.inventory.snapshot_load import load_snapshot
from m365_compliance.inventory.spec import inventory_spec
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.demo_access import grant_sharing_delta
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.truth import effective_principals
from m365_compliance.state.store import StateStore


def _inventoried(snapshot, scope):
    s = snapshot.scopes[scope]
    return {i.id: {a.principal.key for a in snapshot.effective_access(s, i)} for i in s.items.values()}


def _read_only(demo) -> None:
    """Every Sites.Selected grant of the app lowered to ``read``: what a dry-run night needs (docs/permissions.md)."""
    t = demo.tenant
    for site in t.sites.values():
        for grant in t.site_grants(site):
            if grant.app_id == t.access.client_id:
                t.update_site_grant(site, grant.id, ["read"])


def test_demo_inventory_equals_ground_truth(tmp_path):
    """The nightly dry run under least privilege with only `read` on each site: complete, nothing refused."""
    demo = build_demo_tenant()
    _read_only(demo)
    outcome = run_demo(tmp_path, demo=demo)
    assert outcome.inventory.result.gaps == []
    assert "403" not in {str(k) for k in outcome.sandbox_stats["statuses"]}, outcome.sandbox_stats["statuses"]
    with StateStore(outcome.config.state.path) as store:
        snapshot = load_snapshot(store, inventory_spec(outcome.config))
    m = demo.manifest
    assert _inventoried(snapshot, "recruitment") == effective_principals(demo.tenant, m.recruitment_drive)
    assert _inventoried(snapshot, "customers") == effective_principals(demo.tenant, m.customers_drive)
    assert len(snapshot.scopes["recruitment"].units()) == len(m.applicants)
    assert len(snapshot.register_rows) == 21
    assert set(snapshot.roles) == {"recruiters", "management", "sales"}
    # Nested groups: the HR group's member is a recruiter through the recruiters group.
    hr_member = f"user:{demo.tenant.groups[m.groups['hr']].members[0]}"
    assert hr_member in snapshot.role_members("recruiters")
    assert outcome.sandbox_stats["writes"] == 0
    assert (tmp_path / "summary.json").exists() and (tmp_path / "policy.toml").exists()


def test_next_night_is_incremental_sees_changes_and_costs_a_fraction(tmp_path):
    demo = build_demo_tenant(items=3000)
    grant_sharing_delta(demo.tenant)  # the incremental night reads only what changed: the sharing-delta mode
    outcome = run_demo(tmp_path, demo=demo)
    full_ru = outcome.sandbox_stats["ruTotal"]
    t, m = demo.tenant, demo.manifest
    drive = t.drive(m.recruitment_drive)
    folder = t.item(drive.id, m.applicants[0].folder_id)
    t.add_link(folder, "anonymous")  # a new sharing link between two nights
    new = t.add_file(drive, folder, "Ny attest.pdf")
    t.touch(t.item(m.customers_drive, m.statutory and next(iter(m.statutory))))
    port = int(outcome.config.tenant.graph_url.rsplit(":", 1)[1].split("/")[0])
    with SandboxServer(t, port=port) as server:  # the same tenant at the same address, the next night
        config = outcome.config
        second = asyncio.run(inventory_from_config(config))
        incremental_ru = server.app.meter.snapshot()["ruTotal"]
    assert {c.kind for c in second.result.crawls} == {"incremental"}, second.result.gaps
    with StateStore(config.state.path) as store:
        snapshot = load_snapshot(store, inventory_spec(config))
    truth = effective_principals(t, m.recruitment_drive)
    assert _inventoried(snapshot, "recruitment") == truth
    assert "anyone:anyone" in truth[new.id]
    assert incremental_ru * 5 < full_ru, (incremental_ru, full_ru)


def test_demo_command_prints_a_summary(tmp_path):
    _register_commands()
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Demo tenant inventoried" in result.output
    assert "0 gaps" in result.output
