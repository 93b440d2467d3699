"""The nightly pipeline in one call: inventory → check → plan → apply → report → alerts.

Each stage's outcome is kept, and a stage that fails does not hide the others' evidence: when the
inventory fails, no plan is made from a stale picture (and so nothing is applied), but the report and
the alerts still run over what the state store holds, saying what was not evaluated. Apply executes
only approved actions (auto-approval is the policy file's), within its limits, and only with
``mode="execute"``; otherwise it is a dry run of the same plan.

The verdict (:meth:`NightlyOutcome.verdict`, from the one exit-code table): 1 a stage failed; 4 an open
finding at or above ``[run] fail_on``; 3 the run was incomplete (inventory gaps, an apply a limit stopped or
whose actions failed, a sink that failed); else 0. Its reason names the stages or findings that decided it,
so a run that exits 4 while every stage is ``ok`` says which findings did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from m365_compliance.config.schema import Config
from m365_compliance.clock import refuse_future_execution
from m365_compliance.errors import ComplianceError, LimitExceeded
from m365_compliance.exit_codes import ERROR, INCOMPLETE, OK, Verdict
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.inventory.run import ProgressFn
from m365_compliance.inventory.service import InventoryOutcome, inventory_from_config
from m365_compliance.private_files import private_dir
from m365_compliance.rules.fail_on import NEVER, fail_on_verdict
from m365_compliance.rules.findings import Finding
from m365_compliance.state.lock import StoreLock

log = logging.getLogger(__name__)

Mode = Literal["dry-run", "execute"]
StageStatus = Literal["ok", "incomplete", "failed", "skipped"]
PLAN_FILE = "plan.json"


@dataclass(frozen=True)
class Stage:
    name: str
    status: StageStatus
    detail: str  # counts and ids only
    hint: str | None = None


@dataclass
class NightlyOutcome:
    """What each stage did; ``findings`` are the run's evaluation (empty when check did not run); ``fail_on``
    is ``[run] fail_on`` of the policy file the run used."""

    mode: Mode
    out_dir: Path
    fail_on: str = NEVER
    stages: list[Stage] = field(default_factory=list)
    findings: tuple[Finding, ...] = ()
    evaluation_id: str | None = None
    snapshot_run_id: str | None = None  # the inventory run the evaluation judged
    files: dict[str, Path] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    inventory: InventoryOutcome | None = None

    def stage(self, name: str) -> Stage | None:
        return next((s for s in self.stages if s.name == name), None)

    def verdict(self) -> Verdict:
        """How the run ends: the exit code from the table and the one line that says why."""
        failed = [s for s in self.stages if s.status == "failed"]
        unfinished = "; ".join(f"{s.name}: {_clause(s.detail)}" for s in self.stages if s.status == "incomplete")
        also = f" Also incomplete: {unfinished}." if unfinished else ""
        if len(failed) == 1:
            return Verdict(ERROR, f"the {failed[0].name} stage failed: {_clause(failed[0].detail)}.{also}")
        if failed:
            return Verdict(ERROR, f"the {' and '.join(s.name for s in failed)} stages failed: "
                                  + "; ".join(f"{s.name}: {_clause(s.detail)}" for s in failed) + "." + also)
        over = fail_on_verdict(self.findings, self.fail_on, f'[run] fail_on = "{self.fail_on}"')
        if over is not None:
            return Verdict(over.exit, over.reason + also)
        if unfinished:
            return Verdict(INCOMPLETE, f"{unfinished}.")
        threshold = "" if self.fail_on == NEVER else f"; no open finding at or above {self.fail_on}"
        return Verdict(OK, f"every stage ran{threshold}.")

    def summary(self) -> dict[str, Any]:
        """run-summary.json: the verdict (``exitCode``, ``verdict``, ``reason``) first, then each stage."""
        return {**self.verdict().as_dict(), "mode": self.mode, "evaluation": self.evaluation_id,
                "stages": [{"stage": s.name, "status": s.status, "detail": s.detail} for s in self.stages],
                "files": {k: v.name for k, v in self.files.items()}, **self.figures}


def _clause(text: str) -> str:
    """A stage's detail as part of a sentence (its own full stop dropped)."""
    return text.rstrip(". ")


async def run_nightly(config: Config, *, out_dir: Path, mode: Mode, now: datetime, full: bool = False,
                      gateway: GraphGateway | None = None, progress: ProgressFn | None = None,
                      report_url: str | None = None) -> NightlyOutcome:
    """Run every stage against the tenant of ``config`` (or ``gateway``), writing plan and report to ``out_dir``."""
    from m365_compliance.graph.configured import gateway_settings

    if mode == "execute":
        refuse_future_execution(now)
    private_dir(out_dir)  # the report and the run summary are evidence
    with StoreLock(config.state.path, "run"):  # held across every stage; they take it again inside
        if gateway is None:
            async with GraphGateway(gateway_settings(config)) as graph:
                return await _stages(config, out_dir, mode, now, full, graph, progress, report_url)
        return await _stages(config, out_dir, mode, now, full, gateway, progress, report_url)


