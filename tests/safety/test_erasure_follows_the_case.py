"""A data-subject erasure deletes only what the case still covers (invariant 4 for erasures, docs/safety.md).

The attack: a match of another person (same last name) is confirmed, the erasure planned and approved,
then the match is rejected — and the approved plan is applied anyway."""

from __future__ import annotations

import re
from collections import Counter

from night import Night


def test_a_match_rejected_after_planning_is_never_erased(night: Night):
    m = night.demo.manifest
    last = Counter(a.person.split()[-1] for a in m.applicants)
    subject = next(a for a in m.applicants if last[a.person.split()[-1]] > 1 and not a.hired)
    other = next(a for a in m.applicants if a is not subject and a.person.split()[-1] == subject.person.split()[-1])
    with night.served():
        opened = night.cli("dsar", "open", "--subject", subject.email, "--kind", "erasure", "--name",
                           subject.person.split()[-1], "--received", "2026-11-20")
        case = re.search(r"dsar-\d{8}-[0-9a-f]+", opened.output).group(0)
        found = night.cli("dsar", "find", case)
        assert found.exit_code == 0, found.output
        shown = night.cli("dsar", "show", case, "--show-paths", now=False)
        pending = re.findall(r"(m-[0-9a-f]+)\s.*pending", shown.output)
        assert pending, shown.output
        for match in pending:
            night.cli("dsar", "confirm", case, "--match", match, "--by", "Marte", now=False)
        planned = night.cli("dsar", "erase", case, "--out", night.out / "erasure.json")
        assert planned.exit_code == 0, planned.output
        night.cli("approve", night.out / "erasure.json", "--by", "Marte", "--class", "dsar_erasure", now=False)
        for match in pending:  # the person decides: not this one after all
            night.cli("dsar", "confirm", case, "--match", match, "--reject", "--by", "Marte", now=False)
        applied = night.cli("dsar", "erase", case, "--apply", night.out / "erasure.json", "--execute",
                            "--statement-out", night.out)
    assert applied.exit_code in (0, 3), applied.output
    assert night.alive(other.folder_id) and not night.in_recycle_bin(other.folder_id)  # never the other person
    assert not night.alive(subject.folder_id)  # the subject's own data went
