"""One nightly run of the demo tenant on a real sandbox, reduced to what a fault must not change.

Retry waits run on a clock that moves only when the gateway sleeps on it (the gateway's ``clock``
and ``sleep`` hooks), so Retry-After and back-off are honoured in full without wall time; the
sandbox's slow answers and dropped connections are real.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from azure.core.credentials import TokenCredential
from pseudonym import pin_store_at

from m365_compliance.actions.plan_json import read_plan
from m365_compliance.actions.plan_model import action_to_dict
from m365_compliance.config.demo import write_demo_config
from m365_compliance.config.schema import Config
from m365_compliance.graph.configured import gateway_settings
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.pipeline.nightly import Mode, NightlyOutcome, run_nightly
from m365_compliance.sandbox.server import SandboxServer


class WaitClock:
    """A monotonic clock that moves only when someone sleeps on it; ``waited`` sums the sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waited = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.waited += seconds


@dataclass
class Night:
    outcome: NightlyOutcome
    findings: list[tuple[str, str, str]]  # (id, status, severity), sorted
    plan: dict[str, Any]  # actions, skipped and limits: the plan without its id, time and snapshot run
    graph: dict[str, Any] = field(default_factory=dict)  # the gateway's figures (retries, requests, ...)
    waited: float = 0.0


def demo_config(server: SandboxServer, folder: Path, *, extra: str = "") -> Config:
    from m365_compliance.config.load import load_config

    policy = folder / "policy.toml"
    write_demo_config(policy, graph_url=server.base_url, state_path=str(folder / "state.sqlite"))
    if extra:
        policy.write_text(policy.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    return load_config(policy)


def plan_key(path: Path) -> dict[str, Any]:
    plan = read_plan(path)
    return {"actions": [action_to_dict(a) for a in plan.actions],
            "skipped": sorted((s.subject, s.code) for s in plan.skipped),
            "limits": [(c.limit, c.selected, c.population) for c in plan.limits],
            "scope_items": plan.scope_items}


async def night(server: SandboxServer, config: Config, out: Path, *, mode: Mode = "dry-run", full: bool = False,
                credential: TokenCredential | None = None) -> Night:
    clock = WaitClock()
    now = server.tenant.now
    pin_store_at(config.state.path)  # one key for every night's store: their findings compare by id
    async with GraphGateway(gateway_settings(config), credential=credential, clock=clock,
                            sleep=clock.sleep) as gateway:
        outcome = await run_nightly(config, out_dir=out, mode=mode, now=now, full=full, gateway=gateway)
        graph = gateway.stats.as_dict()
    findings = sorted((f.id, f.status, f.severity) for f in outcome.findings)
    plan = plan_key(outcome.files["plan"]) if "plan" in outcome.files else {}
    return Night(outcome, findings, plan, graph, clock.waited)
