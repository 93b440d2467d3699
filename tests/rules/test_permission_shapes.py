"""Every documented permission shape, from the sandbox through inventory and rules to the finding.

One night of the demo tenant with one applicant folder (or customer folder) per shape planted in it; each
test reads the finding that shape must produce — or must not: a recruiter named only by a SharePoint claim
is a recruiter, a customer's contact invited by e-mail is that customer's contact. A link whose audience
the answer does not say is never planned for removal, and never passes as compliant.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from night import Night, first_night

from m365_compliance.model import permission_ref
from m365_compliance.sandbox.demo import DemoTenant
from m365_compliance.sandbox.model import Item
from m365_compliance.state.store import StateStore

OUTSIDER = "someone@elsewhere.example"
SHAPES = ("invitation", "everyone", "claim-outsider", "claim-recruiter", "deprecated", "application", "unscoped",
          "unscoped-people", "password", "sp-role", "deprecated-guest", "limited-access")


def _base(demo: DemoTenant) -> tuple[object, Item]:
    t = demo.tenant
    drive = t.drive(demo.manifest.recruitment_drive)
    return drive, next(drive.items[c] for c in drive.items[drive.root_id].children or ()
                       if drive.items[c].name == "Søkere")


def _plant(demo: DemoTenant) -> None:
    t = demo.tenant
    t.quirks.inherited_from_empty = True  # inherited entries carry "inheritedFrom": {} (devx-api #223)
    drive, base = _base(demo)
    users = demo.manifest.users
    consultant, recruiter = users["ida.nilsen@tretoen.no"], users["kari.nordmann@tretoen.no"]
    guest = next(u.id for u in t.users.values() if u.is_guest)
    folders = {shape: t.add_folder(drive, base, f"2026-11 Form {shape}") for shape in SHAPES}  # type: ignore[arg-type]
    for folder in folders.values():
        t.add_file(drive, folder, "CV.pdf")  # type: ignore[arg-type]
    t.grant(folders["invitation"], ("read",), invitation=OUTSIDER)
    t.grant(folders["everyone"], ("read",), claim="everyone-except-external")
    t.grant(folders["claim-outsider"], ("write",), user_id=consultant, shape="siteUserOnly")
    t.grant(folders["claim-recruiter"], ("write",), user_id=recruiter, shape="siteUserOnly")
    t.grant(folders["deprecated"], ("read",), user_id=consultant, shape="deprecated")
    t.grant(folders["application"], ("write",), application=("6f1c0a2e-0000-4000-8000-00000000abcd", "Some App"))
    t.add_link(folders["unscoped"], "anonymous", shape="noScope")
    t.add_link(folders["unscoped-people"], "users", recipients=[guest], shape="noScope")
    t.add_link(folders["password"], "anonymous", has_password=True, prevents_download=True)
    t.grant(folders["sp-role"], ("sp.full control",), user_id=consultant)
    t.grant(folders["deprecated-guest"], ("read",), user_id=guest, shape="deprecated")
    t.grant(folders["limited-access"], ("sp.limited access",), user_id=guest)
    folder_id, contact = _guest_contact(demo)
    t.grant(t.drive(demo.manifest.customers_drive).items[folder_id], ("read",), user_id=contact, shape="siteUserOnly")


def _guest_contact(demo: DemoTenant) -> tuple[str, str]:
    """A customer folder and a guest registered as its contact person (named only by a claim below)."""
    return next((c.folder_id, u) for c in demo.manifest.customers if c.folder_id
                for u in c.contacts if demo.tenant.users[u].is_guest)


@pytest.fixture(scope="module")
def shaped(tmp_path_factory: pytest.TempPathFactory) -> Night:
    """The night, then a plan under the acting policy (grants removed for C1 and C3)."""
    night = first_night(Path(tmp_path_factory.mktemp("shapes")), prepare=_plant)
    with night.served():  # plan reads the labels of what it would delete
        planned = night.cli("plan", "--out", night.plan_path)
    assert planned.exit_code in (0, 3), planned.output  # 3: over a limit, which changes nothing planned here
    return night


def _folder(night: Night, shape: str) -> str:
    item = night.item(f"{night.demo.tenant.drive(night.demo.manifest.recruitment_drive).name}/Søkere/2026-11 Form {shape}")
    assert item is not None
    return item.id


def _findings(night: Night, item_id: str) -> list[dict[str, object]]:
    """C1 findings of the newest evaluation whose grant is defined on ``item_id``."""
    evaluation = night.latest_evaluation()
    with night.db() as db:
        bodies = [json.loads(b) for (b,) in db.execute(
            "SELECT body FROM findings WHERE evaluation_id=? AND rule_id='c1.recruitment-access'", (evaluation,))]
    return [b for b in bodies if b["evidence"].get("sourceItem") == item_id]


def _one(night: Night, shape: str) -> dict[str, object]:
    found = _findings(night, _folder(night, shape))
    assert len(found) == 1, found
    return found[0]


def test_a_pending_invitation_is_an_outsider_until_accepted(shaped: Night) -> None:
    finding = _one(shaped, "invitation")
    assert (finding["status"], finding["severity"], finding["evidence"]["verdict"]) == \
        ("fail", "high", "pending-invitation")
    assert OUTSIDER not in json.dumps(finding)  # the key is a digest: no address in findings


def test_everyone_except_external_users_named_by_its_claim(shaped: Night) -> None:
    finding = _one(shaped, "everyone")
    assert (finding["status"], finding["severity"], finding["evidence"]["verdict"]) == ("fail", "high", "everyone-claim")


def test_a_person_named_only_by_a_site_user_claim_is_resolved_in_the_directory(shaped: Night) -> None:
    consultant = shaped.demo.manifest.users["ida.nilsen@tretoen.no"]
    finding = _one(shaped, "claim-outsider")
    assert finding["evidence"]["principal"] == f"user:{consultant}"  # the directory's user, not an address
    assert (finding["status"], finding["evidence"]["verdict"]) == ("fail", "outside-allowed")
    assert _findings(shaped, _folder(shaped, "claim-recruiter")) == []  # a recruiter by claim is a recruiter


def test_only_the_deprecated_granted_to(shaped: Night) -> None:
    finding = _one(shaped, "deprecated")
    assert finding["evidence"]["principal"] == f"user:{shaped.demo.manifest.users['ida.nilsen@tretoen.no']}"
    assert finding["evidence"]["verdict"] == "outside-allowed"


def test_an_application_granted_directly(shaped: Night) -> None:
    finding = _one(shaped, "application")
    assert finding["evidence"]["principal"] == "application:6f1c0a2e-0000-4000-8000-00000000abcd"
    assert finding["evidence"]["verdict"] == "outside-allowed"


def test_a_link_without_scope_or_people_is_audience_unknown_and_never_removed(shaped: Night) -> None:
    folder = _folder(shaped, "unscoped")
    finding = _one(shaped, "unscoped")
    assert (finding["status"], finding["severity"], finding["evidence"]["verdict"]) == \
        ("not_evaluated", "high", "audience-unknown")
    assert finding["evidence"]["linkScope"] == "unknown"
    plan = shaped.plan()
    assert not [a for a in plan.actions if a.item_id == folder and a.kind == "remove_permission"]  # never removed


def test_a_link_without_scope_naming_people_is_specific_people(shaped: Night) -> None:
    finding = _one(shaped, "unscoped-people")
    assert finding["evidence"]["linkScope"] == "users" and finding["evidence"]["verdict"] == "outsider"


def test_password_and_download_block_are_kept_as_evidence(shaped: Night) -> None:
    finding = _one(shaped, "password")
    assert finding["evidence"]["verdict"] == "anonymous-link" and finding["severity"] == "high"
    assert (finding["evidence"]["hasPassword"], finding["evidence"]["preventsDownload"]) == ("True", "True")


def test_sharepoint_role_names_are_kept(shaped: Night) -> None:
    assert _one(shaped, "sp-role")["evidence"]["roles"] == "sp.full control"


def test_inherited_from_empty_changes_no_verdict(shaped: Night) -> None:
    """With ``inheritedFrom: {}`` on inherited entries the demo's seeded strays are still found, once each."""
    evaluation = shaped.latest_evaluation()
    with shaped.db() as db:
        items = {json.loads(b)["evidence"]["sourceItem"] for (b,) in db.execute(
            "SELECT body FROM findings WHERE evaluation_id=? AND rule_id='c1.recruitment-access' "
            "AND json_extract(body, '$.status')='fail'", (evaluation,))}
    assert shaped.demo.manifest.violations("recruitment") <= items


