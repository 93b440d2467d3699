"""The planner is a pure function: a hand-built snapshot and findings in, a plan out (fixed now)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from datetime import timedelta

from m365_compliance.actions.labels import LabelReading
from m365_compliance.actions.plan_json import plan_to_json
from m365_compliance.actions.planner import build_plan as plan_with, deletion_targets
from m365_compliance.config.demo import demo_config_text
from m365_compliance.config.load import parse_config
from m365_compliance.inventory.snapshot import ScopeSnapshot, Snapshot, Staleness
from m365_compliance.model import DriveItem, Library, RetentionLabelInfo
from m365_compliance.rules.findings import Finding

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
REC, CUS = "drive-rec", "drive-cus"


def _config(**overrides):
    text = demo_config_text("http://127.0.0.1:9/v1.0", "state.sqlite")
    return parse_config(text, "/nowhere/policy.toml", overrides=overrides)


def _item(drive, item_id, parent, *, folder=False, label=None, name=None, shared=None):
    return DriveItem(item_id, drive, name or f"Name of {item_id}", parent, folder, etag=f'"{{{item_id}}},1"',
                     is_root=parent is None, label=label, shared_scope=shared)


def build_plan(findings, snapshot, config, now, *, labels=None, checked_at=NOW):
    """The planner with every label as the hand-built snapshot carries it, read just now."""
    every = [i for s in snapshot.scopes.values() for i in s.items.values()]
    return plan_with(findings, snapshot, config, now, labels=labels or LabelReading.from_items(every),
                     checked_at=checked_at)


def _snapshot(*, record_in_old=False, stale=None, extra=()):
    rec = [_item(REC, "root", None, folder=True), _item(REC, "base", "root", folder=True, name="Søkere")]
    for unit in ("old", "kept", "hired", "young", "labelled"):
        label = RetentionLabelInfo("Søknad 12 mnd") if unit == "labelled" else None
        rec.append(_item(REC, unit, "base", folder=True, label=label, name=f"2024-01 Ola Nordmann {unit}",
                         shared="anonymous" if unit == "young" else None))  # young has permissions of its own
        rec.append(_item(REC, f"{unit}.cv", unit, name="CV Ola Nordmann.pdf",
                         label=RetentionLabelInfo("Avtale record", is_record=True)
                         if record_in_old and unit == "old" else None))
    cus = [_item(CUS, "root", None, folder=True), _item(CUS, "acme", "root", folder=True),
           _item(CUS, "offer", "acme"), _item(CUS, "invoice", "acme"), _item(CUS, "nota", "root", folder=True)]
    rec.extend(extra)

    def scope(name, drive, items, base):
        return ScopeSnapshot.build(name, "https://x/sites/s", Library(drive, "site", "lib", "url"), base, 1,
                                   {i.id: i for i in items}, {}, picture_at=NOW - timedelta(hours=2),
                                   stale=stale if name == "recruitment" else None)

    return Snapshot("run-7", NOW, "2022-07-04", {"recruitment": scope("recruitment", REC, rec, "base"),
                                                  "customers": scope("customers", CUS, cus, "root")},
                    {}, {}, {}, (), ())


def _finding(fid, rule, control, status, scope, item, *, due=None, keep=None, **evidence):
    return Finding(id=fid, rule_id=rule, control=control, severity="high", status=status, title="t",
                   message="message", remediation="r", scope=scope, item_id=item, path="/path/Ola Nordmann",
                   evidence=tuple(sorted(evidence.items())), due=due, keep_until=keep)


FINDINGS = (
    _finding("C2-old", "c2.applicant-retention", "C2", "fail", "recruitment", "old", due=date(2025, 11, 1)),
    _finding("C2-kept", "c2.applicant-retention", "C2", "fail", "recruitment", "kept", due=date(2025, 11, 1)),
    _finding("C2-young", "c2.applicant-retention", "C2", "warn", "recruitment", "young", due=date(2026, 12, 1)),
    _finding("C2-hired", "c2.hired-applicant", "C2", "fail", "recruitment", "hired"),
    _finding("C6-kept", "c6.statutory-hold", "C6", "info", "recruitment", "kept.cv", keep=date(2030, 12, 31),
             label="Bokføring primær 5 år", **{"class": "primary"}),
    _finding("C6-inv", "c6.statutory-hold", "C6", "info", "customers", "invoice", keep=date(2030, 12, 31),
             label="Bokføring primær 5 år", **{"class": "primary"}),
    _finding("C5-end", "c5.agreement-ended", "C5", "fail", "customers", "acme", due=date(2025, 9, 28),
             agreement="321-2019-002", ended="2025-06-30"),
    _finding("C5-offer", "c5.disposal-due", "C5", "fail", "customers", "offer", due=date(2025, 9, 28), folder="acme"),
    _finding("C5-nota", "c5.agreement-ended", "C5", "warn", "customers", "nota", due=date(2027, 1, 1),
             agreement="", ended="2026-11-24"),
    _finding("C1-a", "c1.recruitment-access", "C1", "fail", "recruitment", "young", permission="p1",
             sourceItem="young", through="link:anonymous", kind="anyone"),
    _finding("C1-b", "c1.recruitment-access", "C1", "fail", "recruitment", "young", permission="p1",
             sourceItem="young", through="link:anonymous", kind="user"),
    _finding("C1-g", "c1.recruitment-access", "C1", "fail", "recruitment", "base", permission="p2",
             sourceItem="base", through="group", kind="guest", viaGroup="group:rec"),
    _finding("C1-r", "c1.recruitment-access", "C1", "fail", "recruitment", "root", permission="p3",
             sourceItem="root", through="direct", kind="user"),
    _finding("C3-a", "c3.customer-access", "C3", "fail", "customers", "acme", permission="p4", sourceItem="acme",
             through="direct", kind="user"),
)


@pytest.fixture
def plan():
    return build_plan(FINDINGS, _snapshot(), _config(**{"remediation.remove_grants": ["C1"]}), NOW)


def _by(plan, kind):
    return {a.item_id: a for a in plan.actions if a.kind == kind}


def _skips(plan):
    """(item, code) of each skip; a skip of a whole scope names its library."""
    return {((s.subject.split("/") + [""])[1] or s.subject, s.code) for s in plan.skipped}


def test_past_deadline_applicants_are_deleted_after_approval_with_their_content_as_precondition(plan):
    deletion = _by(plan, "delete_item")["old"]
    assert deletion.requires_approval and deletion.approval_class == "applicant_deletion"
    assert deletion.expected_etag == '"{old},1"' and deletion.expected_contents == (("old.cv", '"{old.cv},1"'),)
    assert deletion.items == 2 and not deletion.permanent and deletion.finding_ids == ("C2-old",)


def test_auto_approval_and_permanent_deletion_come_from_the_policy_file():
    config = _config(**{"limits.auto_approve_applicant_deletions": True, "limits.recycle_bin": False})
    deletions = _by(build_plan(FINDINGS, _snapshot(), config, NOW), "delete_item")
    assert not deletions["old"].requires_approval and deletions["old"].permanent
    assert deletions["offer"].requires_approval, "customer disposal always needs an approval"


def test_statutory_holds_and_record_labels_win_over_deletion():
    plan = build_plan(FINDINGS, _snapshot(record_in_old=True), _config(), NOW)
    assert "old" not in _by(plan, "delete_item") and "kept" not in _by(plan, "delete_item")
    assert not {"old.cv", "kept.cv"} & set(_by(plan, "delete_item"))
    assert {("old.cv", "record_label"), ("kept.cv", "statutory_hold"), ("old", "holds_protected"),
            ("kept", "holds_protected")} <= _skips(plan)
    reason = next(s.reason for s in plan.skipped if s.code == "statutory_hold")
    assert "2030-12-31" in reason
    record = next(s.reason for s in plan.skipped if s.code == "record_label")
    assert "'Avtale record'" in record and "record" in record


RECORD = RetentionLabelInfo("Avtale record", is_record=True, behavior="retainAsRecord", record_locked=False)
SPLIT = (_item(REC, "old.letter", "old", name="Søknadsbrev.docx"), _item(REC, "old.refs", "old", folder=True),
         _item(REC, "old.refs.a", "old.refs"), _item(REC, "old.certs", "old", folder=True),
         _item(REC, "old.certs.rec", "old.certs", label=RECORD), _item(REC, "old.certs.b", "old.certs"))


def test_a_folder_with_a_protected_item_is_deleted_in_its_unprotected_parts_only():
    plan = build_plan(FINDINGS, _snapshot(extra=SPLIT), _config(), NOW)
    deletions = _by(plan, "delete_item")
    # The folder and the sub-folder holding the record stay; everything else goes, the largest whole subtrees.
    assert not {"old", "old.certs", "old.certs.rec"} & set(deletions)
    assert {"old.cv", "old.letter", "old.refs", "old.certs.b"} <= set(deletions)
    assert "old.refs.a" not in deletions  # inside old.refs, which goes whole with it as precondition
    assert deletions["old.refs"].expected_contents == (("old.refs.a", '"{old.refs.a},1"'),)
    assert all(deletions[k].finding_ids == ("C2-old",) and deletions[k].approval_class == "applicant_deletion"
               for k in ("old.cv", "old.letter", "old.refs", "old.certs.b"))
    assert {("old.certs.rec", "record_label"), ("old", "holds_protected"), ("old.certs", "holds_protected")} \
        <= _skips(plan)
    assert "unlocked" in next(s.reason for s in plan.skipped if s.code == "record_label")


def test_a_label_that_could_not_be_read_protects_like_a_record():
    snapshot = _snapshot(extra=SPLIT[:3])
    targets = deletion_targets(FINDINGS, snapshot)
    assert {"old", "old.cv", "old.letter", "old.refs", "old.refs.a", "offer"} <= {i.id for i in targets}
    read = {(i.drive_id, i.id): None for i in targets if i.id != "old.refs.a"}
    labels = LabelReading(read, {(REC, "old.refs.a"): "503 after 3 retries"})
    deletions = _by(build_plan(FINDINGS, snapshot, _config(), NOW, labels=labels), "delete_item")
    assert {"old.cv", "old.letter", "offer"} <= set(deletions) and not {"old", "old.refs", "old.refs.a"} & set(deletions)
    plan = build_plan(FINDINGS, snapshot, _config(), NOW, labels=labels)
    unknown = next(s for s in plan.skipped if s.code == "label_unknown")
    assert unknown.subject.endswith("/old.refs.a") and "503 after 3 retries" in unknown.reason
    # A label never read at all (not among the targets) protects too: nothing unread is deleted.
    nothing = build_plan(FINDINGS, snapshot, _config(), NOW, labels=LabelReading({(CUS, "offer"): None}))
    assert set(_by(nothing, "delete_item")) == {"offer"}


def test_no_action_is_planned_from_a_stale_or_old_picture():
    stale = Staleness(NOW - timedelta(days=3), "resolve site and library: 403 accessDenied")
    plan = build_plan(FINDINGS, _snapshot(stale=stale), _config(**{"remediation.remove_grants": ["C1"]}), NOW)
    assert not [a for a in plan.actions if a.scope == "recruitment"]
    assert {(REC, "stale_picture"), ("old", "stale_picture")} <= _skips(plan)  # the scope, and what was asked
    assert "403 accessDenied" in next(s.reason for s in plan.skipped if s.code == "stale_picture")
    assert "offer" in _by(plan, "delete_item")  # the customer scope was read: it is planned as usual
    later = build_plan(FINDINGS, _snapshot(), _config(), NOW, checked_at=NOW + timedelta(hours=33))
    assert "offer" in _by(later, "delete_item")  # 35 h old: within 36 h
    late = build_plan(FINDINGS, _snapshot(), _config(), NOW, checked_at=NOW + timedelta(hours=39))
    assert not late.actions and ("offer", "stale_picture") in _skips(late)
    shorter = build_plan(FINDINGS, _snapshot(), _config(**{"limits.max_snapshot_age": "1h"}), NOW)
    assert not shorter.actions


def test_an_agreement_id_that_could_widen_the_event_query_is_never_an_asset_id():
    hostile = "321-2017-002 OR ComplianceAssetID:* OR Path:*"
    bad = _finding("C5-end", "c5.agreement-ended", "C5", "fail", "customers", "acme", due=date(2025, 9, 28),
                   agreement=hostile, ended="2025-06-30", row="7")
    plan = build_plan((*[f for f in FINDINGS if f.id != "C5-end"], bad), _snapshot(), _config(), NOW)
    assert not _by(plan, "fire_retention_event") and ("acme", "bad_asset_id") in _skips(plan)
    assert hostile not in plan_to_json(plan)
    auto = build_plan(FINDINGS, _snapshot(), _config(**{"limits.auto_approve_retention_events": True}), NOW)
    event = _by(auto, "fire_retention_event")["acme"]
    assert not event.requires_approval and event.approval_class is None


def test_hired_applicants_are_never_deleted_or_labelled(plan):
    assert "hired" not in _by(plan, "delete_item") and "hired" not in _by(plan, "apply_label")
    assert ("hired", "hired_applicant") in _skips(plan)


def test_applicant_folders_get_the_label_unless_due_hired_or_labelled(plan):
    labels = _by(plan, "apply_label")
    assert set(labels) == {"young"}  # old/kept are due for deletion, hired never, labelled already is
    assert labels["young"].label == "Søknad 12 mnd" and labels["young"].finding_ids == ("C2-young",)


def test_statutory_material_gets_its_label_with_the_keep_until_date(plan):
    labels = _by(plan, "apply_statutory_label")
    assert labels["invoice"].keep_until == date(2030, 12, 31) and labels["invoice"].label == "Bokføring primær 5 år"


def test_customer_disposal_names_the_agreement_not_the_customer(plan):
    offer = _by(plan, "delete_item")["offer"]
    assert offer.approval_class == "customer_disposal" and "321-2019-002" in offer.reason


def test_grants_are_removed_only_for_enabled_controls_and_never_an_allowed_groups_grant(plan):
    removals = [a for a in plan.actions if a.kind == "remove_permission"]
    assert [(a.item_id, a.permission_id, a.finding_ids) for a in removals] == [("young", "p1", ("C1-a", "C1-b"))]
    assert {("base", "group_member"), ("root", "library_root"), ("acme", "remediation_off")} <= _skips(plan)


def test_a_grant_only_inherited_is_not_removed_where_it_is_inherited_nor_an_unknown_audience(plan):
    """``old`` carries no shared facet: it inherits, so a removal there would target what its folder holds."""
    inherited = _finding("C1-i", "c1.recruitment-access", "C1", "fail", "recruitment", "old", permission="p9",
                         sourceItem="old", through="link:anonymous", kind="anyone")
    unknown = _finding("C1-u", "c1.recruitment-access", "C1", "fail", "recruitment", "young", permission="p8",
                       sourceItem="young", through="link:unknown", kind="audienceUnknown")
    planned = build_plan((*FINDINGS, inherited, unknown), _snapshot(),
                         _config(**{"remediation.remove_grants": ["C1"]}), NOW)
    removals = {(a.item_id, a.permission_id) for a in planned.actions if a.kind == "remove_permission"}
    assert ("old", "p9") not in removals and ("young", "p8") not in removals
    skips = {s.subject.split("/", 1)[1]: s for s in planned.skipped}
    assert skips["old/p9"].code == "inherited_permission" and "item root" in skips["old/p9"].reason
    assert skips["young/p8"].code == "audience_unknown"


def test_contract_end_fires_an_event_with_the_agreement_as_asset_id(plan):
    events = _by(plan, "fire_retention_event")
    assert set(events) == {"acme"} and events["acme"].asset_id == "321-2019-002"
    assert events["acme"].event_date == date(2025, 6, 30) and events["acme"].event_type == "Kontraktslutt"
    assert events["acme"].requires_approval and events["acme"].approval_class == "retention_event"
    assert ("nota", "no_asset_id") in _skips(plan)
    off = build_plan(FINDINGS, _snapshot(), _config(**{"retention.event_based": False}), NOW)
    assert not _by(off, "fire_retention_event")


def test_the_plan_is_deterministic_ordered_and_free_of_names(plan):
    again = build_plan(reversed(FINDINGS), _snapshot(), _config(**{"remediation.remove_grants": ["C1"]}), NOW)
    assert again.id == plan.id and plan_to_json(again) == plan_to_json(plan)
    kinds = [a.kind for a in plan.actions]
    assert kinds == sorted(kinds, key=["remove_permission", "fire_retention_event", "apply_statutory_label",
                                       "apply_label", "delete_item"].index)
    text = plan_to_json(plan)
    assert "Ola" not in text and "Nordmann" not in text and "/path" not in text


def test_limits_are_evaluated_over_every_deletion_in_the_plan(plan):
    limits = {c.limit: c for c in plan.limits}
    # The population is what lies below the configured folders: 10 below Søkere, 4 below the customer root.
    assert limits["max_deletions"].selected == 3 and limits["max_deletions"].population == 14
    assert limits["max_deletion_share"].exceeded and plan.over_limits  # 3 of 14 > 10 %
    assert not limits["max_permission_removals"].exceeded


def test_a_finding_about_an_item_outside_the_snapshot_is_skipped_not_guessed():
    lost = _finding("C2-lost", "c2.applicant-retention", "C2", "fail", "recruitment", "gone", due=date(2025, 1, 1))
    plan = build_plan((lost,), _snapshot(), _config(), NOW)
    assert not _by(plan, "delete_item") and ("gone", "not_in_snapshot") in _skips(plan)
