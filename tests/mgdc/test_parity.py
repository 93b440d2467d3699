"""Graph crawl and MGDC ingest of one sandbox tenant give the same findings; nothing is planned from MGDC."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner

from m365_compliance.actions.plan_json import read_plan
from m365_compliance.cli.main import cli
from m365_compliance.config.load import load_config
from m365_compliance.exit_codes import OK
from m365_compliance.engine.engines import EmbeddedEngine
from m365_compliance.engine.evaluation import evaluate_partitions
from m365_compliance.engine.partitions import Partition
from m365_compliance.graph.configured import gateway_settings
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.inventory.snapshot import MGDC_SOURCE
from m365_compliance.inventory.snapshot_load import inventory_run, load_context
from m365_compliance.inventory.spec import inventory_spec
from m365_compliance.mgdc.loader import MgdcScopeLoader
from m365_compliance.mgdc.partitions import prepare_mgdc_run
from m365_compliance.rules.service import CheckOutcome, check_from_config
from m365_compliance.state.inventory_repo import InventoryRepository
from m365_compliance.state.tenancy import open_store
from mgdc_parity import mgdc_policy, normalised
from night import Night


def invoke(*args: object) -> object:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture(scope="module")
def both(graph_night: Night, delivery: Path) -> tuple[CheckOutcome, CheckOutcome, Path]:
    now = graph_night.demo.tenant.clock
    from_graph = check_from_config(graph_night.config, now)
    policy = mgdc_policy(graph_night, "parity")
    with graph_night.served():
        result = invoke("inventory", "--config", policy, "--now", now.isoformat(), "--source", "mgdc", "--path",
                        delivery)
    assert result.exit_code == OK.code, result.output
    return from_graph, check_from_config(load_config(policy), now), policy


def test_graph_crawl_and_mgdc_ingest_give_the_same_findings(both: tuple[CheckOutcome, CheckOutcome, Path]) -> None:
    from_graph, from_mgdc, _ = both
    assert len(from_graph.findings) > 100
    assert {s.source for s in from_mgdc.snapshot.scopes.values()} == {MGDC_SOURCE}
    assert normalised(from_mgdc.findings, from_mgdc.snapshot) == normalised(from_graph.findings, from_graph.snapshot)


def test_every_access_finding_of_the_crawl_is_found_in_the_delivery(
        both: tuple[CheckOutcome, CheckOutcome, Path]) -> None:
    """The exposures (anyone and organisation links, guests, outsiders) by rule and path: none missed."""
    from_graph, from_mgdc, _ = both
    exposures = {(f.rule_id, f.path, f.status) for f in from_graph.findings if f.control in ("C1", "C3")}
    assert exposures and exposures == {(f.rule_id, f.path, f.status) for f in from_mgdc.findings
                                       if f.control in ("C1", "C3")}


def test_nothing_is_planned_from_an_mgdc_picture(both: tuple[CheckOutcome, CheckOutcome, Path],
                                                  graph_night: Night) -> None:
    _, _, policy = both
    plan = graph_night.out / "mgdc-plan.json"
    with graph_night.served():
        invoke("plan", "--config", policy, "--now", graph_night.now, "--out", plan)
    planned = read_plan(plan)
    assert planned.actions == ()
    assert any(s.code == "stale_picture" and "MGDC" in s.reason for s in planned.skipped)


def test_workers_reading_the_delivery_find_what_the_stored_mgdc_picture_gives(
        both: tuple[CheckOutcome, CheckOutcome, Path], graph_night: Night, delivery: Path) -> None:
    """The distributed path stores no item: each partition reads its library from the delivery. Its findings are
    those of ``inventory --source mgdc`` then ``check``, ids and all (both name items by the same MGDC ids)."""
    _, from_ingest, _ = both
    config = load_config(mgdc_policy(graph_night, "direct"))
    now = graph_night.demo.tenant.clock

    async def drive() -> dict[str, MgdcScopeLoader]:
        async with GraphGateway(gateway_settings(config)) as gateway:
            with open_store(config) as store:
                result, loaders = await prepare_mgdc_run(gateway, store, inventory_spec(config), str(delivery),
                                                         now=now, max_age=config.mgdc.max_age,
                                                         tenant_id=config.tenant.tenant_id)
        assert result.gaps == []
        return loaders

    with graph_night.served():
        loaders = asyncio.run(drive())
    with open_store(config) as store:
        context = load_context(store, inventory_run(store))
        assert InventoryRepository(store).item_count() == 0  # nothing of the libraries was stored
    partitions = [Partition(name, loader) for name, loader in sorted(loaders.items())]
    gathered = evaluate_partitions(context, partitions, config, now, EmbeddedEngine())
    assert [f.as_dict() for f in gathered.findings] == [f.as_dict() for f in from_ingest.findings]
