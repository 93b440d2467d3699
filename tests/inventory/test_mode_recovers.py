"""A library in per-item mode gets back to sharing-delta mode once the service honours the sharing Prefer
values again: the next night sees it in its incremental round's ``Preference-Applied``, and does the one full
crawl that gets a sharing-aware token, saying so in the run summary. The attack it answers: Sites.FullControl.All
revoked for a night and granted back left the library per-item (every item's permissions re-read every night)
for good.
"""

from __future__ import annotations

import json
from typing import Any

from night import Night, first_night, new_applicant_with_anonymous_link

FULL_CONTROL = "Sites.FullControl.All"


def _grant(demo: Any) -> None:
    demo.tenant.access.permissions.add(FULL_CONTROL)


def _revoke(demo: Any) -> None:
    demo.tenant.access.permissions.discard(FULL_CONTROL)


def _modes(night: Night) -> dict[str, str]:
    with night.db() as db:
        return dict(db.execute("SELECT scope, mode FROM libraries").fetchall())


def _last_summary(night: Night) -> dict[str, Any]:
    with night.db() as db:
        row = db.execute("SELECT summary FROM runs WHERE kind='inventory' ORDER BY started_at DESC, id DESC "
                         "LIMIT 1").fetchone()
    return json.loads(row[0])


def _inventory(night: Night) -> None:
    with night.served():
        result = night.cli("inventory", now=False)
    assert result.exit_code == 0, result.output


def test_full_control_revoked_then_granted_back_returns_to_sharing_delta_mode(tmp_path):
    night = first_night(tmp_path / "night", prepare=_grant)
    assert set(_modes(night).values()) == {"sharing-delta"}

    night.demo.tenant.access.permissions.discard(FULL_CONTROL)
    _inventory(night)
    assert set(_modes(night).values()) == {"per-item"}  # sharing changes no longer reported: the safe fallback
    _inventory(night)
    assert _last_summary(night)["kinds"] == ["incremental"]  # no full crawl while the service still refuses

    night.demo.tenant.access.permissions.add(FULL_CONTROL)
    folder = new_applicant_with_anonymous_link(night.demo)
    _inventory(night)
    summary = _last_summary(night)
    assert set(_modes(night).values()) == {"sharing-delta"}
    assert summary["kinds"] == ["full"]  # the one full crawl that gets a sharing-aware token …
    assert len(summary["notices"]) == 2 and all("sharing-change" in n for n in summary["notices"])  # … and why
    with night.db() as db:
        assert db.execute("SELECT 1 FROM permissions WHERE item_id=? AND link_scope='anonymous'", (folder,)).fetchone()

    _inventory(night)  # and from then on incremental, reading permissions of changed roots only
    summary = _last_summary(night)
    assert summary["kinds"] == ["incremental"] and summary["permissionReads"] == 0, summary
    assert set(_modes(night).values()) == {"sharing-delta"}


def test_no_full_crawl_every_night_when_permission_roots_are_not_visible(tmp_path):
    """A full crawl ends in sharing-delta mode only when the drive root shows its ``shared`` facet; where it
    does not (hierarchicalsharing not honoured), sharing changes alone are no reason for a full crawl."""
    night = first_night(tmp_path / "night", prepare=_revoke)  # least privilege: per-item
    assert set(_modes(night).values()) == {"per-item"}
    _grant(night.demo)
    with night.db() as db:
        db.execute("UPDATE items SET shared_scope=NULL WHERE is_root=1")
    _inventory(night)
    assert _last_summary(night)["kinds"] == ["incremental"]
    assert set(_modes(night).values()) == {"per-item"}


def test_per_item_chosen_in_the_policy_stays_per_item(tmp_path):
    night = first_night(tmp_path / "night", prepare=_grant)
    night.edit_policy(('mode = "auto"', 'mode = "per-item"'))
    _inventory(night)
    _inventory(night)
    assert set(_modes(night).values()) == {"per-item"}
    assert _last_summary(night)["kinds"] == ["incremental"]
