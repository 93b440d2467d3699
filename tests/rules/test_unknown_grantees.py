"""Grantees the answer does not identify, and audiences it does not say, are judged — never passed, never
taken for the worst known case: "not evaluated", high where applicant data is concerned."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from m365_compliance.graph.identities import by_mail, unresolved
from m365_compliance.inventory.snapshot import Access
from m365_compliance.model import AUDIENCE_UNKNOWN, LinkScope, PrincipalKind
from m365_compliance.rules.allowed import Audience, Technical, judge

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def _audience(*, outsiders_forbidden: bool, contacts: frozenset[str] = frozenset()) -> Audience:
    return Audience("the recruiters role", frozenset({"user:r1"}), contacts, Technical(frozenset(), ()),
                    site_groups_allowed=False, outsiders_forbidden=outsiders_forbidden, complete=True)


def _access(principal, link: LinkScope | None = None) -> Access:
    return Access(principal, ("read",), "perm-1", "item-1", inherited=False, link_scope=link)


@pytest.mark.parametrize(("forbidden", "severity"), [(True, "high"), (False, "medium")])
def test_an_unresolved_grantee_is_not_evaluated(forbidden: bool, severity: str) -> None:
    verdict = judge(_access(unresolved({"odd": 1})), _audience(outsiders_forbidden=forbidden), NOW)
    assert verdict is not None and (verdict.kind, verdict.status, verdict.severity) == \
        ("unresolved", "not_evaluated", severity)


def test_a_link_of_unknown_audience_is_high_and_not_evaluated_everywhere() -> None:
    for forbidden in (True, False):
        verdict = judge(_access(AUDIENCE_UNKNOWN, LinkScope.UNKNOWN), _audience(outsiders_forbidden=forbidden), NOW)
        assert verdict is not None and (verdict.kind, verdict.status, verdict.severity) == \
            ("audience-unknown", "not_evaluated", "high")


def test_an_invitation_to_a_contact_is_allowed_and_to_anyone_else_is_not() -> None:
    invited = by_mail(PrincipalKind.INVITATION, "kontakt@kunde.example", "")
    customer = _audience(outsiders_forbidden=False, contacts=frozenset({"kontakt@kunde.example"}))
    assert judge(_access(invited), customer, NOW) is None
    stranger = by_mail(PrincipalKind.INVITATION, "someone@elsewhere.example", "")
    verdict = judge(_access(stranger), customer, NOW)
    assert verdict is not None and (verdict.kind, verdict.status, verdict.severity) == \
        ("pending-invitation", "fail", "medium")
    verdict = judge(_access(stranger), _audience(outsiders_forbidden=True), NOW)
    assert verdict is not None and (verdict.kind, verdict.severity) == ("pending-invitation", "high")
