"""Every documented permission shape, from the sandbox through inventory and rules to the finding.

One night of the demo tenant with one applicant folder (or customer folder) per shape planted in it; each
test reads the finding that shape must produce — or must not: a recruiter named only by a SharePoint claim
is a recruiter, a customer's contact invited by e-mail is that customer's contact. A link whose audience
the answer does not say is never planned for removal, and never passes as compliant.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from night import Night, first_night

from m365_compliance.sandbox.demo import DemoTenant
from m365_compliance.sandbox.model import Item

OUTSIDER = "someone@elsewhere.example"
SHAPES = ("invitation", "everyone", "claim-outsider", "claim-recruiter", "deprecated", "application", "unscoped",
          "unscoped-people", "password", "sp-role")


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


@pytest.fixture(scope="module")
def shaped(tmp_path_factory: pytest.TempPathFactory) -> Night:
    return first_night(Path(tmp_path_factory.mktemp("shapes")), prepare=_plant)


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
