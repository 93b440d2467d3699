"""The nightly pipeline under faults gives the same findings and plan as a clean run (issue: Faults).

Every test runs the real pipeline (``run_nightly``) over HTTP against the sandbox demo tenant (~300
items); a clean run of an identical demo tenant is the reference.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from azure.core.credentials import AccessToken
from fault_world import Night, demo_config, night

from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.http.app import SandboxOptions
from m365_compliance.sandbox.http.faults import FAULT_KINDS, FaultPlan
from m365_compliance.sandbox.server import SandboxServer

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Night:
    import asyncio

    folder = tmp_path_factory.mktemp("clean")
    with SandboxServer(build_demo_tenant().tenant) as server:
        result = asyncio.run(night(server, demo_config(server, folder), folder / "out"))
        assert server.app.meter.snapshot()["writes"] == 0
    assert result.graph["retries"] == 0 and result.findings and result.plan["actions"]
    return result


@pytest.mark.parametrize(("rate", "seed"), [(0.10, 11), (0.30, 12)])
async def test_faults_change_neither_findings_nor_plan(clean: Night, tmp_path, rate: float, seed: int) -> None:
    plan = FaultPlan(rate=rate, kinds=FAULT_KINDS, seed=seed, slow_seconds=0.02)
    with SandboxServer(build_demo_tenant().tenant, SandboxOptions(faults=plan)) as server:
        faulty = await night(server, demo_config(server, tmp_path), tmp_path / "out")
        stats = server.app.meter.snapshot()
    assert [s.status for s in faulty.outcome.stages] == [s.status for s in clean.outcome.stages]
    assert faulty.findings == clean.findings
    assert faulty.plan == clean.plan
    assert stats["writes"] == 0
    injected = stats["faults"]
    assert all(injected.get(kind, 0) > 0 for kind in FAULT_KINDS), injected
    # Each fault that failed a request (all but the slow ones) cost one retry, and none was fatal.
    assert faulty.graph["retries"] == sum(injected.values()) - injected["slow"]


async def test_an_expired_delta_token_gives_a_full_crawl_and_the_same_findings(tmp_path) -> None:
    demo = build_demo_tenant()
    with SandboxServer(demo.tenant) as server:
        config = demo_config(server, tmp_path)
        first = await night(server, config, tmp_path / "night1")
        second_clean = await night(server, config, tmp_path / "night2")
        assert "incremental" in second_clean.outcome.stages[0].detail
        for drive_id in (demo.manifest.recruitment_drive, demo.manifest.customers_drive):
            demo.tenant.expire_delta_tokens(demo.tenant.drives[drive_id])
        third = await night(server, config, tmp_path / "night3")
        statuses = server.app.meter.snapshot()["statuses"]
    inventory = third.outcome.stages[0]
    assert inventory.status == "ok" and "full" in inventory.detail, inventory
    assert statuses.get("410", 0) >= 2  # each drive's stored token was refused once
    assert third.findings == first.findings
    assert third.plan["actions"] == first.plan["actions"]


def _drive_state(server: SandboxServer, drive_id: str) -> dict[str, tuple[int, bool, str | None]]:
    drive = server.tenant.drives[drive_id]
    return {i.id: (i.version, i.deleted, i.parent_id) for i in drive.items.values()}


#: Applicant deletions approved by the policy file, and a share limit the demo's backlog fits in.
POLICY_EDITS = (("auto_approve_applicant_deletions = false", "auto_approve_applicant_deletions = true"),
                ("max_deletion_share = 0.10", "max_deletion_share = 0.5"))


async def _execute_night(tmp_path, *, deny_recruitment: bool) -> tuple[Night, SandboxServer, dict, dict]:
    demo = build_demo_tenant()
    with SandboxServer(demo.tenant) as server:
        config = demo_config(server, tmp_path)
        policy = tmp_path / "policy.toml"
        text = policy.read_text(encoding="utf-8")
        for old, new in POLICY_EDITS:
            assert old in text
            text = text.replace(old, new)
        policy.write_text(text, encoding="utf-8")
        from m365_compliance.config.load import load_config

        config = load_config(policy)
        assert config.limits.auto_approve_applicant_deletions
        recruitment = demo.manifest.recruitment_drive
        await night(server, config, tmp_path / "dry-run")  # the state store now knows the site's items
        if deny_recruitment:
            demo.tenant.access.denied_sites.add(demo.tenant.drives[recruitment].site_id)
        before = _drive_state(server, recruitment)
        result = await night(server, config, tmp_path / "out", mode="execute")
        return result, server, before, _drive_state(server, recruitment)


async def test_an_unreachable_site_is_not_evaluated_and_nothing_in_it_is_deleted(tmp_path) -> None:
    # The same night with the site reachable deletes applicant folders there: the check below can fail.
    reachable, server, before, after = await _execute_night(tmp_path / "reachable", deny_recruitment=False)
    assert reachable.outcome.stage("apply").status == "ok"
    assert any(e.startswith("DELETE") for e in server.app.meter.snapshot()["requestsByEndpoint"])
    assert after != before

    denied, server, before, after = await _execute_night(tmp_path / "denied", deny_recruitment=True)
    stats = server.app.meter.snapshot()
    assert after == before  # no item of the unreachable site changed, none went to the recycle bin
    assert not any(e.startswith("DELETE") for e in stats["requestsByEndpoint"]), stats["requestsByEndpoint"]
    assert denied.outcome.stage("apply").status == "ok" and denied.outcome.figures["apply"].get("done", 0) > 0
    assert denied.outcome.stages[0].status == "incomplete"
    recruitment = {f for f in denied.outcome.findings if f.scope == "recruitment"}
    assert recruitment and all(f.status == "not_evaluated" for f in recruitment if f.rule_id.startswith("coverage"))
    assert {f.control for f in recruitment if f.status == "not_evaluated"} >= {"C1", "C2"}
    assert not any(f.status == "pass" for f in recruitment)  # unreadable is never "compliant"
    # The customers scope was still read, judged as on the reachable night, and its approved actions done.
    customers = sorted((f.id, f.status) for f in denied.outcome.findings if f.scope == "customers")
    assert customers == sorted((f.id, f.status) for f in reachable.outcome.findings if f.scope == "customers")
    assert any(f.status == "fail" for f in denied.outcome.findings if f.scope == "customers")


class RotatingIssuer:
    """Stands in for Entra: hands out the sandbox's current token and, after ``rotate_after`` token
    requests, revokes it through the operator window. Like an azure-identity credential it serves
    its cached token until asked with ``claims`` (a claims challenge), then fetches a new one."""

    def __init__(self, server: SandboxServer, rotate_after: int) -> None:
        self._server = server
        self._rotate_after = rotate_after
        self.generation = 1
        self._cached = self.issued
        self.requests = 0
        self.challenges: list[str] = []

    @property
    def issued(self) -> str:
        return f"sandbox-token-{self.generation}"

    def get_token(self, *scopes: str, claims: str | None = None, **kwargs: Any) -> AccessToken:
        self.requests += 1
        if self.requests == self._rotate_after:
            self.generation += 1
            httpx.post(f"{self._server.origin}/_sandbox/token", json={"token": self.issued}).raise_for_status()
        if claims:
            self.challenges.append(claims)
            self._cached = self.issued
        return AccessToken(self._cached, int(time.time()) + 3600)

    def close(self) -> None:
        """Nothing to release."""


async def test_a_token_revoked_mid_run_is_replaced_and_the_run_completes(clean: Night, tmp_path) -> None:
    options = SandboxOptions(require_token=True, token="sandbox-token-1")
    with SandboxServer(build_demo_tenant().tenant, options) as server:
        issuer = RotatingIssuer(server, rotate_after=40)
        result = await night(server, demo_config(server, tmp_path), tmp_path / "out", credential=issuer)
        statuses = server.app.meter.snapshot()["statuses"]
    assert issuer.generation == 2 and issuer.challenges  # revoked mid-run, and the challenge reached it
    assert all(json.loads(c)["access_token"]["nbf"]["essential"] for c in issuer.challenges)
    assert statuses.get("401") == len(issuer.challenges)  # one refused request per challenge, each resent once
    assert [s.status for s in result.outcome.stages] == [s.status for s in clean.outcome.stages]
    assert result.findings == clean.findings
    assert result.plan == clean.plan


async def test_a_refused_token_without_a_challenge_is_an_authentication_error(tmp_path) -> None:
    """Nothing to re-acquire: the run says the credential was refused instead of retrying blindly."""
    options = SandboxOptions(require_token=True, token="another-token")
    with SandboxServer(build_demo_tenant().tenant, options) as server:
        result = await night(server, demo_config(server, tmp_path), tmp_path / "out")
        statuses = server.app.meter.snapshot()["statuses"]
    assert result.outcome.stages[0].status in ("incomplete", "failed")
    assert not any(f.status == "pass" for f in result.outcome.findings)  # unreadable is never compliant
    assert set(statuses) == {"401"}
    assert result.graph["requests"] == statuses["401"] and result.graph["retries"] == 0  # no blind resend
