"""Which findings expose applicant or customer data to outsiders (GDPR Art. 33's 72-hour clock).

An access finding in the recruitment or customer scope whose principal is outside the organisation —
an anonymous ("anyone") link, or a guest the policy does not allow there — is a possible personal
data breach: the controller must assess it and, unless it is unlikely to result in a risk, notify
Datatilsynet within 72 hours of becoming aware of it. An organisation-wide link or an employee outside
the role is a violation but stays inside the organisation, so it does not start that clock.
"""

from __future__ import annotations

from m365_compliance.rules.findings import Finding

ACCESS_RULES = frozenset({"c1.recruitment-access", "c3.customer-access"})
OUTSIDE_KINDS = frozenset({"anyone", "guest"})


def exposes_to_outsiders(finding: Finding) -> bool:
    if finding.rule_id not in ACCESS_RULES or finding.status != "fail":
        return False
    evidence = dict(finding.evidence)
    if evidence.get("linkScope") == "anonymous":
        return True
    return evidence.get("kind") in OUTSIDE_KINDS and evidence.get("linkScope") != "organization"
