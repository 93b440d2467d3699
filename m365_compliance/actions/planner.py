"""The planner: findings + snapshot + policy file + labels + now → a :class:`Plan`. Pure: no Graph, no store.

What becomes an action:

* C2: each applicant folder gets the applicant retention label, unless the applicant was hired or
  the folder is due for deletion; a folder past its deadline is deleted (class ``applicant_deletion``,
  approved in advance only by ``limits.auto_approve_applicant_deletions``).
* C5: each file of an ended agreement that is due is deleted after approval (``customer_disposal``,
  always); with ``retention.event_based`` the agreement's end fires a Purview retention event
  (asset id = the agreement id, only when it fits ``retention.asset_id_pattern``; class
  ``retention_event`` unless ``limits.auto_approve_retention_events``).
* C6: material under a statutory hold gets its statutory label, with the keep-until date.
* C1/C3: an offending grant or link is removed only for controls in ``remediation.remove_grants``.

What always wins: a statutory hold, a retention label that keeps the item, or a label that could
not be read, anywhere in what a deletion would remove (:mod:`.protection`): the protected items
stay, and a folder holding one is deleted only in its unprotected parts. Hired applicants are never
deleted or labelled. A scope the newest inventory could not read, or whose picture is older than
``limits.max_snapshot_age``, gets no action at all. Every finding that asked for something not done
is in ``skipped``.

Labels come from Graph (:func:`.labels.read_labels`) for exactly the items :func:`deletion_targets`
names, so their cost follows the planned deletions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime

from m365_compliance.actions.labels import LabelReading
from m365_compliance.actions.limits import evaluate_limits
from m365_compliance.actions.plan_model import (
    DELETE,
    FIRE_EVENT,
    KINDS,
    REMOVE_PERMISSION,
    Action,
    Plan,
    SkipCode,
    Skipped,
)
from m365_compliance.actions.protection import Protected, Protections
from m365_compliance.config.schema import Config
from m365_compliance.inventory.snapshot import MGDC_SOURCE, ScopeSnapshot, Snapshot
from m365_compliance.model import MAIL_ID_PREFIX, DriveItem, PrincipalKind
from m365_compliance.rules.agreement_register import read_register
from m365_compliance.rules.dates import local_date
from m365_compliance.rules.findings import Finding

APPLICANT_RETENTION = "c2.applicant-retention"
HIRED_APPLICANT = "c2.hired-applicant"
AGREEMENT_ENDED = "c5.agreement-ended"
DISPOSAL_DUE = "c5.disposal-due"
STATUTORY_HOLD = "c6.statutory-hold"
ACCESS_RULES = {"c1.recruitment-access": "C1", "c3.customer-access": "C3"}
#: Grantees whose reach the answer did not tell: never removed automatically, whatever their finding says.
UNKNOWN_AUDIENCES = frozenset({PrincipalKind.AUDIENCE_UNKNOWN.value, PrincipalKind.UNRESOLVED.value})
def _unknown_person(principal_key: str) -> bool:
    """A user or guest known only by an address the directory did not resolve (``user:mail-…``): a member
    whose sign-in name differs from their mail would look like an outsider, so never removed unreviewed.
    A pending invitation (``invitation:mail-…``) is an outsider by definition and stays removable."""
    kind, _, ident = principal_key.partition(":")
    return kind in (PrincipalKind.USER.value, PrincipalKind.GUEST.value) and ident.startswith(MAIL_ID_PREFIX)


HIRED_REASON = "A hired applicant's data is moved to the personnel file; it is never labelled for deletion or deleted."


def build_plan(findings: Iterable[Finding], snapshot: Snapshot, config: Config, now: datetime, *,
               labels: LabelReading, checked_at: datetime) -> Plan:
    """The plan for these findings; the same inputs give the same plan, id included.

    ``labels``: the retention labels read for :func:`deletion_targets`; ``checked_at``: the wall-clock time
    against which each scope's picture is measured (``limits.max_snapshot_age``)."""
    planner = _Planner(findings, snapshot, config, local_date(now, config.retention.timezone), labels, checked_at)
    planner.applicant_deletions()
    planner.customer_disposals()
    planner.applicant_labels()
    planner.statutory_labels()
    planner.grant_removals()
    planner.contract_events()
    planner.unusable_scopes()
    return assemble_plan(planner.actions.values(),
                         tuple(sorted(planner.skipped.values(), key=lambda s: (s.code, s.subject))),
                         snapshot, config, now)


