"""A failed first page of an incremental crawl is a gap, never a complete night (issue: an inventory that
never wedges and never lies). The attack: the first delta page of the second night answers an HTML error
page; between the nights an applicant folder with an anonymous link appeared."""

from __future__ import annotations

from night import Night, new_applicant_with_anonymous_link


def _anonymous_link_found(night: Night, folder_id: str) -> bool:
    evaluation = night.latest_evaluation()
    with night.db() as db:
        rows = db.execute("SELECT body FROM findings WHERE evaluation_id=? AND rule_id='c1.recruitment-access' "
                          "AND status='fail' AND body LIKE ?", (evaluation, f"%{folder_id}%")).fetchall()
    return bool(rows)


def test_a_failed_first_incremental_page_is_a_gap_and_the_next_run_sees_the_change(night: Night):
    folder = new_applicant_with_anonymous_link(night.demo)
    with night.served() as server:
        server.app.malformed.replace_next("/delta", "html")  # the first page of the incremental crawl
        failed = night.cli("inventory", now=False)
        assert failed.exit_code == 3 and "[recruitment] delta" in failed.output, failed.output  # a gap, not "complete"
        again = night.cli("inventory", now=False)
        assert again.exit_code == 0, again.output  # a complete night: it started that crawl again …
        assert "recruitment / Dokumenter: incremental" in again.output
        checked = night.cli("check")
    assert checked.exit_code in (0, 4), checked.output
    assert _anonymous_link_found(night, folder)  # … and saw the new folder with its anonymous link
    with night.db() as db:
        assert db.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0] == 0