def test_a_guest_named_only_by_the_deprecated_identity_set_is_a_guest(shaped: Night) -> None:
    """Attack: `grantedTo.user` with the guest's id only was read as a member: no 72-hour breach clock."""
    finding = _one(shaped, "deprecated-guest")
    assert finding["evidence"]["kind"] == "guest" and finding["evidence"]["verdict"] == "outsider"
    assert finding["evidence"]["principal"].startswith("guest:") and "mail-" not in finding["evidence"]["principal"]


def test_limited_access_alone_opens_nothing_and_is_never_removed(shaped: Night) -> None:
    assert _findings(shaped, _folder(shaped, "limited-access")) == []


def test_a_guest_contact_named_only_by_a_claim_keeps_access_to_their_own_customer(shaped: Night) -> None:
    """Attack: the claim `i:0#.f|membership|name_domain#ext#@tenant` was not matched to the guest, so C3 failed
    on their own customer's folder and apply removed their access. The claim names the guest's UPN; the guest
    is registered (and known to the directory) by their external address."""
    folder_id, _ = _guest_contact(shaped.demo)
    with shaped.db() as db:
        (evaluation,) = db.execute("SELECT evaluation_id FROM findings ORDER BY evaluated_at DESC LIMIT 1").fetchone()
        bodies = [json.loads(b) for (b,) in db.execute(
            "SELECT body FROM findings WHERE evaluation_id=? AND rule_id='c3.customer-access'", (evaluation,))]
    assert not [b for b in bodies if b["evidence"].get("sourceItem") == folder_id and b["status"] != "pass"], bodies
    plan = shaped.plan()
    assert not [a for a in plan.actions if a.item_id == folder_id and a.kind == "remove_permission"]


