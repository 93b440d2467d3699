"""docs-contrib #693 reproduced: under Sites.Selected, delta of a library holding retention-labelled items is
refused below `fullcontrol`. The inventory keeps the other library, reports a gap for that one that names the
fix (the grant on that site, raised to `fullcontrol`), and is complete once the grant is raised."""

from __future__ import annotations

from night import first_night

FULL_CONTROL = "Sites.FullControl.All"


def _reproduce_693(demo) -> None:
    demo.tenant.access.permissions.discard(FULL_CONTROL)  # least privilege, as the demo ships
    demo.tenant.quirks.labelled_delta_needs_full_control = True


def _gaps(night) -> list[dict[str, object]]:
    """The gaps of the newest inventory run."""
    with night.db() as db:
        run = db.execute("SELECT id FROM runs WHERE kind='inventory' ORDER BY started_at DESC, id DESC "
                         "LIMIT 1").fetchone()[0]
        rows = db.execute("SELECT scope, operation, status, hint FROM gaps WHERE run_id=?", (run,)).fetchall()
    return [dict(zip(("scope", "what", "status", "hint"), row, strict=True)) for row in rows]


def test_a_refused_delta_on_a_labelled_library_names_the_grant_and_raising_it_heals(tmp_path):
    night = first_night(tmp_path / "night", prepare=_reproduce_693, acting=False)
    t = night.demo.tenant
    kunder = next(s for s in t.sites.values() if s.name == "kunder")
    labelled = {d.site_id for d in t.drives.values() if any(i.label is not None for i in d.items.values())}
    assert kunder.id in labelled  # the customer library holds the seeded records
    gaps = _gaps(night)
    refused = [g for g in gaps if g["what"] == "delta"]
    assert refused and all(g["status"] == 403 for g in refused), gaps
    hint = next(g["hint"] for g in refused if g["scope"] == "customers")
    assert "`fullcontrol`" in hint and "#693" in hint and kunder.web_url in hint

    grant = next(g for g in t.site_grants(kunder) if g.app_id == t.access.client_id)
    t.update_site_grant(kunder, grant.id, ["fullcontrol"])
    with night.served():
        result = night.cli("inventory", now=False)
    assert result.exit_code == 0, result.output
    assert not [g for g in _gaps(night) if g["scope"] == "customers"]
    with night.db() as db:
        assert db.execute("SELECT COUNT(*) FROM items i JOIN libraries l ON l.drive_id = i.drive_id "
                          "WHERE l.scope = 'customers'").fetchone()[0] > 0
