"""C1 and C3 on hand-built snapshots: who is allowed, how severe a stray grant is, what is not evaluated."""

from __future__ import annotations

from datetime import UTC, datetime

from rules_world import (
    ALL,
    CUS_ROOT,
    GINA,
    IDA,
    KARI,
    MEMBERS,
    OLA,
    PER,
    REC,
    REC_MEMBERS,
    REC_ROOT,
    SIV,
    VIK,
    file,
    grant,
    item,
    of,
    row,
    run,
    snapshot,
    with_roles,
)

from m365_compliance.model import LinkScope, Principal, PrincipalKind

C1, C3 = "c1.recruitment-access", "c3.customer-access"


def flagged(findings, rule_id):
    """principal key → (severity, status, item) of each access finding."""
    return {dict(f.evidence)["principal"]: (f.severity, f.status, f.item_id) for f in of(findings, rule_id)}


def test_a_recruiter_in_a_nested_group_is_allowed_a_sales_user_is_not():
    perms = {"søker": (*REC_ROOT, grant("per", PER), grant("siv", SIV), grant("kari", KARI))}
    findings = run(snapshot([item("søker", "Søkere")], perms, cus_items=None))
    assert flagged(findings, C1) == {SIV.key: ("high", "fail", "søker")}  # applicant data: high even for employees
    evidence = dict(of(findings, C1)[0].evidence)
    assert evidence["through"] == "direct" and evidence["sourceItem"] == "søker" and evidence["permission"] == "siv"


def test_a_group_outside_the_role_is_one_finding_not_one_per_member():
    findings = run(snapshot([item("søker", "Søkere")], {"søker": (*REC_ROOT, grant("all", ALL))}, cus_items=None))
    assert flagged(findings, C1) == {ALL.key: ("high", "fail", "søker")}


def test_a_guest_contact_person_is_allowed_on_their_customer_only():
    folders = [item("Kunde AS", "kroot"), item("Annen AS", "kroot")]
    perms = {"Kunde AS": (*CUS_ROOT, grant("gina", GINA), grant("vik", VIK)),
             "Annen AS": (*CUS_ROOT, grant("gina", GINA))}
    rows = [row("Kunde AS", contacts=["gina@kunde.example"]), row("Annen AS")]
    findings = run(snapshot(None, cus_items=folders, cus_perms=perms, rows=rows))
    found = {(dict(f.evidence)["principal"], f.item_id): (f.severity, f.title) for f in of(findings, C3)}
    assert found == {(VIK.key, "Kunde AS"): ("medium", "Shared with an outsider"),
                     (GINA.key, "Annen AS"): ("medium", "Shared with an outsider")}


def test_contact_persons_match_by_object_id_and_text_column_too():
    rows = [row("Kunde AS", contacts=[], KontaktEpost="Ida <IDA@tretoen.no>; vik")]
    perms = {"Kunde AS": (*CUS_ROOT, grant("ida", IDA), grant("vik", VIK))}
    findings = run(snapshot(None, cus_items=[item("Kunde AS", "kroot")], cus_perms=perms, rows=rows))
    assert set(flagged(findings, C3)) == {VIK.key}  # "vik" is neither a mail nor an id: not a contact


def test_anonymous_link_on_an_applicants_subfolder_and_an_expired_link():
    items = [item("søker", "Søkere"), item("sub", "søker"), file("cv.pdf", "søker"), file("brev.pdf", "søker")]
    old = datetime(2026, 1, 1, tzinfo=UTC)
    perms = {"sub": (*REC_ROOT, grant("l1", link=LinkScope.ANONYMOUS)),
             "cv.pdf": (*REC_ROOT, grant("l2", link=LinkScope.ANONYMOUS, expires=old)),
             "brev.pdf": (*REC_ROOT, grant("l3", KARI, link=LinkScope.USERS, expires=old))}  # allowed anyway
    findings = {f.item_id: f for f in of(run(snapshot(items, perms, cus_items=None)), C1)}
    assert set(findings) == {"sub", "cv.pdf"}
    assert (findings["sub"].severity, findings["sub"].title) == ("high", "Anonymous sharing link")
    assert (findings["cv.pdf"].severity, findings["cv.pdf"].status) == ("low", "fail")
    assert findings["cv.pdf"].title == "Expired sharing link or grant still present"
    assert dict(findings["cv.pdf"].evidence)["expires"].startswith("2026-01-01")


