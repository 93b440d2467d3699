"""Data-subject requests from a policy file: what each ``dsar`` command calls (one function each).

These open the state store (and the Graph gateway where a step talks to the tenant: a tenant-wide
search, an export, an erasure's apply); what they decide is in the modules they call. ``gateway``
may be given (tests, the demo) and is then not closed here. Logs carry case ids and counts only.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from m365_compliance.actions.approvals import approved_action_ids
from m365_compliance.actions.executor import ApplyResult
from m365_compliance.actions.service import record_and_write
from m365_compliance.config.kinds import MAIL, Invalid
from m365_compliance.config.schema import Config
from m365_compliance.dsar.closing import closing_for
from m365_compliance.dsar.erase import ErasurePlan, build_erasure_plan, erasure_targets
from m365_compliance.dsar.export import ExportResult, export_case
from m365_compliance.dsar.listing import CaseState, case_states
from m365_compliance.dsar.matching import find_matches
from m365_compliance.dsar.model import (
    KINDS,
    MAX_EXTENSION_MONTHS,
    Case,
    Kind,
    Match,
    MatchStatus,
)
from m365_compliance.dsar.repository import CaseRepository
from m365_compliance.dsar.statement import Closing, build_statement, write_statement
from m365_compliance.dsar.tenant_search import search_tenant
from m365_compliance.errors import DsarError
from m365_compliance.suggest import did_you_mean, listing
from m365_compliance.inventory.snapshot import Snapshot
from m365_compliance.inventory.snapshot_load import load_snapshot
from m365_compliance.inventory.spec import inventory_spec
from m365_compliance.rules.dates import policy_today
from m365_compliance.state.findings_repo import FindingsRepository
from m365_compliance.state.lock import StoreLock
from m365_compliance.state.store import utc_now
from m365_compliance.state.tenancy import open_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Closed:
    statement: dict[str, Any]
    files: tuple[Path, Path]  # the JSON and the letter


@dataclass(frozen=True)
class ErasureApplied:
    result: ApplyResult
    closed: Closed | None
    still_open: str | None  # why the case is not closed yet (a dry run, an action awaiting approval, …)


@dataclass(frozen=True)
class FindOutcome:
    case: Case
    matches: tuple[Match, ...]
    closed: Closed | None  # nothing found and everything searched: closed with a statement


def open_case(config: Config, *, email: str, kind: str, name: str | None, received: date | None, by: str,
              now: datetime) -> Case:
    try:
        mail = MAIL.parse(email)
    except Invalid:
        raise DsarError(f"{email!r} is not an e-mail address.", usage=True,
                        hint="Give the address the person wrote from, e.g. --subject kari@example.com.") from None
    if kind not in KINDS:
        raise DsarError(f"{kind!r} is not a kind of request.", usage=True, hint=f"Use one of {', '.join(KINDS)}.")
    today = policy_today(config, now)
    received = received or today
    if received > today:
        raise DsarError(f"The request cannot be received on {received}, after today ({today}).", usage=True,
                        hint="Give the date the request arrived (--received YYYY-MM-DD).")
    case_kind: Kind = kind  # type: ignore[assignment]  # checked above
    case = Case(f"dsar-{received:%Y%m%d}-{secrets.token_hex(3)}", case_kind, mail, (name or "").strip() or None,
                received, "open", now, config.policy_version)
    with open_store(config) as store:
        CaseRepository(store).create(case, actor=by, now=now)
    log.info("dsar case opened", extra={"fields": {"case": case.case_id, "kind": kind}})
    return case


async def find_case(config: Config, case_id: str, *, by: str, now: datetime, out_dir: Path,
                    gateway: Any = None) -> FindOutcome:
    """Match the latest inventory (and, when configured, search the tenant); close when nothing is there."""
    with open_store(config) as store:
        repo = CaseRepository(store)
        case = _open(repo, case_id)
        snapshot = load_snapshot(store, inventory_spec(config))
        found = find_matches(case, snapshot, config, policy_today(config, now))
        async with _graph(config, gateway, needed=config.dsar.tenant_search) as graph:
            searched = await search_tenant(case, snapshot, config.dsar, graph, found.matches)
        earlier = {m.match_id: m for m in repo.matches(case_id)}
        matches = tuple(_keep_decision(m, earlier.get(m.match_id)) for m in (*found.matches, *searched.matches))
        pending = sum(1 for m in matches if m.status == "pending")
        case = replace(case, status="awaiting_confirmation" if pending else "open", found_at=now,
                       snapshot_run_id=snapshot.run_id, find_notes=(*found.notes, searched.note))
        items = sum(len(m.items) for m in matches)
        repo.save(case, "dsar_found", actor=by, now=now, result=case.status, matches=matches,
                  detail={"notes": case.find_notes},
                  reason=f"{len(matches)} matches ({pending} to confirm), {items} items; snapshot "
                         f"{snapshot.run_id}; searched {'completely' if found.complete and searched.complete else 'in part'}")
        log.info("dsar find", extra={"fields": {"case": case_id, "matches": len(matches), "pending": pending}})
        closed = None
        if not matches and found.complete and searched.complete:
            closed = _close(repo, case, Closing("nothing_found"), config, out_dir, by, now)
        return FindOutcome(repo.get(case_id), matches, closed)


def decide(config: Config, case_id: str, match_id: str, *, reject: bool, by: str, now: datetime) -> Case:
    with open_store(config) as store:
        repo = CaseRepository(store)
        case = _open(repo, case_id)
        matches = repo.matches(case_id)
        if not any(m.match_id == match_id for m in matches):
            ids = [m.match_id for m in matches]
            raise DsarError(f"Case {case_id} has no match {match_id!r}{did_you_mean(match_id, ids)}.", usage=True,
                            hint=f"Its matches: {listing(ids)} (`m365-compliance dsar show {case_id}` says what each "
                                 "is).")
        status: MatchStatus = "rejected" if reject else "confirmed"
        matches = [replace(m, status=status, decided_by=by, decided_at=now) if m.match_id == match_id else m
                   for m in matches]
        pending = sum(1 for m in matches if m.status == "pending")
        case = replace(case, status="awaiting_confirmation" if pending else "open")
        repo.save(case, "dsar_rejected" if reject else "dsar_confirmed", actor=by, now=now, result=status,
                  matches=matches,
                  reason=f"match {match_id} {status}; {pending} still to confirm", detail={"match": match_id})
        return case


def extend_case(config: Config, case_id: str, *, months: int, reason: str, by: str, now: datetime) -> Case:
    """Art. 12(3): at most two further months, with the reasons, told to the subject within the first month."""
    with open_store(config) as store:
        repo = CaseRepository(store)
        case = _open(repo, case_id)
        if not reason.strip():
            raise DsarError("An extension needs its reason (Art. 12(3): the subject is told why).", usage=True,
                            hint='Give --reason "…", e.g. the number or complexity of the requests.')
        if months < 1 or case.extension_months + months > MAX_EXTENSION_MONTHS:
            raise DsarError(f"Case {case_id} is extended by {case.extension_months} month(s) already; GDPR Art. "
                            f"12(3) allows at most {MAX_EXTENSION_MONTHS} further months in all.", usage=True,
                            hint=f"Extend by at most {MAX_EXTENSION_MONTHS - case.extension_months} more month(s).")
        if policy_today(config, now) > case.first_due:
            raise DsarError(f"Case {case_id} was due {case.first_due}: an extension must be given within one month "
                            "of receipt (Art. 12(3)).", hint="Answer the request now; the delay is on record.")
        text = reason.strip() if not case.extension_reason else f"{case.extension_reason}; {reason.strip()}"
        case = replace(case, extension_months=case.extension_months + months, extension_reason=text)
        repo.save(case, "dsar_extended", actor=by, now=now, result=case.status,
                  detail={"months": months, "reason": reason},
                  reason=f"extended by {months} month(s), due {case.due.isoformat()}")
        return case


def add_note(config: Config, case_id: str, *, text: str, by: str, now: datetime) -> Case:
    with open_store(config) as store:
        repo = CaseRepository(store)
        case = _open(repo, case_id)
        if not text.strip():
            raise DsarError("A note needs its text.", usage=True, hint='Give --text "what was corrected, and where".')
        repo.save(case, "dsar_noted", actor=by, now=now, result=case.status, reason="note recorded",
                  detail={"text": text.strip()})
        return case


async def export(config: Config, case_id: str, *, out_dir: Path, by: str, now: datetime,
                 gateway: Any = None) -> ExportResult:
    with open_store(config) as store:
        repo = CaseRepository(store)
        case, matches = _ready(repo, case_id, "access")
        snapshot = load_snapshot(store, inventory_spec(config))
        async with _graph(config, gateway, needed=True) as graph:
            result = await export_case(case, matches, snapshot, config, graph, out_dir, now)
        case = replace(case, exported_items=result.files, export_sha256=result.sha256)
        repo.save(case, "dsar_exported", actor=by, now=now, result=case.status, detail={"zip": result.path.name},
                  reason=f"{result.files} files exported, {result.missing} missing; zip sha256 {result.sha256}")
        return result


async def plan_erasure(config: Config, case_id: str, *, out: Path, by: str, now: datetime,
                       gateway: Any = None) -> ErasurePlan:
    """The erasure plan, after the retention labels of everything it could delete were read from Graph."""
    from m365_compliance.actions.labels import LabelReading, read_labels

    with open_store(config) as store:
        repo = CaseRepository(store)
        case, matches = _ready(repo, case_id, "erasure")
        snapshot: Snapshot = load_snapshot(store, inventory_spec(config))
        targets = erasure_targets(matches, snapshot)
        labels = LabelReading()
        if targets:
            async with _graph(config, gateway, needed=True) as graph:
                labels = await read_labels(graph, targets)
        erasure = build_erasure_plan(case, matches, snapshot, config, now, labels=labels, checked_at=utc_now())
        plan = record_and_write(repo.journal, erasure.plan, out, actor=by, made_by="dsar_erasure")
        erasure = replace(erasure, plan=plan, populations=snapshot.populations(),
                          approved=approved_action_ids(store, plan))
        kept = [{"drive": k.drive_id, "item": k.item_id, "code": k.code, "reason": k.reason, "items": k.items,
                 "keepUntil": k.keep_until.isoformat() if k.keep_until else None} for k in erasure.kept]
        case = replace(case, plan_ids=(*[p for p in case.plan_ids if p != erasure.plan.id], erasure.plan.id))
        repo.save(case, "dsar_erasure_planned", actor=by, now=now, result=case.status,
                  detail={"plan": erasure.plan.id, "kept": kept, "gone": list(erasure.gone)},
                  reason=f"plan {erasure.plan.id}: {len(erasure.plan.actions)} deletions, {len(kept)} kept, "
                         f"{len(erasure.gone)} gone already")
        return erasure


async def apply_erasure(config: Config, case_id: str, plan_path: Path, *, execute: bool, by: str, now: datetime,
                        out_dir: Path, gateway: Any = None) -> ErasureApplied:
    """Apply the case's plan exactly as ``m365-compliance apply`` does (same code: approvals, limits, eTags,
    dry run unless ``execute``); after an executed run that settled every action, close the case."""
    if execute:  # the deletions and the closing statement are one writer's work
        with StoreLock(config.state.path, "dsar erase --execute"):
            return await _apply_erasure(config, case_id, plan_path, execute=True, by=by, now=now, out_dir=out_dir,
                                        gateway=gateway)
    return await _apply_erasure(config, case_id, plan_path, execute=False, by=by, now=now, out_dir=out_dir,
                                gateway=gateway)


async def _apply_erasure(config: Config, case_id: str, plan_path: Path, *, execute: bool, by: str, now: datetime,
                         out_dir: Path, gateway: Any) -> ErasureApplied:
    from m365_compliance.actions.plan_json import read_plan
    from m365_compliance.actions.service import apply_from_config

    with open_store(config) as store:
        case, _ = _ready(CaseRepository(store), case_id, "erasure")
    plan = read_plan(plan_path)  # apply checks it is the plan `dsar erase` recorded
    if plan.id not in case.plan_ids:
        raise DsarError(f"{plan_path.name} holds plan {plan.id}, which is not an erasure plan of case {case_id}.",
                        usage=True, hint=f"Apply the plan `dsar erase {case_id} --out …` wrote for this case.")
    result = await apply_from_config(config, plan_path, execute=execute, now=now, actor=by, gateway=gateway)
    if not execute:
        return ErasureApplied(result, None, "This was a dry run: nothing was deleted.")
    with open_store(config) as store:
        repo = CaseRepository(store)
        case = repo.get(case_id)
        try:
            closing = closing_for(repo, case, repo.matches(case_id))
        except DsarError as unfinished:
            return ErasureApplied(result, None, unfinished.message)
        return ErasureApplied(result, _close(repo, case, closing, config, out_dir, by, now), None)


def close_case(config: Config, case_id: str, *, out_dir: Path, note: str | None, by: str, now: datetime) -> Closed:
    with open_store(config) as store:
        repo = CaseRepository(store)
        case, matches = _ready(repo, case_id, None)
        if note and note.strip():
            repo.save(case, "dsar_noted", actor=by, now=now, result=case.status, reason="note recorded",
                      detail={"text": note.strip()})
        return _close(repo, case, closing_for(repo, case, matches), config, out_dir, by, now)


def list_states(config: Config, today: date, *, include_closed: bool) -> list[CaseState]:
    with open_store(config) as store:
        return case_states(CaseRepository(store), today, config.dsar.due_soon_days, include_closed=include_closed)


def matches_of(config: Config, case_id: str) -> tuple[Case, list[Match]]:
    with open_store(config) as store:
        repo = CaseRepository(store)
        return repo.get(case_id), repo.matches(case_id)


# ---------------------------------------------------------------------- shared steps
def _close(repo: CaseRepository, case: Case, closing: Closing, config: Config, out_dir: Path, by: str,
           now: datetime) -> Closed:
    erased = sum(d.get("items", 1) for d in closing.deleted)
    kept = sum(k.get("items", 1) for k in closing.kept)
    case = replace(case, status="closed", closed_at=now, erased_items=erased, kept_items=kept)
    statement = build_statement(case, closing, config, now)
    files = write_statement(statement, out_dir)
    repo.save(case, "dsar_closed", actor=by, now=now, result=closing.outcome, detail={"statement": files[0].name},
              reason=f"{closing.outcome}: {erased} items deleted, {kept} kept")
    repo.set_statement(case.case_id, statement)
    FindingsRepository(repo.store).redact_paths(closing.erased_ids)
    log.info("dsar case closed", extra={"fields": {"case": case.case_id, "erased": erased, "kept": kept}})
    return Closed(statement, files)


def _open(repo: CaseRepository, case_id: str) -> Case:
    case = repo.get(case_id)
    if case.closed:
        raise DsarError(f"Case {case_id} is closed.", hint="Open a new case for a new request (`dsar open`).")
    return case


def _ready(repo: CaseRepository, case_id: str, kind: Kind | None) -> tuple[Case, list[Match]]:
    """An open case of this kind, searched, with no match left to confirm; and its matches."""
    case = _open(repo, case_id)
    if kind is not None and case.kind != kind:
        raise DsarError(f"Case {case_id} is a request for {case.kind}, not {kind}.", usage=True,
                        hint=f"Open a case with --kind {kind} for that request.")
    if case.found_at is None:
        raise DsarError(f"Case {case_id} has not been searched yet.",
                        hint=f"Run `m365-compliance dsar find {case_id}` first.")
    matches = repo.matches(case_id)
    pending = [m.match_id for m in matches if m.status == "pending"]
    if pending:
        raise DsarError(f"Case {case_id}: {len(pending)} match(es) await confirmation ({', '.join(pending[:5])}); "
                        "nothing is exported or erased until a person decides each.",
                        hint=f"`m365-compliance dsar confirm {case_id} --match ID` (or --reject) for each.")
    return case, matches


def _keep_decision(match: Match, earlier: Match | None) -> Match:
    """A person's decision on an item survives a new find."""
    if earlier is None or earlier.status not in ("confirmed", "rejected") or match.status == "auto":
        return match
    return replace(match, status=earlier.status, decided_by=earlier.decided_by, decided_at=earlier.decided_at)


@asynccontextmanager
async def _graph(config: Config, gateway: Any, *, needed: bool) -> AsyncIterator[Any]:
    if gateway is not None or not needed:
        yield gateway
        return
    from m365_compliance.graph.configured import gateway_settings
    from m365_compliance.graph.gateway import GraphGateway

    async with GraphGateway(gateway_settings(config)) as graph:
        yield graph