def deletion_targets(findings: Iterable[Finding], snapshot: Snapshot) -> list[DriveItem]:
    """Every item a deletion of these findings could remove — each item and all below it — whose
    retention label must therefore be read before planning."""
    scopes = {s.library.id: s for s in snapshot.scopes.values()}
    found: list[DriveItem] = []
    for f in findings:
        if f.status != "fail" or f.rule_id not in (APPLICANT_RETENTION, DISPOSAL_DUE):
            continue
        scope = snapshot.scopes.get(f.scope or "") or scopes.get(f.drive_id or "")
        item = scope.items.get(f.item_id or "") if scope is not None else None
        if scope is not None and item is not None:
            found.extend((item, *scope.descendants(item.id)))
    return found


def assemble_plan(actions: Iterable[Action], skipped: tuple[Skipped, ...], snapshot: Snapshot, config: Config,
                  now: datetime) -> Plan:
    """The plan of ``actions`` in execution order, with the scopes' population and the limits it meets."""
    ordered = tuple(sorted(actions, key=execution_order(snapshot)))
    populations = snapshot.populations()
    return Plan(created_at=now, policy_version=config.policy_version, snapshot_run_id=snapshot.run_id,
                scope_items=sum(populations.values()), actions=ordered, skipped=skipped,
                limits=evaluate_limits(ordered, populations, config.limits), tenant_id=config.tenant.tenant_id)


def execution_order(snapshot: Snapshot) -> Callable[[Action], tuple[object, ...]]:
    """Kinds in execution order; within a kind by scope and depth (parents' grants before children's)."""
    scope_of_drive = {s.library.id: s for s in snapshot.scopes.values()}

    def key(action: Action) -> tuple[object, ...]:
        scope = scope_of_drive.get(action.drive_id)
        item = scope.items.get(action.item_id) if scope is not None else None
        depth = sum(1 for _ in scope.ancestors(item)) if scope is not None and item is not None else 0
        return (KINDS.index(action.kind), action.scope or "", depth, action.drive_id, action.item_id,
                action.permission_id or "", action.action_id)

    return key


def delete_action(scope: ScopeSnapshot, item: DriveItem, reason: str, refs: tuple[str, ...], config: Config, *,
                  requires_approval: bool, approval_class: str) -> Action | None:
    """Delete ``item`` only as the snapshot saw it and everything below it (their eTags are the
    preconditions); None when the snapshot lacks an eTag to check, so nothing unchecked is deleted."""
    contents = tuple(sorted((d.id, d.etag or "") for d in scope.descendants(item.id)))
    if item.etag is None or any(not etag for _, etag in contents):
        return None
    return Action(DELETE, scope.library.id, item.id, reason, refs, scope.scope,
                  permanent=not config.limits.recycle_bin, expected_etag=item.etag, expected_contents=contents,
                  requires_approval=requires_approval, approval_class=approval_class)  # type: ignore[arg-type]


