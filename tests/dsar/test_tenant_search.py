"""The optional tenant-wide search: a refusal is noted in the case, never skipped silently; a hit outside
the configured scopes is confirmed by a person, exported, and left to a person to erase."""

from __future__ import annotations

import json
import zipfile

from dsar_world import World

from m365_compliance.actions.plan_json import read_plan
from m365_compliance.dsar.repository import CaseRepository


def search_on(world: World) -> None:
    world.set_policy("tenant_search = false", "tenant_search = true")


def test_a_refused_search_is_noted_and_the_case_stays_open(world: World) -> None:
    search_on(world)
    assert not world.demo.tenant.access.has_any("Files.Read.All", "Sites.Read.All")  # Sites.Selected only
    case = world.open("nobody@example.org", "access")
    found = world.cli("dsar", "find", case, "--out", world.dir)
    assert "Not searched tenant-wide" in found.output and "Files.Read.All or Sites.Read.All" in found.output
    assert "the case stays open" in found.output and not (world.dir / f"{case}-statement.json").exists()
    with world.store() as store:
        stored = CaseRepository(store).get(case)
    assert stored.status == "open" and any("grant it" in n.lower() for n in stored.find_notes)
    assert world.server.app.meter.snapshot()["requestsByEndpoint"]["POST /search/query"] == 1


def test_a_hit_outside_the_scopes_is_confirmed_exported_and_left_for_a_person(world: World) -> None:
    search_on(world)
    t, m = world.demo.tenant, world.demo.manifest
    t.access.permissions.add("Files.Read.All")  # dsar.tenant_search needs it (docs/permissions.md)
    a = next(x for x in m.applicants if x.state == "within")
    intranet = t.add_site("intranett", "Intranett")
    drive = t.add_drive(intranet, "Delte dokumenter")
    stray = t.add_file(drive, None, "Intervjuplan.docx", content=f"Intervju med {a.person} tirsdag.\n".encode())

    case = world.open(a.email, "access", name=a.person)
    found = world.cli("dsar", "find", case)
    assert "1 to confirm" in found.output and "Searched tenant-wide (region EMEA)" in found.output
    with world.store() as store:
        matches = {x.scope: x for x in CaseRepository(store).matches(case)}
    assert set(matches) == {"recruitment", "tenant"}  # hits inside the applicant folder add nothing
    outside = matches["tenant"]
    assert (outside.item_id, outside.rule, outside.status) == (stray.id, "tenant search", "pending")
    assert outside.web_url.endswith("/Intervjuplan.docx")

    world.cli("dsar", "confirm", case, "--match", outside.match_id)
    world.cli("dsar", "export", case, "--out", world.dir)
    with zipfile.ZipFile(world.dir / f"{case}-export.zip") as zf:
        manifest = json.loads(zf.read("manifest.json"))
        (entry,) = [e for e in manifest["files"] if e["scope"] == "tenant"]
        assert entry["file"] == f"files/other/{outside.match_id}/Intervjuplan.docx"
        assert zf.read(entry["file"]) == t.file_content(stray)
        assert "reviewed by hand" in entry["retention"]

    erasure = world.open(a.email, "erasure", name=a.person)
    world.cli("dsar", "find", erasure)
    with world.store() as store:
        tenant_match = next(x for x in CaseRepository(store).matches(erasure) if x.scope == "tenant")
    world.cli("dsar", "confirm", erasure, "--match", tenant_match.match_id)
    world.cli("dsar", "erase", erasure, "--out", world.dir / "plan.json")
    plan = read_plan(world.dir / "plan.json")
    assert [x.item_id for x in plan.actions] == [a.folder_id]
    (skipped,) = plan.skipped
    assert (skipped.code, skipped.subject) == ("outside_scopes", f"{drive.id}/{stray.id}")
