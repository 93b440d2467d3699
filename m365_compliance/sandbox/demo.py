"""The 321 demo tenant, generated deterministically, with its ground truth.

A recruitment site with one folder per applicant (aged 0–24 months, a few past 12 months, two hired,
stray access seeded on some; each with the applicant's e-mail in a column and files whose text
names the applicant), a customer site with a folder per customer and the agreement register
list (running and ended agreements, a guest contact person, a folder missing from the register, a
row without a folder, a duplicate row, an unknown contact), statutory documents beside working
files, record labels, and nested groups for the roles. ``items=N`` grows it to about N items with
~2 % unique-permission roots and realistic depth — all extra content allowed by the policy, so the
seeded violations (listed in :class:`DemoManifest`) are the same at every size. The compliance app
holds least privilege: Sites.Selected ``write`` on the two sites (``demo_access.py``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from m365_compliance.sandbox.demo_access import grant_demo_access
from m365_compliance.sandbox.demo_customers import UNREGISTERED_FOLDER, build_customers
from m365_compliance.sandbox.demo_manifest import (
    ApplicantTruth,
    CustomerTruth,
    DemoManifest,
    StrayAccess,
    applicant_state,
)
from m365_compliance.sandbox.demo_people import (
    APPLICANT_LABEL,
    EMPLOYEES,
    EVENT_LABEL,
    FILES_PER_APPLICANT,
    FIRST_NAMES,
    LAST_NAMES,
    PRIMARY_LABEL,
    RECORD_LABEL,
    SECONDARY_LABEL,
    applicant_mail,
    document_text,
)
from m365_compliance.sandbox.demo_scale import grow
from m365_compliance.sandbox.model import Column, Drive, Item, RetentionLabelDef
from m365_compliance.sandbox.tenant import Tenant

DOMAIN = "tretoen.no"

#: Applicant ages in days before the clock (one per applicant folder); 362 and 368 straddle 12 months.
APPLICANT_AGE_DAYS = (12, 30, 61, 95, 130, 150, 185, 214, 245, 276, 300, 320, 340, 362, 368, 400, 430, 460,
                      500, 548, 610, 670, 700, 730)
NO_DATE = {5, 17}  # indexes of applicants without an application date (age from folder creation)
HIRED = {5, 16}  # one hired within 12 months, one hired past it
STRAY_GUEST = "viktor.vikar@bemanning.example"  # a guest who is nobody's contact person
EMAIL_COLUMN = "Epost"  # the applicant's e-mail address (recruitment.email_column in the demo policy)


__all__ = ["ApplicantTruth", "CustomerTruth", "DemoManifest", "DemoTenant", "StrayAccess", "build_demo_tenant"]


@dataclass(frozen=True)
class DemoTenant:
    tenant: Tenant
    manifest: DemoManifest


def build_demo_tenant(*, items: int | None = None, seed: int = 321) -> DemoTenant:
    """The demo tenant and its ground truth; the same ``seed`` gives the same tenant, ids included.

    ``items`` grows it to about that many drive items (10k, 100k, 1M); a million take seconds.
    """
    rng = random.Random(seed)
    t = Tenant(id_seed=str(seed))
    users, groups = _directory(t)
    _labels(t)
    rec_drive, applicants, rec_stray = _recruitment(t, users, groups)
    side = build_customers(t, users, groups)
    if items is not None:
        applicants += grow(t, rng, items, rec_drive=rec_drive, cus_drive=side.drive, groups=groups,
                           customers=side.customers, avoid={s.item_id for s in side.strays})
    grant_demo_access(t)  # least privilege for the demo policy (demo_access.py)
    manifest = DemoManifest(groups, users, rec_drive.id, side.drive.id, side.register_id, tuple(applicants),
                            tuple(rec_stray + side.strays), tuple(side.customers), UNREGISTERED_FOLDER,
                            side.rows["folderless"], side.rows["duplicate"], side.rows["unknown"], side.statutory,
                            tuple(side.records))
    return DemoTenant(t, manifest)


def _directory(t: Tenant) -> tuple[dict[str, str], dict[str, str]]:
    users: dict[str, str] = {}
    by_role: dict[str, list[str]] = {}
    for name, local, role in EMPLOYEES:
        user = t.add_user(name, f"{local}@{DOMAIN}", job_title=role)
        users[user.mail] = user.id
        by_role.setdefault(role, []).append(user.id)
    stray_guest = t.add_user("Viktor Vikar", STRAY_GUEST, guest=True)
    users[stray_guest.mail] = stray_guest.id
    hr = t.add_group("HR", f"hr@{DOMAIN}", members=by_role["hr"])
    recruiters = t.add_group("Rekruttering", f"rekruttering@{DOMAIN}", members=[*by_role["recruiter"], hr.id],
                             unified=True)
    east = t.add_group("Salg Øst", f"salg-ost@{DOMAIN}", members=by_role["sales-east"])
    sales = t.add_group("Salg", f"salg@{DOMAIN}", members=[*by_role["sales"], east.id])
    management = t.add_group("Ledelse", f"ledelse@{DOMAIN}", members=by_role["management"])
    everyone = t.add_group("Alle ansatte", f"alle@{DOMAIN}", members=[u for ids in by_role.values() for u in ids],
                           unified=True)
    groups = {"recruiters": recruiters.id, "hr": hr.id, "sales": sales.id, "sales-east": east.id,
              "management": management.id, "everyone": everyone.id}
    return users, groups


def _labels(t: Tenant) -> None:
    t.add_label(RetentionLabelDef(APPLICANT_LABEL, "doNotRetain", 365))
    t.add_label(RetentionLabelDef(PRIMARY_LABEL, "retain", 1826))
    t.add_label(RetentionLabelDef(SECONDARY_LABEL, "retain", 1278))
    t.add_label(RetentionLabelDef(RECORD_LABEL, "retainAsRecord", 1826))
    t.add_label(RetentionLabelDef(EVENT_LABEL, "retain", 1826, trigger="dateOfEvent", event_type=EVENT_LABEL))


def _recruitment(t: Tenant, users: dict[str, str],
                 groups: dict[str, str]) -> tuple[Drive, list[ApplicantTruth], list[StrayAccess]]:
    it_admin = users[f"it-admin@{DOMAIN}"]
    site = t.add_site("rekruttering", "Rekruttering", owners=[it_admin], members=[groups["recruiters"]],
                      created=datetime(2019, 1, 7, 9, tzinfo=UTC))
    drive = t.add_drive(site, "Dokumenter", created=site.created)
    root = drive.items[drive.root_id]
    for site_group in ("5", "4"):  # a hardened library: Owners plus the recruiters group, nobody else
        t.remove_grant(root, site_group)
    t.grant(root, ("write",), group_id=groups["recruiters"])
    t.lists[drive.list_id].columns.extend([Column("Soknadsdato", "Søknadsdato", "date"),
                                           Column("Ansatt", "Ansatt", "boolean"),
                                           Column(EMAIL_COLUMN, "E-post", "text")])
    base = t.add_folder(drive, None, "Søkere", created=site.created, created_by=it_admin)
    recruiter = users[f"kari.nordmann@{DOMAIN}"]
    applicants: list[ApplicantTruth] = []
    folders: list[Item] = []
    for n, age in enumerate(APPLICANT_AGE_DAYS):
        applied_at = t.clock - timedelta(days=age)
        applied = applied_at.date()
        first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[(n * 7) % len(LAST_NAMES)]
        name, mail = f"{first} {last}", applicant_mail(first, last)
        fields: dict[str, object] = {"Ansatt": n in HIRED, EMAIL_COLUMN: mail}
        if n not in NO_DATE:
            fields["Soknadsdato"] = applied.isoformat()
        created = applied_at + timedelta(hours=3)
        folder = t.add_folder(drive, base, f"{applied:%Y-%m} {name}", created=created, created_by=recruiter,
                              fields=fields)
        for k, file_name in enumerate(FILES_PER_APPLICANT[: 3 + n % 3]):
            t.add_file(drive, folder, file_name, created=created + timedelta(minutes=k), created_by=recruiter,
                       content=document_text(file_name.rsplit(".", 1)[0], f"{name} <{mail}>",
                                             f"Søknad til TRETOEN AS, {applied.isoformat()}"))
        folders.append(folder)
        start = created.date() if n in NO_DATE else applied
        applicants.append(ApplicantTruth(folder.id, None if n in NO_DATE else applied, created, n in HIRED,
                                         folder.name, applicant_state(start, n in HIRED, t.clock.date()), name, mail))
    stray = _recruitment_strays(t, drive, folders, users)
    return drive, applicants, stray


def _recruitment_strays(t: Tenant, drive: Drive, folders: list[Item], users: dict[str, str]) -> list[StrayAccess]:
    def first_file(folder: Item) -> Item:
        assert folder.children
        return drive.items[next(iter(folder.children))]

    sales_user = users[f"sofie.johansen@{DOMAIN}"]
    guest = users[STRAY_GUEST]
    recruiter = users[f"jonas.berg@{DOMAIN}"]
    direct = t.grant(folders[2], ("read",), user_id=sales_user)
    anonymous = t.add_link(first_file(folders[4]), "anonymous")
    guest_grant = t.grant(folders[7], ("read",), user_id=guest)
    organization = t.add_link(folders[9], "organization", "view")
    expired = first_file(folders[11])
    old_link = t.add_link(expired, "anonymous", expires=t.clock - timedelta(days=55))
    allowed = first_file(folders[1])
    recruiter_link = t.add_link(allowed, "users", "edit", recipients=[recruiter])
    return [
        StrayAccess("recruitment", folders[2].id, "user-outside-role", sales_user, grant_id=direct.id),
        StrayAccess("recruitment", first_file(folders[4]).id, "anonymous-link", None, grant_id=anonymous.id,
                    link_scope="anonymous"),
        StrayAccess("recruitment", folders[7].id, "guest", guest, grant_id=guest_grant.id),
        StrayAccess("recruitment", folders[9].id, "organization-link", None, grant_id=organization.id,
                    link_scope="organization"),
        StrayAccess("recruitment", expired.id, "expired-link", None, grant_id=old_link.id, link_scope="anonymous",
                    expired=True),
        StrayAccess("recruitment", allowed.id, "specific-people-link", recruiter, allowed=True,
                    grant_id=recruiter_link.id, link_scope="users"),
    ]
