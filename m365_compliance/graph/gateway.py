"""GraphGateway: the only class that speaks HTTP (DESIGN principle 1).

Every method returns domain records (``m365_compliance.model``), raises the error tree of
``graph.errors``, goes through one :class:`~m365_compliance.graph.retry.RetryPolicy` (pacing and
retries) and reads every answer through one guard (:mod:`.answers`). A real tenant, a national cloud
or the sandbox differ only in :class:`~m365_compliance.graph.settings.GatewaySettings`. The class is
assembled from its concerns: plumbing (:mod:`.session`), reads (:mod:`.reads`), writes
(:mod:`.writes`), doctor's role probes (:mod:`.role_probes`); ``$batch`` is in :mod:`.batch`.
"""

from __future__ import annotations

from m365_compliance.graph.reads import DELTA_SELECT, ITEM_SELECT, Reads, site_key
from m365_compliance.graph.role_probes import RoleProbes
from m365_compliance.graph.writes import MAX_SIMPLE_UPLOAD, Writes, asset_query

__all__ = ["DELTA_SELECT", "ITEM_SELECT", "MAX_SIMPLE_UPLOAD", "GraphGateway", "asset_query", "site_key"]


class GraphGateway(Reads, Writes, RoleProbes):
    """``async with GraphGateway(settings) as graph: await graph.resolve_site(url)``."""
