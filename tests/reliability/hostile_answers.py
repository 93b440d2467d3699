"""Hostile or broken Graph answers on every answer path, through a tampering proxy: the matrix the tests
run a part of and ``scripts/hostile_answers.py`` runs whole.

Each case serves the demo tenant, breaks the first answer of one path in one way, runs an inventory
through the service layer, and reports what it left: no exception escaped, the break became a gap
naming the request and what was wrong, the store is intact, and a clean inventory afterwards is
complete again.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
from tamper import Tamper

from m365_compliance.config.demo import write_demo_config
from m365_compliance.graph.configured import gateway_settings
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.inventory.service import inventory_from_config
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.server import SandboxServer

#: Which answer each path breaks: the first request whose URL path matches.
PATHS: dict[str, re.Pattern[str]] = {
    "site": re.compile(r"/v1\.0/sites/.*:$"),  # host:/sites/name: (facts §3.1)
    "libraries": re.compile(r"/v1\.0/sites/[^/]+/drives$"),
    "delta page": re.compile(r"/root/delta"),
    "$batch envelope": re.compile(r"/\$batch$"),
    "$batch item": re.compile(r"/\$batch$"),
    "children": re.compile(r"/children$"),
    "list items": re.compile(r"/lists/[^/]+/items$"),
    "directory page": re.compile(r"/transitiveMembers$"),
}
LIMIT = 200_000  # the answer size limit the cases run with (the real one is 64 MiB)
DEEP = b'{"value": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"  # far past the parser's recursion limit


def _without_ids(body: dict[str, Any]) -> dict[str, Any]:
    if isinstance(body.get("value"), list):
        return {**body, "value": [{k: v for k, v in e.items() if k != "id"} if isinstance(e, dict) else e
                                  for e in body["value"]]}
    return {k: v for k, v in body.items() if k != "id"}


#: How each answer is broken: a new body (JSON), or raw bytes.
SHAPES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "html": lambda body: b"<html><body><h1>Service Unavailable</h1></body></html>",
    "list, not an object": lambda body: [body],
    "value not a list": lambda body: {**body, "value": {"0": body.get("value")}, "id": ["not", "a", "string"]},
    "missing ids": _without_ids,
    "nested too deep": lambda body: DEEP,
    "too large": lambda body: {**body, "padding": "x" * (LIMIT + 1)},
}
#: What the gap must say was wrong, by shape.
SAID = {"html": "not a JSON object", "list, not an object": "not a JSON object", "value not a list": "malformed",
        "missing ids": "malformed", "nested too deep": "nested deeper", "too large": "more than the 200,000"}


@dataclass
class Outcome:
    path: str
    shape: str
    broken: bool = False  # the proxy broke an answer
    escaped: str | None = None  # an exception that left the inventory (a traceback on the command line)
    gap: str | None = None  # the gap (or stopping error) that names it
    named: bool = False  # the gap names the request and what was wrong
    store_ok: bool = False
    recovered: bool = False  # a clean inventory afterwards is complete

    @property
    def clean(self) -> bool:
        return self.broken and self.escaped is None and self.named and self.store_ok and self.recovered


#: A $batch envelope holds ``responses``, not ``value``: its breaks of the list and of the ids aim there.
ENVELOPE_SHAPES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "value not a list": lambda body: {**body, "responses": {"0": body.get("responses")}},
    "missing ids": lambda body: {**body, "responses": [{k: v for k, v in r.items() if k != "id"}
                                                       for r in body.get("responses") or ()]},
}
SAID_ENVELOPE = {"value not a list": "without a readable response", "missing ids": "without a readable response"}
PLACEHOLDER = "__broken__"


def _rewrite(path: str, shape: str) -> tuple[Callable[[httpx.Request, dict[str, Any]], Any], list[int]]:
    done: list[int] = []

    def rewrite(request: httpx.Request, body: dict[str, Any]) -> Any:
        if done or not PATHS[path].search(request.url.path):
            return None
        if path == "$batch item":
            responses = body.get("responses") or []
            target = next((r for r in responses if isinstance(r.get("body"), dict)), None)
            if target is None:
                return None
            broken = SHAPES[shape](target["body"])
            done.append(1)
            rest = [r for r in responses if r is not target]
            if not isinstance(broken, bytes):
                return {**body, "responses": [{**target, "body": broken}, *rest]}
            if shape == "html":  # an HTML page where the item's JSON body belongs: a string, not an object
                return {**body, "responses": [{**target, "body": broken.decode()}, *rest]}
            text = json.dumps({**body, "responses": [{**target, "body": PLACEHOLDER}, *rest]})
            return text.replace(json.dumps(PLACEHOLDER), broken.decode()).encode()  # raw JSON inside the envelope
        done.append(1)
        if path == "$batch envelope" and shape in ENVELOPE_SHAPES:
            return ENVELOPE_SHAPES[shape](body)
        return SHAPES[shape](body)

    return rewrite, done


def run_case(workdir: Path, path: str, shape: str) -> Outcome:
    outcome = Outcome(path, shape)
    demo = build_demo_tenant()
    with SandboxServer(demo.tenant) as server:
        config = write_demo_config(workdir / "policy.toml", graph_url=server.base_url, state_path="state.sqlite")
        settings = replace(gateway_settings(config), max_answer_bytes=LIMIT)
        rewrite, done = _rewrite(path, shape)

        async def tampered() -> list[str]:
            async with GraphGateway(settings, transport=Tamper(rewrite)) as graph:
                result = await inventory_from_config(config, gateway=graph)
            return [f"{g.operation}: {g.message}" for g in result.result.gaps]

        try:
            gaps = asyncio.run(tampered())
        except Exception as error:  # noqa: BLE001 - what escaped is the finding
            outcome.escaped = f"{type(error).__name__}: {error}"[:300]
            gaps = []
        outcome.broken = bool(done)
        outcome.gap = next((g for g in gaps if "Graph answered" in g), None)
        said = SAID_ENVELOPE.get(shape, SAID[shape]) if path == "$batch envelope" else SAID[shape]
        outcome.named = outcome.gap is not None and "when asked to" in outcome.gap and said in outcome.gap
        with sqlite3.connect(config.state.path) as db:
            outcome.store_ok = db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        clean = asyncio.run(inventory_from_config(config))
        outcome.recovered = not clean.result.gaps
    return outcome
