"""The report over several nights of the demo: drift (new, still failing, fixed) with the 72-hour
breach warning, accepted and expired exceptions with their owners, the trend, the actions journaled
in the period and a sink that failed to deliver."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from report_page import Page

from m365_compliance.actions.service import apply_from_config, plan_from_config
from m365_compliance.alerts.model import Delivery
from m365_compliance.config.load import load_config
from m365_compliance.demo import run_demo
from m365_compliance.drift.alert_log import AlertLog
from m365_compliance.drift.exceptions import ExceptionRepository
from m365_compliance.inventory.service import inventory_from_config
from m365_compliance.report.data import build_report_data
from m365_compliance.report.html import render_html
from m365_compliance.report.markdown import render_markdown
from m365_compliance.report.xlsx import render_xlsx
from m365_compliance.rules.service import check_from_config
from m365_compliance.sandbox.demo import build_demo_tenant
from m365_compliance.sandbox.demo_access import grant_sharing_delta
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.state.findings_repo import FindingsRepository
from m365_compliance.state.store import StateStore

OWNER = "=cmd|' /C calc'!A0"  # an owner typed as a formula: the workbook must show it as text
REASON = "<script>alert(1)</script> revisor trenger tilgang"
WEBHOOK = "https://example.webhook.office.com/webhookb2/secret-token"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("history")
    demo = build_demo_tenant()
    grant_sharing_delta(demo.tenant)  # pins the sharing-delta picture (docs/permissions.md)
    outcome = run_demo(tmp, demo=demo)
    t, m = demo.tenant, demo.manifest
    policy = outcome.policy_path
    policy.write_text(policy.read_text(encoding="utf-8").replace("max_deletion_share = 0.10", "max_deletion_share = 0.9")
                      .replace("max_deletions = 50", "max_deletions = 200"), encoding="utf-8")
    config = load_config(policy)
    port = int(config.tenant.graph_url.rsplit(":", 1)[1].split("/")[0])
    with SandboxServer(t, port=port):
        asyncio.run(plan_from_config(config, tmp / "plan.json", now=t.clock))  # night 2: a plan (and its evaluation)
        asyncio.run(apply_from_config(config, tmp / "plan.json", execute=False, now=t.clock, actor="nightly"))
        # ... rehearsed; then before night 3 a guest grant is removed and an applicant folder shared with anyone.
        guest = next(s for s in m.stray if s.scope == "recruitment" and s.kind == "guest")
        t.remove_grant(t.item(m.recruitment_drive, guest.item_id), guest.grant_id)
        shared = next(a for a in m.applicants if a.state == "within")
        t.add_link(t.item(m.recruitment_drive, shared.folder_id), "anonymous")
        asyncio.run(inventory_from_config(config))
    third = check_from_config(config, t.clock)
    with StateStore(config.state.path) as store:
        repo = FindingsRepository(store)
        before = repo.findings_of(repo.previous_evaluation(third.evaluation_id).id)
        accepted = next(f for f in third.findings if f.rule_id == "c4.duplicate-row")
        lapsed = next(f for f in third.findings if f.rule_id == "c4.row-without-folder")
        today = t.clock.date()
        exceptions = ExceptionRepository(store)
        exceptions.accept(accepted.id, owner=OWNER, reason=REASON, expires=today + timedelta(days=30), today=today,
                          accepted_by="Marte Olsen")
        exceptions.accept(lapsed.id, owner="Kari Nordmann", reason="Rydding avtalt", today=today - timedelta(days=40),
                          expires=today - timedelta(days=10))
        AlertLog(store).record(third.evaluation_id, Delivery("teams", failed=("x:new",),
                                                             error=f"HTTP 500 from {WEBHOOK}"), (), at=t.clock)
    return demo, config, before, third, shared, guest, accepted, lapsed


def _data(config, now, **options):
    with StateStore(config.state.path) as store:
        return build_report_data(store, config, now=now, **options)


@pytest.fixture(scope="module")
def data(history):
    demo, config, *_ = history
    return _data(config, demo.tenant.clock)


def test_drift_new_fixed_still_failing_and_the_breach_warning(history, data):
    _demo, _config, before, third, shared, guest, _accepted, _lapsed = history
    page = Page(render_html(data, "en"))
    states = {k: int(v["count"]) for k, v in page.tables["drift-counts"].by_key().items()}
    new = {f.id for f in third.findings if f.is_open} - {f.id for f in before if f.is_open}
    fixed = {f.id for f in before if f.is_open} - {f.id for f in third.findings if f.is_open}
    assert new and fixed
    assert states["new"] == len(new) and states["fixed"] == len(fixed)
    assert states["still_failing"] == sum(1 for f in third.findings if f.is_open and f.id not in new) - 2  # 2 accepted/expired
    entries = page.tables["drift-entries"].by_key()
    assert {k for k, v in entries.items() if v["drift"].startswith("new")} == new
    assert {k for k, v in entries.items() if v["drift"] == "fixed"} == fixed
    assert next(f for f in before if f.id in fixed).item_id == guest.item_id
    # The new anonymous link on an applicant's folder exposes applicant data: the 72-hour warning names it.
    breach = page.tables["drift-entries"].by_key()[next(iter(new))]
    assert "72 h" in breach["drift"] and breach["reference"] == shared.folder_id
    assert "Possible personal data breach" in page.text
    assert next(iter(new)) in render_markdown(data, "en")


def test_exceptions_show_owner_reason_expiry_and_are_escaped(history, data):
    _demo, _config, _before, _third, _shared, _guest, accepted, lapsed = history
    text = render_html(data, "nb")
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    rows = Page(text).tables["exceptions"].by_key()
    assert rows[accepted.id]["owner"] == OWNER and rows[accepted.id]["state"] == "gjelder"
    assert rows[lapsed.id]["state"] == "utløpt" and rows[lapsed.id]["owner"] == "Kari Nordmann"
    drift = Page(text).tables["drift-counts"].by_key()
    assert drift["accepted"]["count"] == "1" and drift["expired"]["count"] == "1"
    md = render_markdown(data, "nb")
    assert "Kari Nordmann" not in md and "alert(1)" not in md  # owners stay out of the job summary
    book = load_workbook(BytesIO(render_xlsx(data, "en")))
    ws = book["Exceptions"]
    values = {r[0].value: [c.value for c in r] for r in ws.iter_rows(min_row=2)}
    assert values[accepted.id][2] == "'" + OWNER  # escaped: shown as text, never run as a formula
    assert all(not str(c.value).startswith(("=", "+", "@")) for w in book.worksheets for r in w.iter_rows()
               for c in r if isinstance(c.value, str))


def test_trend_has_one_point_per_night(history, data):
    """The three evaluations of this history ran on one day (the tenant's clock): the trend keeps the last of it,
    and says it is the first night instead of drawing a lone dot."""
    _demo, config, *_ = history
    with StateStore(config.state.path) as store:
        evaluations = FindingsRepository(store).evaluations()
    assert len(evaluations) == 3 and len({e.evaluated_at.astimezone(data.tz).date() for e in evaluations}) == 1
    page = Page(render_html(data, "en"))
    assert [k for k, _ in page.tables["trend"].rows] == [evaluations[-1].id]
    assert "First night: the trend is drawn from the next night's run." in page.text
    book = load_workbook(BytesIO(render_xlsx(data, "en")))
    assert book["Trend"].max_row - 1 == 1


def test_actions_and_alert_failures_in_the_period(history):
    _demo, config, *_ = history
    with StateStore(config.state.path) as store:
        from m365_compliance.actions.journal import Journal
        journal = Journal(store).entries()
    outcomes = [e for e in journal if e["event"] == "outcome"]
    assert outcomes and all(e["mode"] == "dry_run" for e in outcomes)
    now = datetime.now(UTC) + timedelta(minutes=1)  # the journal is stamped with the wall clock
    page = Page(render_html(_data(config, now), "en"))
    rows = page.tables["actions"].rows
    assert sum(int(r["count"]) for _, r in rows) == len(outcomes)
    assert {r["mode"] for _, r in rows} == {"dry run"}
    failures = page.tables["alert-failures"].by_key()
    assert failures["teams"]["failed_attempts"] == "1"
    assert "secret-token" not in page.text and "[URL]" in failures["teams"]["last_error"]
    # A period that starts after everything was journaled shows nothing.
    empty = _data(config, now + timedelta(days=400))
    assert empty.actions.total() == 0 and empty.alert_failures == ()
