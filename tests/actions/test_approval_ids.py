"""approve, apply's approvals.toml and journal export check every id and class they are given against the plan
and the state store: an error naming the valid choices (exit 2), never an approval that approves nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from night import Night, first_night


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Night]:
    """The demo's first night; the tests below only make refused calls, so they share it."""
    yield first_night(tmp_path_factory.mktemp("approval-ids"))


def _approvals(night: Night) -> int:
    with night.db() as db:
        return db.execute("SELECT COUNT(*) FROM journal WHERE event='approval'").fetchone()[0]


def test_an_unknown_class_is_refused_with_the_closest_one(night: Night):
    result = night.cli("approve", night.plan_path, "--by", "Marte Olsen", "--class", "customer_disposl", now=False)
    assert result.exit_code == 2
    assert "'customer_disposl' is not one of" in result.output and "did you mean `customer_disposal`?" in result.output
    assert _approvals(night) == 0


def test_a_class_the_plan_does_not_have_is_refused_not_recorded(night: Night):
    assert not any(a.approval_class == "dsar_erasure" for a in night.plan().actions)
    result = night.cli("approve", night.plan_path, "--by", "Marte Olsen", "--class", "dsar_erasure", now=False)
    assert result.exit_code == 2 and "would approve nothing" in result.output
    assert "customer_disposal (" in result.output and "applicant_deletion (" in result.output  # the valid choices
    assert _approvals(night) == 0


def test_an_unknown_action_id_is_refused_with_the_closest_one(night: Night):
    action = night.plan().actions[0].action_id
    typo = action[:-1] + ("0" if action[-1] != "0" else "1")
    result = night.cli("approve", night.plan_path, "--by", "Marte Olsen", "--action", typo, now=False)
    assert result.exit_code == 2 and f"did you mean `{action}`" in result.output
    assert _approvals(night) == 0


def test_an_approvals_file_that_matches_no_action_stops_apply(night: Night):
    plan = night.plan()
    path = night.out / "approvals.toml"
    path.write_text(f'plan = "{plan.id}"\n\n[[approval]]\nby = "Marte Olsen"\ndate = 2026-11-25\n'
                    'classes = ["customer_disposal"]\n\n[[approval]]\nby = "Marte Olsen"\ndate = 2026-11-25\n'
                    'classes = ["dsar_erasure"]\n', encoding="utf-8")
    try:
        with night.served() as server:
            result = night.cli("apply", night.plan_path, "--execute")
            writes = server.app.meter.snapshot()["writes"]
    finally:
        path.unlink()
    assert result.exit_code == 2 and "would approve nothing" in result.output
    assert writes == 0 and _approvals(night) == 0  # not even the first, valid entry: the file is one decision


def test_exporting_the_journal_of_an_unknown_plan_is_refused(night: Night):
    plan = night.plan().id
    out = night.out / "journal.csv"
    result = night.cli("journal", "export", "--plan", plan[:-1] + "x", out, now=False)
    assert result.exit_code == 2 and f"did you mean `{plan}`" in result.output
    assert not out.exists()
