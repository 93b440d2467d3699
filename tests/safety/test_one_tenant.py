"""Invariant 5: one tenant, one store (docs/safety.md).

The attacks: tenant B's policy file pointed at tenant A's state store; tenant A's plan applied with
tenant B's policy file in B's sandbox; A's store opened against another Graph origin, and a stored
delta link that points at another origin.
"""

from __future__ import annotations

import shutil

from night import Night, first_night

from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.server import SandboxServer

TENANT_A = "3f2a3210-0000-4000-8000-000000000321"
TENANT_B = "3f2a3210-0000-4000-8000-00000000b0b0"


def _counts(night: Night) -> tuple[int, int, int]:
    with night.db() as db:
        return tuple(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("runs", "journal", "plans"))


def test_another_tenants_policy_file_is_refused_by_every_command(night: Night):
    before = _counts(night)
    night.edit_policy((TENANT_A, TENANT_B))
    with night.served() as server:
        results = [night.cli("inventory", now=False), night.cli("check"), night.cli("plan", "--out", night.out / "b.json"),
                   night.cli("apply", night.plan_path, "--execute"),
                   night.cli("run", "--mode", "execute", "--out", night.out / "b")]
        stats = server.app.meter.snapshot()
    for result in results:
        assert result.exit_code != 0 and f"belongs to tenant {TENANT_A}" in result.output, result.output
        assert "hint:" in result.output
    assert stats["writes"] == 0 and not night.demo.tenant.retention_events
    assert _counts(night) == before  # the store is exactly as it was


def test_a_plan_of_tenant_a_never_acts_in_tenant_b(tmp_path):
    a = first_night(tmp_path / "a")
    b = first_night(tmp_path / "b")  # B is a tenant of its own, with its own store …
    b.demo.tenant.tenant_id = TENANT_B  # … and its own tenant id
    b.edit_policy((TENANT_A, TENANT_B))
    shutil.rmtree(b.out / "state.sqlite", ignore_errors=True)
    for stale in b.out.glob("state.sqlite*"):
        stale.unlink()
    with b.served() as server:
        assert b.cli("inventory", now=False).exit_code in (0, 3)
        b.cli("approve", a.plan_path, "--by", "Mallory", "--class", "customer_disposal", now=False)
        applied = b.cli("apply", a.plan_path, "--execute")
        stats = server.app.meter.snapshot()
    assert applied.exit_code == 2 and "was not made by `m365-compliance plan` with this state store" in applied.output
    assert stats["writes"] == 0 and not b.demo.tenant.retention_events and not b.demo.tenant.recycle_bin


def test_a_store_is_never_used_against_another_graph_origin(night: Night):
    before = _counts(night)
    other = SandboxServer(build_demo_tenant().tenant)
    with other:  # the same tenant id answering at another address
        night.edit_policy((f"127.0.0.1:{night.port}", f"127.0.0.1:{other.base_url.split(':')[2].split('/')[0]}"))
        result = night.cli("inventory", now=False)
        stats = other.app.meter.snapshot()
    assert result.exit_code == 1 and "was made against Graph at http://127.0.0.1:" in result.output
    assert stats["requests"] == 0  # not one request (and not one token) went to the other origin
    assert _counts(night) == before


def test_a_stored_delta_link_to_another_origin_is_never_followed(night: Night):
    other = SandboxServer(build_demo_tenant().tenant)
    with other, night.served():
        with night.db() as db:  # the store's own origin is right; one library's stored link is not
            db.execute("UPDATE libraries SET delta_link=? WHERE scope='recruitment'",
                       (f"{other.base_url}/drives/x/root/delta?token=stolen",))
        result = night.cli("inventory", now=False)
        stats = other.app.meter.snapshot()
    assert stats["requests"] == 0  # no request, and no token, went to the other origin
    assert result.exit_code == 3 and "[recruitment] delta" in result.output, result.output
    with night.db() as db:
        gap = db.execute("SELECT message FROM gaps WHERE scope='recruitment' AND operation='delta'").fetchone()
    assert gap is not None and "outside" in gap[0] and "not followed" in gap[0]
