"""A finding's title as a reader sees it, in the report's language.

Every place that shows a title to a person outside the report (``check``'s summary, the demo's
summary) asks here, so it reads as the report and the alerts do: the bokmål or English templates of
:mod:`.finding_texts`.
"""

from __future__ import annotations

from m365_compliance.config.schema import Language
from m365_compliance.rules.finding_texts import finding_text, id_subject
from m365_compliance.rules.findings import Finding


def finding_title(finding: Finding, language: Language) -> str:
    """The title of ``finding`` in ``language`` ("nb" or "en")."""
    return finding_text(finding, language, id_subject(finding, language)).title