def test_an_audience_unknown_link_is_listed_as_skipped_with_its_code(shaped: Night) -> None:
    folder = _folder(shaped, "unscoped")
    skipped = [s for s in shaped.plan().skipped if f"/{folder}/" in s.subject]
    assert [s.code for s in skipped] == ["audience_unknown"], skipped


def test_no_address_reaches_plan_journal_or_findings_through_a_permission_id(shaped: Night) -> None:
    """Attack: SharePoint's permission ids for people are the base64 of their claim; the invitation's id
    carried `someone@elsewhere.example` into plan.json, `skipped` and the journal export."""
    import base64

    result = shaped.cli("journal", "export", "--format", "csv", shaped.out / "journal.csv", now=False)
    assert result.exit_code == 0, result.output
    encoded = base64.b64encode(OUTSIDER.encode()).decode()[:12]
    for name in ("plan.json", "journal.csv", "findings.json"):
        text = (shaped.out / name).read_text(encoding="utf-8")
        assert OUTSIDER not in text and encoded not in text, name
    plan_text = (shaped.out / "plan.json").read_text(encoding="utf-8")
    folder = shaped.demo.tenant.drive(shaped.demo.manifest.recruitment_drive).items[_folder(shaped, "invitation")]
    raw = next(g.id for g in folder.grants or () if g.invitation == OUTSIDER)
    with StateStore(shaped.store_path) as store:
        ref = permission_ref(raw, store.pseudonym_key)
    assert ref.startswith("perm-") and ref in plan_text  # the removal is planned, named by its keyed ref …
    assert hashlib.sha256(raw.encode()).hexdigest()[:24] not in plan_text  # … which no guess can recompute
