"""The state store kept in a SharePoint library between runs: a first night, a save, a new runner
that restores and is incremental with the first night's history; and every refusal that protects the
saved history (no restore receipt, a remote file changed since, a damaged download)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from m365_compliance.config.demo import write_demo_config
from m365_compliance.config.load import load_config
from m365_compliance.errors import StateError
from m365_compliance.graph.configured import gateway_settings
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.pipeline.nightly import run_nightly
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.state.remote import receipt_path, restore, save

REMOTE = '\n[state.remote]\nsite_url = "https://tretoen.sharepoint.com/sites/etterlevelse"\nlibrary = "Tilstand"\n'


@pytest.fixture
def world(tmp_path: Path):
    demo = build_demo_tenant()
    site = demo.tenant.add_site("etterlevelse", "Etterlevelse")
    drive = demo.tenant.add_drive(site, "Tilstand")
    demo.tenant.grant_site(site, demo.tenant.access.client_id, ["write"])  # [state.remote] needs write there
    with SandboxServer(demo.tenant) as server:
        policy = tmp_path / "policy.toml"
        write_demo_config(policy, graph_url=server.base_url, state_path="state/state.sqlite")
        policy.write_text(policy.read_text(encoding="utf-8") + REMOTE, encoding="utf-8")
        yield demo, drive, load_config(policy)


def _call(config, operation):
    async def go():
        async with GraphGateway(gateway_settings(config)) as graph:
            return await operation(config, graph)
    return asyncio.run(go())


def _night(config, demo, out: Path):
    return asyncio.run(run_nightly(config, out_dir=out, mode="dry-run", now=demo.tenant.clock))


def _remote_files(demo, drive):
    return [i for i in demo.tenant.walk(drive) if not i.is_folder]


def test_a_new_runner_restores_and_carries_on_where_the_last_night_stopped(world, tmp_path):
    demo, drive, config = world
    assert _call(config, restore).status == "first-run"
    first = _night(config, demo, tmp_path / "n1")
    saved = _call(config, save)
    assert saved.status == "saved" and saved.size > 0
    assert [f.name for f in _remote_files(demo, drive)] == ["m365-compliance-state.sqlite"]

    shutil.rmtree(config.state.path.parent)  # an ephemeral runner: nothing local survives
    restored = _call(config, restore)
    assert restored.status == "restored" and restored.etag == saved.etag
    assert (config.state.path.stat().st_mode & 0o777) == 0o600
    second = _night(config, demo, tmp_path / "n2")
    assert "incremental" in second.stage("inventory").detail
    assert second.figures["drift"].get("new", 0) == 0
    assert second.figures["drift"]["still_failing"] == first.figures["drift"]["new"]
    assert second.figures["alerts"]["stdout"]["offered"] == 0  # nothing told twice
    assert _call(config, save).status == "saved"


def test_save_without_a_restore_is_refused_and_the_remote_kept(world, tmp_path):
    demo, drive, config = world
    _call(config, restore)
    _night(config, demo, tmp_path / "n1")
    _call(config, save)
    before = [(f.id, f.etag) for f in _remote_files(demo, drive)]
    receipt_path(config).unlink()
    with pytest.raises(StateError, match="did not restore"):
        _call(config, save)
    assert [(f.id, f.etag) for f in _remote_files(demo, drive)] == before


def test_a_remote_file_changed_since_the_restore_is_not_overwritten(world, tmp_path):
    demo, drive, config = world
    _call(config, restore)
    _night(config, demo, tmp_path / "n1")
    _call(config, save)
    _call(config, restore)
    remote = _remote_files(demo, drive)[0]
    demo.tenant.write_content(remote, b"another run's state")  # saved by someone else in between
    changed = demo.tenant.item(drive.id, remote.id).etag
    with pytest.raises(StateError, match="changed since"):
        _call(config, save)
    assert demo.tenant.item(drive.id, remote.id).etag == changed


def test_a_damaged_remote_file_never_replaces_the_local_store(world, tmp_path):
    demo, drive, config = world
    _call(config, restore)
    _night(config, demo, tmp_path / "n1")
    _call(config, save)
    local = config.state.path.read_bytes()
    remote = _remote_files(demo, drive)[0]
    demo.tenant.write_content(remote, b"not a database at all" * 100)
    with pytest.raises(StateError, match="not a SQLite database|damaged"):
        _call(config, restore)
    assert config.state.path.read_bytes() == local
    assert not list(config.state.path.parent.glob(".restore-*"))


def test_no_remote_configured_is_a_clear_error(tmp_path):
    config = write_demo_config(tmp_path / "p.toml", graph_url="http://127.0.0.1:9/v1.0", state_path="s.sqlite")
    with pytest.raises(StateError, match=r"\[state.remote\]"):
        asyncio.run(restore(config, None))  # type: ignore[arg-type]
