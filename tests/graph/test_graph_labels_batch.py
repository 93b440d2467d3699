"""Retention labels of many items through ``$batch``, with their behaviour (facts §4.1, §6).

Against the real sandbox over loopback HTTP: 20 label reads per envelope, 1 RU per item, no label →
None, an item-level 429 retried, an item-level 500 a GraphError for that item only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from graph_world import FakeClock, settings_for

from m365_compliance.graph import GraphError, GraphGateway, NotFound
from m365_compliance.graph.json_records import retention_label_from_json
from m365_compliance.model import RetentionLabelInfo
from m365_compliance.sandbox.http.resources import labels as label_routes
from m365_compliance.sandbox.http.meter import Meter
from m365_compliance.sandbox.model import AppAccess, Drive, Item, RetentionLabelDef
from m365_compliance.sandbox.server import SandboxServer
from m365_compliance.sandbox.tenant import SandboxError, Tenant

pytestmark = pytest.mark.anyio

BATCH = "POST /$batch"
GET_LABEL = "GET /drives/{id}/items/{id}/retentionLabel"
#: what each kind of item must read as: (label name, behaviour, record_locked, explicit, kind) or None
EXPECTED: dict[str, tuple[str, str, bool, bool, str | None] | None] = {
    "none": None,
    "retain": ("Keep-5y", "retain", False, True, "retain"),
    "record-locked": ("Contract-record", "retainAsRecord", True, True, "record (locked)"),
    "record-unlocked": ("Contract-record", "retainAsRecord", False, True, "record (unlocked)"),
    "regulatory": ("Regulatory", "retainAsRegulatoryRecord", False, True, "regulatory record"),
    "doNotRetain": ("Delete-6m", "doNotRetain", False, True, None),
    "inherited": ("Keep-5y", "retain", False, False, "retain"),  # from the labelled folder
}
KINDS = list(EXPECTED)


@dataclass
class LabelWorld:
    tenant: Tenant
    drive: Drive
    folder: Item
    items: dict[str, str]  # item id → kind


def build_label_world(count: int = 45) -> LabelWorld:
    tenant = Tenant(access=AppAccess.tenant_wide())  # Graph behaviour, not access: every permission
    site = tenant.add_site("arkiv", "Arkiv")
    drive = tenant.add_drive(site, "Dokumenter")
    for definition in (RetentionLabelDef("Keep-5y", "retain", 1825), RetentionLabelDef("Delete-6m", "doNotRetain", 180),
                       RetentionLabelDef("Contract-record", "retainAsRecord", 3650),
                       RetentionLabelDef("Regulatory", "retainAsRegulatoryRecord", 3650)):
        tenant.add_label(definition)
    folder = tenant.add_folder(drive, None, "Retained")
    tenant.set_label(folder, "Keep-5y")
    items: dict[str, str] = {}
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        item = tenant.add_file(drive, folder if kind == "inherited" else None, f"doc-{n}.txt")
        label = {"retain": "Keep-5y", "record-locked": "Contract-record", "record-unlocked": "Contract-record",
                 "regulatory": "Regulatory", "doNotRetain": "Delete-6m"}.get(kind)
        if label is not None:
            tenant.set_label(item, label)
        if kind == "record-locked":
            assert item.label is not None
            item.label.record_locked = True
        items[item.id] = kind
    return LabelWorld(tenant, drive, folder, items)


@pytest.fixture
def label_world() -> LabelWorld:
    return build_label_world()


@pytest.fixture
def tenant(label_world: LabelWorld) -> Tenant:
    return label_world.tenant


@pytest.fixture
async def unpaced(server: SandboxServer, clock: FakeClock) -> AsyncIterator[GraphGateway]:
    """No client-side pacing: the sandbox's own budget decides what is throttled."""
    async with GraphGateway(settings_for(server.base_url, ru_per_minute=None), clock=clock,
                            sleep=clock.sleep) as gw:
        yield gw


def check(answer: RetentionLabelInfo | None | GraphError, kind: str) -> None:
    expected = EXPECTED[kind]
    if expected is None:
        assert answer is None, kind
        return
    assert isinstance(answer, RetentionLabelInfo), (kind, answer)
    name, behavior, locked, explicit, words = expected
    assert (answer.name, answer.behavior, answer.record_locked, answer.explicit, answer.kind) == \
        (name, behavior, locked, explicit, words), kind
    assert answer.protects is (words is not None), kind
    assert answer.is_record is (behavior in ("retainAsRecord", "retainAsRegulatoryRecord")), kind
    assert answer.delete_allowed is (behavior == "doNotRetain"), kind
    assert answer.applied_at is not None, kind