async def _stages(config: Config, out_dir: Path, mode: Mode, now: datetime, full: bool, gateway: GraphGateway,
                  progress: ProgressFn | None, report_url: str | None) -> NightlyOutcome:
    outcome = NightlyOutcome(mode, out_dir, config.run.fail_on)
    inventoried = await _inventory(config, gateway, now, full, progress, outcome)
    if inventoried:
        plan_path = await _plan(config, out_dir, now, gateway, outcome)
        if plan_path is not None:
            await _apply(config, plan_path, mode, now, gateway, outcome)
    else:
        outcome.stages += [Stage("plan", "skipped", "no plan from a picture the inventory could not refresh"),
                           Stage("apply", "skipped", "nothing planned")]
    _report(config, out_dir, now, outcome)
    await _alert(config, now, gateway, report_url, outcome)
    return outcome


async def _inventory(config: Config, gateway: GraphGateway, now: datetime, full: bool, progress: ProgressFn | None,
                     outcome: NightlyOutcome) -> bool:
    try:
        done = await inventory_from_config(config, full=full, progress=progress, gateway=gateway, now=now)
    except ComplianceError as error:
        outcome.stages.append(Stage("inventory", "failed", error.message, error.hint))
        return False
    outcome.inventory = done
    result = done.result
    kinds = sorted({c.kind for c in result.crawls})
    outcome.figures["inventory"] = {**result.summary(), "items": done.items_total}
    outcome.figures["graph"] = {k: v for k, v in done.graph_stats.items() if k != "calls"}
    status: StageStatus = "incomplete" if result.gaps else "ok"
    outcome.stages.append(Stage("inventory", status, f"{'/'.join(kinds) or 'no'} crawl, {done.items_total} items, "
                                                     f"{len(result.gaps)} gaps"))
    return True


async def _plan(config: Config, out_dir: Path, now: datetime, gateway: GraphGateway,
                outcome: NightlyOutcome) -> Path | None:
    from m365_compliance.actions.service import plan_from_config

    path = out_dir / PLAN_FILE
    try:
        planned = await plan_from_config(config, path, now=now, gateway=gateway)  # evaluates (check) first
    except ComplianceError as error:
        outcome.stages.append(Stage("plan", "failed", error.message, error.hint))
        return None
    outcome.evaluation_id, outcome.findings = planned.evaluation_id, planned.findings
    outcome.snapshot_run_id = planned.plan.snapshot_run_id
    open_findings = sum(f.is_open for f in outcome.findings)
    outcome.stages.append(Stage("check", "ok", f"{len(outcome.findings)} findings, {open_findings} open"))
    outcome.stages.append(Stage("plan", "ok", f"{len(planned.plan.actions)} actions, {len(planned.plan.skipped)} "
                                              "skipped"))
    outcome.files["plan"] = path
    return path


async def _apply(config: Config, plan_path: Path, mode: Mode, now: datetime, gateway: GraphGateway,
                 outcome: NightlyOutcome) -> None:
    from m365_compliance.actions.service import apply_from_config

    try:
        result = await apply_from_config(config, plan_path, execute=mode == "execute", now=now,
                                         actor="m365-compliance run", gateway=gateway)
    except LimitExceeded as stop:  # held back by a limit before any change: incomplete, as `apply` says
        outcome.stages.append(Stage("apply", "incomplete", stop.message, stop.hint))
        return
    except ComplianceError as error:  # another policy version, a plan not recorded: nothing was written
        outcome.stages.append(Stage("apply", "failed", error.message, error.hint))
        return
    counts = result.counts()
    outcome.figures["apply"] = {"mode": result.mode, **counts}
    detail = ", ".join(f"{k} {v}" for k, v in counts.items()) or "nothing to do"
    failed = counts.get("failed", 0)
    outcome.stages.append(Stage("apply", "incomplete" if failed else "ok", f"{result.mode}: {detail}",
                                "the failed actions are tried again by the next apply" if failed else None))


def _report(config: Config, out_dir: Path, now: datetime, outcome: NightlyOutcome) -> None:
    from m365_compliance.report.service import write_report

    try:
        files = write_report(config, out_dir, now=now, lang=config.policy.language)
    except ComplianceError as error:
        outcome.stages.append(Stage("report", "failed", error.message, error.hint))
        return
    outcome.files.update({f"report.{p.suffix.lstrip('.')}": p for p in files.files})
    outcome.stages.append(Stage("report", "ok", ", ".join(p.name for p in files.files)))


async def _alert(config: Config, now: datetime, gateway: GraphGateway, report_url: str | None,
                 outcome: NightlyOutcome) -> None:
    from m365_compliance.drift.service import alert_from_config

    if not config.alerts.sinks:
        outcome.stages.append(Stage("alerts", "skipped", "no [[alerts.sinks]] configured"))
        return
    try:
        drift, told = await alert_from_config(config, now, gateway=gateway, report_url=report_url)
    except ComplianceError as error:
        outcome.stages.append(Stage("alerts", "failed", error.message, error.hint))
        return
    outcome.figures["drift"] = dict(drift.counts())
    outcome.figures["alerts"] = told.summary()
    failed = [d.sink for d in told.deliveries if not d.ok]
    offered = sum(len(a) for a in told.offered.values())
    detail = f"{offered} alerts to {len(told.offered)} sinks" + (f"; failed: {', '.join(failed)}" if failed else "")
    outcome.stages.append(Stage("alerts", "incomplete" if failed else "ok", detail,
                                "the failed alerts are offered again next run" if failed else None))
