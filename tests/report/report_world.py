"""The demo after its first night (inventory + check), as the report tests read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from m365_compliance.config.schema import Config
from m365_compliance.demo import run_demo
from m365_compliance.report.data import build_report_data
from m365_compliance.report.model import ReportData
from m365_compliance.rules.findings import Finding
from m365_compliance.sandbox.demo import DemoTenant, build_demo_tenant
from m365_compliance.sandbox.demo_access import grant_sharing_delta
from m365_compliance.state.findings_repo import FindingsRepository
from m365_compliance.state.store import StateStore


@dataclass(frozen=True)
class DemoState:
    demo: DemoTenant
    config: Config

    @property
    def now(self) -> datetime:
        return self.demo.tenant.clock  # the instant the demo evaluated at

    def findings(self) -> list[Finding]:
        with StateStore(self.config.state.path) as store:
            repo = FindingsRepository(store)
            latest = repo.latest_evaluation()
            assert latest is not None
            return repo.findings_of(latest.id)

    def data(self, **options: object) -> ReportData:
        with StateStore(self.config.state.path) as store:
            return build_report_data(store, self.config, now=self.now, **options)  # type: ignore[arg-type]


def first_night(tmp_path) -> DemoState:
    demo = build_demo_tenant()
    grant_sharing_delta(demo.tenant)  # pins the sharing-delta picture (docs/permissions.md)
    outcome = run_demo(tmp_path, demo=demo)
    return DemoState(demo, outcome.config)