async def test_45_items_in_3_envelopes_each_with_its_behaviour(gateway: GraphGateway, server: SandboxServer,
                                                               label_world: LabelWorld) -> None:
    ids = list(label_world.items)
    assert len(ids) == 45
    server.app.meter.reset()
    answers = await gateway.batch_get_labels(label_world.drive.id, ids + ids[:5])  # duplicates asked once
    stats = server.app.meter.snapshot()
    assert stats["requestsByEndpoint"] == {BATCH: 3, GET_LABEL: 45}
    assert stats["ruByEndpoint"] == {BATCH: 0, GET_LABEL: 45}
    assert gateway.stats.ru == 45 and gateway.stats.requests == 3  # each item charged like a direct read
    assert set(answers) == set(ids)
    for item_id, kind in label_world.items.items():
        check(answers[item_id], kind)
    # The direct (SDK-model) read tells the same, behaviour and lock included.
    for item_id in ids[:len(KINDS)]:
        assert await gateway.get_retention_label(label_world.drive.id, item_id) == answers[item_id]


async def test_a_deleted_or_unknown_item_is_no_label_not_an_exception(gateway: GraphGateway,
                                                                     label_world: LabelWorld) -> None:
    by_kind = {kind: item_id for item_id, kind in reversed(label_world.items.items())}
    gone = label_world.tenant.drive(label_world.drive.id).items[by_kind["doNotRetain"]]
    label_world.tenant.delete_item(gone)  # deleted after the plan's inventory was taken
    ids = [by_kind["retain"], gone.id, "01NOSUCHITEM", by_kind["none"]]
    answers = await gateway.batch_get_labels(label_world.drive.id, ids)
    check(answers[by_kind["retain"]], "retain")
    for item_id in (gone.id, "01NOSUCHITEM", by_kind["none"]):
        assert answers[item_id] is None or isinstance(answers[item_id], NotFound)


async def test_throttled_items_inside_a_batch_are_retried(unpaced: GraphGateway, server: SandboxServer,
                                                          clock: FakeClock, label_world: LabelWorld) -> None:
    server.app.meter = Meter(8, clock=clock)  # 8 RU a minute on the test's clock: most items get a 429
    answers = await unpaced.batch_get_labels(label_world.drive.id, list(label_world.items))
    stats = server.app.meter.snapshot()
    assert stats["throttled"] > 0 and unpaced.stats.throttled == stats["throttled"]
    assert unpaced.stats.retries == stats["throttled"]
    assert stats["requestsByEndpoint"][BATCH] > 3  # throttled items went again in later envelopes
    assert stats["ruByEndpoint"][GET_LABEL] == 45  # each item read (and charged) once in the end
    assert clock.sleeps and all(s >= 1 for s in clock.sleeps)  # waited the items' Retry-After
    for item_id, kind in label_world.items.items():
        check(answers[item_id], kind)