class _Planner:
    def __init__(self, findings: Iterable[Finding], snapshot: Snapshot, config: Config, today: date,
                 labels: LabelReading, checked_at: datetime) -> None:
        self.snapshot, self.config, self.today = snapshot, config, today
        self.by_rule: dict[str, list[Finding]] = defaultdict(list)
        for f in sorted(findings, key=lambda f: f.id):
            self.by_rule[f.rule_id].append(f)
        self.holds = {f.item_id: f for f in self.by_rule[STATUTORY_HOLD]
                      if f.item_id and f.keep_until is not None and f.keep_until >= today}
        self.ended = {f.item_id: dict(f.evidence) for f in self.by_rule[AGREEMENT_ENDED] if f.item_id}
        self.hired = {f.item_id for f in self.by_rule[HIRED_APPLICANT]}  # the rules decide who was hired
        self.actions: dict[str, Action] = {}
        self.skipped: dict[tuple[str, str], Skipped] = {}
        self.deletion_considered: set[str] = set()
        self.scope_of_drive = {s.library.id: s for s in snapshot.scopes.values()}
        self.protections = Protections(self.hold_of, labels)
        self.unusable = {name: why for name, s in snapshot.scopes.items()
                         if (why := picture_problem(s, config, checked_at)) is not None}

    # ------------------------------------------------------------------ helpers
    def locate(self, finding: Finding, item_id: str | None = None) -> tuple[ScopeSnapshot, DriveItem] | None:
        """The finding's item (or ``item_id`` in its scope) in the snapshot; a skip when it is not there, or
        when the scope's picture may not be acted on."""
        scope = self.snapshot.scopes.get(finding.scope or "") or self.scope_of_drive.get(finding.drive_id or "")
        wanted = item_id or finding.item_id
        if scope is None or wanted is None or wanted not in scope.items:
            self.skip(f"{finding.scope}/{wanted}", "not_in_snapshot", "The item is not in the snapshot's scopes; "
                      "take a new inventory.", (finding.id,))
            return None
        if scope.scope in self.unusable:
            self.skip(f"{scope.library.id}/{wanted}", "stale_picture", self.unusable[scope.scope], (finding.id,))
            return None
        return scope, scope.items[wanted]

    def hold_of(self, node: DriveItem) -> Protected | None:
        hold = self.holds.get(node.id)
        if hold is None:
            return None
        assert hold.keep_until is not None
        return Protected("statutory_hold", f"C6: item {node.id} is kept by bookkeeping law until "
                                           f"{hold.keep_until.isoformat()} ({dict(hold.evidence).get('class', '')}).",
                         hold.keep_until)

    def add(self, action: Action) -> None:
        existing = self.actions.get(action.action_id)
        if existing is not None:  # several findings about one grant: one action, every finding named
            ids = tuple(sorted({*existing.finding_ids, *action.finding_ids}))
            action = replace(existing, finding_ids=ids)
        self.actions[action.action_id] = action

    def skip(self, subject: str, code: SkipCode, reason: str, finding_ids: Sequence[str]) -> None:
        key = (subject, code)
        earlier = self.skipped.get(key)
        ids = tuple(sorted({*(earlier.finding_ids if earlier else ()), *finding_ids}))
        self.skipped[key] = Skipped(subject, code, earlier.reason if earlier else reason, ids)

    def deletion(self, finding: Finding, approval_class: str, reason: str, *, auto: bool) -> None:
        located = self.locate(finding)
        if located is None:
            return
        scope, item = located
        self.deletion_considered.add(item.id)
        split = self.protections.split(scope, item)
        for node, why in split.kept:
            self.skip(f"{scope.library.id}/{node.id}", why.code, why.reason, (finding.id,))
        for folder in split.holding:
            kept_below = sum(1 for n, _ in split.kept if folder.id in {a.id for a in scope.ancestors(n)})
            self.skip(f"{scope.library.id}/{folder.id}", "holds_protected", f"Folder {folder.id} stays: {kept_below} "
                      "item(s) in it are kept (see their own entries); what else is in it is deleted item by item.",
                      (finding.id,))
        for part in split.parts:
            why = reason if split.whole else f"{reason} Part {part.id} of folder {item.id}, which keeps " \
                                             f"{len(split.kept)} protected item(s)."
            action = delete_action(scope, part, why, (finding.id,), self.config, requires_approval=not auto,
                                   approval_class=approval_class)
            if action is None:
                self.skip(f"{scope.library.id}/{part.id}", "no_etag", "The snapshot has no eTag to check before "
                          "deleting; take a new inventory.", (finding.id,))
            else:
                self.add(action)

    def unusable_scopes(self) -> None:
        """One entry per scope nothing was planned in, whatever its findings asked for."""
        for name, why in self.unusable.items():
            scope = self.snapshot.scopes[name]
            self.skip(scope.library.id, "stale_picture", why, ())

    # ------------------------------------------------------------------ C2
    def applicant_deletions(self) -> None:
        months = self.config.retention.applicant_months
        auto = self.config.limits.auto_approve_applicant_deletions
        for f in self.by_rule[APPLICANT_RETENTION]:
            if f.status != "fail":
                continue
            located = self.locate(f)
            if located is not None and located[1].id in self.hired:
                self.deletion_considered.add(located[1].id)
                self.skip(f"{located[0].library.id}/{located[1].id}", "hired_applicant", HIRED_REASON, (f.id,))
                continue
            size = 1 + sum(1 for _ in located[0].descendants(located[1].id)) if located else 0
            self.deletion(f, "applicant_deletion", f"C2: applicant data past its {months}-month deadline (due since "
                          f"{_day(f.due)}); folder with {size} item(s).", auto=auto)

    def applicant_labels(self) -> None:
        scope = self.snapshot.scopes.get("recruitment")
        if scope is None or scope.scope in self.unusable:
            return  # labelling from a picture that may be wrong waits for a fresh one (nothing lost: next night)
        label = self.config.retention.applicant_label
        warned = {f.item_id: f.id for f in self.by_rule[APPLICANT_RETENTION] if f.status == "warn"}
        for hired in self.by_rule[HIRED_APPLICANT]:
            self.skip(f"{scope.library.id}/{hired.item_id}", "hired_applicant", HIRED_REASON, (hired.id,))
        for unit in scope.units():
            if unit.id in self.hired or unit.id in self.deletion_considered:
                continue
            if unit.label is not None and unit.label.name == label:
                continue
            found = (warned[unit.id],) if unit.id in warned else ()
            self.add(Action("apply_label", scope.library.id, unit.id, f"C2: applicant data is kept at most "
                            f"{self.config.retention.applicant_months} months; the label lets Purview enforce it.",
                            found, scope.scope, label=label, expected_etag=unit.etag))

    # ------------------------------------------------------------------ C5, C6
    def customer_disposals(self) -> None:
        for f in self.by_rule[DISPOSAL_DUE]:
            if f.status != "fail":
                continue
            agreement = self.ended.get(dict(f.evidence).get("folder", ""), {})
            named = agreement.get("agreement")
            shown = named if self.config.retention.valid_asset_id(named) else "(no valid id)"
            self.deletion(f, "customer_disposal", f"C5: agreement {shown} ended {agreement.get('ended', '?')}; due "
                          f"for disposal since {_day(f.due)}.", auto=False)

    def statutory_labels(self) -> None:
        for f in self.holds.values():
            located = self.locate(f)
            label = dict(f.evidence).get("label")
            if located is None or not label:
                continue
            scope, item = located
            if item.label is not None and item.label.name == label:
                continue
            self.add(Action("apply_statutory_label", scope.library.id, item.id, f"C6: bookkeeping material "
                            f"({dict(f.evidence).get('class', '')}); keep until {_day(f.keep_until)}.", (f.id,),
                            scope.scope, label=label, keep_until=f.keep_until, expected_etag=item.etag))

    def contract_events(self) -> None:
        retention = self.config.retention
        if not retention.event_based or retention.contract_end_event_type is None:
            return
        register = read_register(self.snapshot, self.config)
        for f in self.by_rule[AGREEMENT_ENDED]:
            located = self.locate(f)
            if located is None:
                continue
            scope, folder = located
            evidence = dict(f.evidence)
            agreement, ended = evidence.get("agreement"), evidence.get("ended")
            if not agreement or not ended:
                self.skip(f"{scope.library.id}/{folder.id}", "no_asset_id", "The register row has no agreement id "
                          "to use as the documents' asset id; fill it in to fire the contract-end event.", (f.id,))
                continue
            if not retention.valid_asset_id(agreement):
                self.skip(f"{scope.library.id}/{folder.id}", "bad_asset_id", f"Register row {evidence.get('row')}: the "
                          "agreement id does not fit retention.asset_id_pattern, so it never goes into an event's "
                          "query (a register cell must not widen which documents an event reaches).", (f.id,))
                continue
            if not register.asset_id_usable(agreement):
                self.skip(f"{scope.library.id}/{folder.id}", "bad_asset_id", f"Register row {evidence.get('row')}: "
                          f"agreement id {agreement} is also (part of) another row's id, so an event for it would "
                          "reach that agreement's documents too; make the ids unique.", (f.id,))
                continue
            auto = self.config.limits.auto_approve_retention_events
            self.add(Action(FIRE_EVENT, scope.library.id, folder.id, f"C5: agreement {agreement} ended {ended}; the "
                            "event starts event-based retention in Purview.", (f.id,), scope.scope,
                            event_type=retention.contract_end_event_type, asset_id=agreement,
                            event_date=date.fromisoformat(ended), requires_approval=not auto,
                            approval_class=None if auto else "retention_event"))

    # ------------------------------------------------------------------ C1, C3
    def grant_removals(self) -> None:
        enabled = self.config.remediation.remove_grants
        for rule_id, control in ACCESS_RULES.items():
            for f in self.by_rule[rule_id]:
                evidence = dict(f.evidence)
                if f.status != "fail" and not (f.status == "not_evaluated" and evidence.get("kind") in
                                               UNKNOWN_AUDIENCES):
                    continue  # an unknown audience is not evaluated, yet a removal it could ask for is skipped
                located = self.locate(f, evidence.get("sourceItem"))
                if located is None:
                    continue
                scope, item = located
                permission = evidence.get("permission", "")
                subject = f"{scope.library.id}/{item.id}/{permission}"
                if control not in enabled:
                    self.skip(subject, "remediation_off", f"Report only: remediation.remove_grants does not list "
                              f"{control}.", (f.id,))
                elif "viaGroup" in evidence:
                    self.skip(subject, "group_member", "The access comes through a group the policy allows: remove "
                              "the member from the group instead of the group's grant.", (f.id,))
                elif item.is_root:
                    self.skip(subject, "library_root", "The grant is on the library root (site permissions): change "
                              "it in SharePoint's site settings.", (f.id,))
                elif not scope.owns_permissions(item):
                    holder = scope.own_permissions_holder(item)
                    self.skip(subject, "inherited_permission", f"Item {item.id} only inherits its permissions, so "
                              "the grant cannot be removed there; remove it where it is defined (item "
                              f"{holder.id if holder else '?'}, the nearest folder with permissions of its own) or "
                              "break inheritance in SharePoint.", (f.id,))
                elif evidence.get("kind") in UNKNOWN_AUDIENCES:
                    self.skip(subject, "audience_unknown", "Who this grant or link reaches is not known from "
                              "Graph's answer, so it is never removed automatically; review it in SharePoint.",
                              (f.id,))
                elif _unknown_person(str(evidence.get("principal", ""))):
                    self.skip(subject, "person_unresolved", "The grant names a person only by address, and the "
                              "directory has no user with that address, so whether they are allowed is not "
                              "certain; it is never removed automatically; review it in SharePoint.", (f.id,))
                else:
                    self.add(Action(REMOVE_PERMISSION, scope.library.id, item.id, f"{control}: "
                                    f"{evidence.get('through', 'a')} access for a {evidence.get('kind', 'principal')} "
                                    f"is not allowed by the policy ({f.severity}).", (f.id,), scope.scope,
                                    permission_id=permission))


def picture_problem(scope: ScopeSnapshot, config: Config, checked_at: datetime) -> str | None:
    """Why no action may be planned from this scope's picture: the newest inventory could not read it, or it
    is older than ``limits.max_snapshot_age`` (wall time). None when it may be acted on."""
    if scope.stale is not None:
        since = scope.stale.since.isoformat() if scope.stale.since else "never"
        return f"The newest inventory could not read this scope (picture from {since}: {scope.stale.reason}); " \
               "nothing is planned from a stale picture."
    if scope.source == MGDC_SOURCE:
        return "The scope's picture comes from an MGDC delivery: at least 48 hours old, and naming items by their " \
               "SharePoint ids, not Graph's; run `inventory` (a Graph crawl) before planning actions on this scope."
    if scope.picture_at is None or checked_at - scope.picture_at > config.limits.max_snapshot_age:
        when = scope.picture_at.isoformat() if scope.picture_at else "an unknown time"
        return f"The scope's picture was taken at {when}, longer ago than limits.max_snapshot_age allows; run the " \
               "inventory again."
    return None


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else "?"
