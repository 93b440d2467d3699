"""Invariant 9: what the law keeps is kept as long as the law says (docs/safety.md).

The demo's Lillehammer Hotell AS signed its agreement in 2017; its invoice of 2023 is primary
documentation kept until 2028-12-31. With no recorded link between them, the agreement is held as
long as the folder's primary documentation: approve every disposal, execute, and it must still be there.
"""

from __future__ import annotations

import json

from night import Night


def test_an_agreement_is_kept_as_long_as_its_folders_primary_documentation(night: Night):
    signed = night.item("Avtaler/Lillehammer Hotell AS/Avtale signert.pdf")
    assert signed is not None
    assert signed.id not in {a.item_id for a in night.plan().actions if a.kind == "delete_item"}
    with night.db() as db:
        (body,) = db.execute("SELECT body FROM findings WHERE rule_id='c6.statutory-hold' AND finding_id IN "
                             "(SELECT finding_id FROM findings WHERE body LIKE ?) "
                             "ORDER BY (SELECT started_at FROM runs WHERE runs.id = evaluation_id) DESC LIMIT 1",
                             (f"%{signed.id}%",)).fetchone()
    hold = json.loads(body)
    assert hold["keepUntil"] == "2028-12-31" and "primary documentation" in hold["reason"]
    with night.served() as server:
        night.cli("approve", night.plan_path, "--by", "Marte Olsen", "--class", "customer_disposal", "--class",
                  "applicant_deletion", "--class", "retention_event", now=False)
        applied = night.cli("apply", night.plan_path, "--execute")
        assert applied.exit_code == 0 and server.app.meter.snapshot()["writes"] > 0, applied.output
    assert night.alive(signed.id) and not night.in_recycle_bin(signed.id)
