"""An address that accepts connections and then never answers — or sends headers and trickles the body
a byte at a time — ends the run with one error naming the URL and "no answer within N s", after two
attempts, like a refused connection (test_wrong_address.py). Before the request deadline, the first
held an inventory for 15 minutes of read timeouts and back-off, the second held one request forever:
httpx's read timeout is per read, so a byte every few seconds never trips it.

Each test performs the attack against a real socket (hostile_server.py) with a deadline of 1–2 s and
counts the connections the server received; time is asserted only as a generous upper bound."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile_server import HostileServer, answer, never_answer, steady, trickle

from m365_compliance.cli.main import _register_commands, cli
from m365_compliance.config.demo import write_demo_config
from m365_compliance.graph import GraphGateway, TransportError
from m365_compliance.graph.deadline import RequestDeadlineExceeded
from m365_compliance.graph.errors import NotFound, Unreachable
from m365_compliance.graph.settings import GatewaySettings

_register_commands()

#: Tables an inventory fills from Graph's answers: none may hold a row after an address that never answered.
FILLED_FROM_GRAPH = ("libraries", "items", "permissions", "permission_reads", "principals", "group_members",
                     "register_rows", "gaps", "checkpoints", "staged_items")


def _policy(tmp_path: Path, url: str, deadline: float) -> Path:
    policy = tmp_path / "policy.toml"
    write_demo_config(policy, graph_url=url, state_path="state.sqlite")
    with policy.open("a", encoding="utf-8") as file:
        file.write(f"\n[graph]\nrequest_deadline_seconds = {deadline}\n")
    return policy


def _nothing_stored(store: Path) -> list[str]:
    """The inventory's run is recorded as failed, and nothing read from "Graph" was kept."""
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        assert [r[0] for r in db.execute("SELECT status FROM runs WHERE kind='inventory'")] == ["failed"]
        return [t for t in FILLED_FROM_GRAPH if db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]]


def test_an_address_that_never_answers_stops_every_command_after_two_attempts(tmp_path: Path) -> None:
    with HostileServer(lambda path, index: never_answer) as server:
        url = f"{server.url}/v1.0"
        policy = _policy(tmp_path, url, 1)
        runner = CliRunner()
        started = time.monotonic()
        inventory = runner.invoke(cli, ["inventory", "--config", str(policy), "--verbose"])
        seconds = time.monotonic() - started
        assert inventory.exit_code == 1, inventory.output
        assert f"Could not get an answer from {url} (no answer within 1 s) to resolve the site" in inventory.output
        assert "2 attempts in a row failed" in inventory.output and "hint:" in inventory.output
        assert "request_deadline_seconds" in inventory.output and "Traceback" not in inventory.output
        assert inventory.output.count("no answer within 1 s to resolve the site; retrying") == 1
        assert server.connections == 2  # the first attempt and one retry; no later call was tried at all
        assert seconds < 30  # ~3 s (1 s, back-off 1–2 s, 1 s); was 15 minutes and counting
        assert _nothing_stored(tmp_path / "state.sqlite") == []

        doctor = runner.invoke(cli, ["doctor", "--config", str(policy), "--json"])
        assert doctor.exit_code != 0 and "Traceback" not in doctor.output
        failed = [c for c in json.loads(doctor.stdout)["checks"] if c["status"] == "FAILED"]
        assert [c["detail"] for c in failed] == [
            f"Could not get an answer from {url} (no answer within 1 s) to resolve the site: 2 attempts in a row "
            "failed."]  # one check, not one per probe
        assert server.connections == 4

        run = runner.invoke(cli, ["run", "--config", str(policy), "--out", str(tmp_path / "out")])
        assert run.exit_code == 1 and "(no answer within 1 s)" in run.output, run.output
        assert server.connections == 6


def test_a_body_trickled_a_byte_a_second_stops_the_inventory_after_two_attempts(tmp_path: Path) -> None:
    with HostileServer(lambda path, index: trickle(every=1.0)) as server:
        url = f"{server.url}/v1.0"
        policy = _policy(tmp_path, url, 2)
        started = time.monotonic()
        inventory = CliRunner().invoke(cli, ["inventory", "--config", str(policy)])
        seconds = time.monotonic() - started
        assert inventory.exit_code == 1, inventory.output
        assert f"Could not get an answer from {url} (no answer within 2 s) to resolve the site" in inventory.output
        assert "Traceback" not in inventory.output
        assert server.connections == 2  # was: one request, held for as long as the server kept trickling
        assert seconds < 30  # ~5 s (2 s, back-off 1–2 s, 2 s)
        assert _nothing_stored(tmp_path / "state.sqlite") == []