async def test_an_item_answering_500_is_an_error_for_that_item_only(gateway: GraphGateway, label_world: LabelWorld,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    broken = next(i for i, kind in label_world.items.items() if kind == "record-locked")
    effective_label = label_world.tenant.effective_label

    def failing(item: Item):  # the sandbox runs this for GET …/retentionLabel
        if item.id == broken:
            raise SandboxError(500, "generalException", "An unexpected error occurred.")
        return effective_label(item)

    monkeypatch.setattr(label_world.tenant, "effective_label", failing)
    answers = await gateway.batch_get_labels(label_world.drive.id, list(label_world.items))
    error = answers[broken]
    assert isinstance(error, GraphError) and not isinstance(error, NotFound)
    assert (error.status, error.code) == (500, "generalException")
    assert "retention label" in str(error)
    assert gateway.stats.retries == 0  # a 500 item is not resent
    for item_id, kind in label_world.items.items():
        if item_id != broken:
            check(answers[item_id], kind)


async def test_an_empty_label_is_none_and_a_malformed_one_an_error(gateway: GraphGateway, label_world: LabelWorld,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Graph's answer for an unlabelled item is undocumented (facts §4.1): 200 ``{}`` reads as no label;
    a body that is not an object is not "no label" but an error."""
    kinds = {kind: item_id for item_id, kind in label_world.items.items()}
    retain, record = kinds["retain"], kinds["record-locked"]
    drive = label_world.tenant.drive(label_world.drive.id)
    body = label_routes.retention_label
    monkeypatch.setattr(label_routes, "retention_label",
                        lambda tenant, applied: {} if drive.items[retain].label is applied
                        else ["not", "a", "label"] if drive.items[record].label is applied else body(tenant, applied))
    answers = await gateway.batch_get_labels(label_world.drive.id, [retain, record, kinds["regulatory"]])
    assert answers[retain] is None
    assert isinstance(answers[record], GraphError) and answers[record].code == "malformedResponse"
    check(answers[kinds["regulatory"]], "regulatory")


async def test_an_envelope_that_is_not_json_is_an_error_for_each_of_its_items(
        gateway: GraphGateway, server: SandboxServer, label_world: LabelWorld) -> None:
    server.app.malformed.replace_next("$batch", "html")  # only the first of the three envelopes
    ids = list(label_world.items)
    answers = await gateway.batch_get_labels(label_world.drive.id, ids)
    assert all(isinstance(answers[i], GraphError) and "not a JSON object" in str(answers[i]) for i in ids[:20])
    for item_id in ids[20:]:
        check(answers[item_id], label_world.items[item_id])


def test_label_json() -> None:
    assert retention_label_from_json({}) is None
    assert retention_label_from_json(None) is None
    assert retention_label_from_json({"name": ""}) is None
    docs = retention_label_from_json({  # the docs example (facts §4.2)
        "name": "Retention label for Contracts",
        "retentionSettings": {"behaviorDuringRetentionPeriod": "retain", "isDeleteAllowed": False,
                              "isRecordLocked": False, "isMetadataUpdateAllowed": False,
                              "isContentUpdateAllowed": False, "isLabelUpdateAllowed": False},
        "isLabelAppliedExplicitly": False,
        "labelAppliedDateTime": "2022-12-22T10:18:23.6580555+00:00",
        "labelAppliedBy": {"user": {"id": "56d171c8-a92e-4359-9c4a-38b88ac7eabd", "displayName": "Contoso Admin"}},
    })
    assert docs is not None
    assert (docs.behavior, docs.delete_allowed, docs.record_locked, docs.explicit) == ("retain", False, False, False)
    assert docs.applied_at is not None and docs.applied_at.year == 2022
    assert (docs.kind, docs.protects, docs.is_record) == ("retain", True, False)
    bare = retention_label_from_json({"name": "X"})
    assert bare is not None and (bare.behavior, bare.delete_allowed, bare.record_locked) == (None, None, None)


@pytest.mark.parametrize(("label", "kind"), [
    (RetentionLabelInfo("a", behavior="doNotRetain", delete_allowed=True), None),
    (RetentionLabelInfo("a", behavior="doNotRetain"), None),
    (RetentionLabelInfo("a", delete_allowed=True), None),
    (RetentionLabelInfo("a", behavior="retain"), "retain"),
    (RetentionLabelInfo("a", behavior="retainAsRecord", is_record=True, record_locked=True), "record (locked)"),
    (RetentionLabelInfo("a", behavior="retainAsRecord", is_record=True, record_locked=False), "record (unlocked)"),
    (RetentionLabelInfo("a", is_record=True), "record"),  # e.g. an older inventory: lock state not known
    (RetentionLabelInfo("a", behavior="retainAsRegulatoryRecord", is_record=True), "regulatory record"),
    (RetentionLabelInfo("a", behavior="doNotRetain", delete_allowed=False), "delete not allowed"),
    (RetentionLabelInfo("a", behavior="unknownFutureValue", delete_allowed=True),
     "unknown behaviour 'unknownFutureValue'"),
    (RetentionLabelInfo("a", behavior="retainForever"), "unknown behaviour 'retainForever'"),
    (RetentionLabelInfo("a"), "unknown behaviour"),  # nothing known: strict
])
def test_kind_and_protects(label: RetentionLabelInfo, kind: str | None) -> None:
    assert label.kind == kind
    assert label.protects is (kind is not None)
