"""Which findings expose applicant or customer data to outsiders (GDPR Art. 33's 72-hour clock).

An access finding in the recruitment or customer scope whose principal is outside the organisation —
an anonymous ("anyone") link, a guest the policy does not allow there, a pending invitation (the
invitation has already gone to an outside address and opens the item once accepted), or SharePoint's
"Everyone" claim (which includes guests) — is a possible personal data breach: the controller must assess it and, unless it is unlikely to result in a risk, notify
Datatilsynet within 72 hours of becoming aware of it. An organisation-wide link or an employee outside
the role is a violation but stays inside the organisation, so it does not start that clock.
"""

from __future__ import annotations

from m365_compliance.rules.findings import Finding

ACCESS_RULES = frozenset({"c1.recruitment-access", "c3.customer-access"})
#: The access rules' verdicts (``rules.allowed.Verdict.kind``) that reach outside the organisation. An
#: expired link grants nothing now, so it does not start the clock even when it was anonymous.
OUTSIDE_VERDICTS = frozenset({"anonymous-link", "outsider", "pending-invitation"})
#: "Everyone" (``c:0(.s|true``) reaches guests; "Everyone except external users" does not.
EVERYONE_WITH_GUESTS = "everyone:everyone"


def exposes_to_outsiders(finding: Finding) -> bool:
    if finding.rule_id not in ACCESS_RULES or finding.status != "fail":
        return False
    evidence = dict(finding.evidence)
    verdict = evidence.get("verdict")
    return verdict in OUTSIDE_VERDICTS or (verdict == "everyone-claim" and
                                           evidence.get("principal") == EVERYONE_WITH_GUESTS)
