"""Data-subject requests (control C7): access, erasure and correction, with their deadlines.

``open`` registers a case (due one month after receipt, GDPR Art. 12(3)); ``find`` matches the
latest inventory (:mod:`.matching`, optionally :mod:`.tenant_search`); a person confirms what is
not certain; ``export`` gives the copy (:mod:`.export`); ``erase`` plans the erasure through the
planner's data types (:mod:`.erase`) and applies it with the same executor as every other plan;
``close`` writes the statement (:mod:`.statement`). Case records (:mod:`.repository`) hold the
personal data; the journal and the report (:mod:`.report_view`) hold ids, dates and counts.
docs/dsar.md describes the workflow; :mod:`.service` is what the CLI calls.
"""

from m365_compliance.dsar.model import Case, Match, MatchItem
from m365_compliance.dsar.report_view import CaseRow, case_rows

__all__ = ["Case", "CaseRow", "Match", "MatchItem", "case_rows"]