def test_organisation_link_counts_once_and_guests_in_the_recruiters_group_are_outsiders():
    members = {**MEMBERS, "g-rec": (*MEMBERS["g-rec"], GINA.key)}
    org = grant("org", KARI, SIV, link=LinkScope.ORGANIZATION)  # the people who used it add nothing
    findings = of(run(snapshot([item("søker", "Søkere")], {"søker": (*REC_ROOT, org)}, cus_items=None,
                               members=members)), C1)
    assert {(dict(f.evidence)["principal"], f.item_id, f.severity) for f in findings} == {
        ("organization:organization", "søker", "high"), (GINA.key, "rroot", "high"), (GINA.key, "søker", "high")}
    via = next(f for f in findings if f.item_id == "rroot")
    assert dict(via.evidence)["viaGroup"] == REC.key and dict(via.evidence)["through"] == "group"


def test_grants_inherited_from_the_library_root_are_judged():
    root = (*REC_ROOT, grant("anon", link=LinkScope.ANONYMOUS))
    findings = run(snapshot([item("søker", "Søkere")], {"rroot": root}, cus_items=None))
    assert flagged(findings, C1) == {"anyone:anyone": ("high", "fail", "rroot")}
    assert dict(of(findings, C1)[0].evidence)["inherited"] == "yes"


def test_above_the_customer_folders_only_management_and_sales_are_allowed():
    folders = [item("Kunde AS", "kroot"), item("Annen AS", "kroot"), file("løs.docx", "kroot")]
    perms = {"kroot": (*CUS_ROOT, grant("gina", GINA)), "løs.docx": (*CUS_ROOT, grant("ida", IDA))}
    rows = [row("Kunde AS", contacts=["gina@kunde.example"]), row("Annen AS")]
    findings = run(snapshot(None, cus_items=folders, cus_perms=perms, rows=rows))
    # Gina is Kunde AS's contact, but a grant on the root reaches every customer: one finding, at the root.
    assert flagged(findings, C3) == {GINA.key: ("medium", "fail", "kroot"), IDA.key: ("medium", "fail", "løs.docx")}


def test_site_groups_follow_the_policy_and_technical_principals_pass():
    perms = {"søker": (*REC_ROOT, grant("5", REC_MEMBERS), grant("app", Principal(PrincipalKind.APPLICATION, "a1")),
                       grant("ida", IDA))}
    snap = snapshot([item("søker", "Søkere")], perms, cus_items=None)
    assert set(flagged(run(snap), C1)) == {REC_MEMBERS.key, "application:a1", IDA.key}
    relaxed = with_roles(site_group_policy="allowed", technical=("site-group:Owners", "a1", "ida@tretoen.no"))
    assert flagged(run(snap, relaxed), C1) == {}
    strict = with_roles(technical=())  # without site-group:Owners even the Owners group is flagged
    assert "siteGroup:rs/3" in flagged(run(snap, strict), C1)


def test_unreadable_role_membership_is_not_evaluated_but_a_guest_still_fails():
    members = {k: v for k, v in MEMBERS.items() if k != "g-rec"}  # the recruiters group could not be expanded
    perms = {"søker": (*REC_ROOT, grant("kari", KARI), grant("vik", VIK))}
    findings = run(snapshot([item("søker", "Søkere")], perms, cus_items=None, members=members))
    assert flagged(findings, C1) == {KARI.key: ("high", "not_evaluated", "søker"), VIK.key: ("high", "fail", "søker")}


def test_unreadable_register_makes_contact_grants_not_evaluated():
    from m365_compliance.state.inventory_repo import Gap

    gap = Gap("register", "https://x.example/sites/kunder list Avtaleregister", "read register", "Forbidden", 403)
    perms = {"Kunde AS": (*CUS_ROOT, grant("gina", GINA), grant("anon", link=LinkScope.ANONYMOUS))}
    findings = run(snapshot(None, cus_items=[item("Kunde AS", "kroot")], cus_perms=perms, gaps=[gap]))
    assert flagged(findings, C3) == {GINA.key: ("medium", "not_evaluated", "Kunde AS"),
                                     "anyone:anyone": ("high", "fail", "Kunde AS")}


def test_an_unreadable_root_is_not_evaluated_once():
    from m365_compliance.state.inventory_repo import Gap

    gap = Gap("recruitment", "rd/søker", "permissions", "Forbidden", 403)
    findings = run(snapshot([item("søker", "Søkere"), file("cv.pdf", "søker")], cus_items=None, gaps=[gap],
                            unreadable=["søker"]))
    assert [(f.rule_id, f.status, f.item_id) for f in findings if f.status == "not_evaluated"] == \
        [(C1, "not_evaluated", "søker")]


def test_management_and_sales_pass_on_customers_but_not_on_recruitment():
    perms = {"søker": (*REC_ROOT, grant("ola", OLA))}
    cus = {"Kunde AS": (*CUS_ROOT, grant("ola", OLA), grant("siv", SIV))}
    findings = run(snapshot([item("søker", "Søkere")], perms, [item("Kunde AS", "kroot")], cus,
                            rows=[row("Kunde AS")]))
    assert set(flagged(findings, C1)) == {OLA.key} and flagged(findings, C3) == {}