class _Sleeps:
    """Back-off without waiting (the deadline itself is real: it is what is being tested)."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


def _settings(url: str, **overrides: object) -> GatewaySettings:
    return GatewaySettings(graph_url=f"{url}/v1.0", auth_method="none", ru_per_minute=None, **overrides)


def test_after_an_answer_silence_is_retried_within_the_run_budget_then_a_gap(caplog: pytest.LogCaptureFixture) -> None:
    """The service answered once (a 404), then went silent: that is not a wrong address, so no Unreachable;
    each call is retried while the run's wait budget lasts — the seconds spent waiting for the silent
    attempts count — every retry says so in a warning, and then the call is a TransportError (a gap)."""
    not_found = answer(404, {"error": {"code": "itemNotFound", "message": "The resource could not be found."}})
    with HostileServer(lambda path, index: not_found if index == 0 else never_answer) as server:
        sleeps = _Sleeps()
        # Budget 4 s with a 1 s deadline: attempt 1 (1 s) + back-off 1–2 s ≤ 4 → retry; attempt 2 (2 s) +
        # back-off 1–2 s + 2–4 s > 4 → stop. The next call: 3 s + its first back-off > 4 → no retry at all.
        settings = _settings(server.url, request_deadline_seconds=1, max_retries=10, run_wait_budget_seconds=4)

        async def calls() -> tuple[BaseException, BaseException, BaseException]:
            async with GraphGateway(settings, sleep=sleeps) as gateway:
                outcomes = []
                for site in ("contoso.sharepoint.com:/sites/a:", "b", "c"):
                    try:
                        await gateway.resolve_site(site)
                    except Exception as exc:  # noqa: BLE001 - the outcome is what is asserted
                        outcomes.append(exc)
                return outcomes[0], outcomes[1], outcomes[2]

        with caplog.at_level(logging.INFO, logger="m365_compliance"):
            first, second, third = asyncio.run(calls())
        assert isinstance(first, NotFound)
        assert isinstance(second, TransportError) and not isinstance(second, Unreachable)
        assert "RequestDeadlineExceeded after 1 retries" in str(second)
        assert isinstance(second.__cause__, RequestDeadlineExceeded)
        assert isinstance(third, TransportError) and "after 0 retries" in str(third)
        assert server.connections == 1 + 2 + 1
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert warnings == ["no answer within 1 s to resolve the site; retrying (attempt 2) in "
                            f"{sleeps.slept[0]:.1f}s"]
        assert len(sleeps.slept) == 1


def test_a_download_may_be_slow_but_not_a_trickle(tmp_path: Path) -> None:
    """Downloads have their own rule: headers within the deadline, then every byte buys time at the minimum
    rate (16 KiB/s). 768 KiB over 3 s passes a 1 s deadline; one byte a second is cut off soon after it."""
    item = {"id": "item", "@microsoft.graph.downloadUrl": ""}

    def behave(path: str, index: int):  # type: ignore[no-untyped-def]
        if path.startswith("/v1.0/"):
            return answer(200, item)  # the item, with its pre-authenticated download URL
        return steady(chunks=12, size=64 * 1024, every=0.25) if path == "/steady" else trickle(every=1.0)

    with HostileServer(behave) as server:
        settings = _settings(server.url, request_deadline_seconds=1, max_retries=1)

        async def download(name: str) -> int | BaseException:
            item["@microsoft.graph.downloadUrl"] = f"{server.url}/{name}"
            async with GraphGateway(settings, sleep=_Sleeps()) as gateway:
                try:
                    return await gateway.download_to("drive", "item", tmp_path / name)
                except Exception as exc:  # noqa: BLE001 - the outcome is what is asserted
                    return exc

        assert asyncio.run(download("steady")) == 12 * 64 * 1024
        assert server.paths.count("/steady") == 1
        started = time.monotonic()
        slow = asyncio.run(download("slow"))
        assert isinstance(slow, TransportError) and "RequestDeadlineExceeded after 1 retries" in str(slow), slow
        assert server.paths.count("/slow") == 2  # the attempt and one retry (max_retries = 1)
        assert time.monotonic() - started < 30
