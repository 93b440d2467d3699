"""Which inventory mode the app gets: ask each library's delta for ``token=latest`` with the sharing Prefer.

``token=latest`` returns no items, only a fresh deltaLink (1 RU), and the ``Preference-Applied``
answer says whether permission-only changes would be reported (facts §1.4: app-only
Sites.FullControl.All). The crawler decides the same way (``inventory/crawl.py``), so doctor
predicts the mode the next inventory will run in.
"""

from __future__ import annotations

from m365_compliance.config.schema import Config
from m365_compliance.doctor.checks import Check
from m365_compliance.doctor.needs import SITES_FULL_CONTROL
from m365_compliance.doctor.remedies import permission_fix
from m365_compliance.graph.gateway import GraphGateway
from m365_compliance.inventory.crawl import SHARING_CHANGES, SHARING_PREFER
from m365_compliance.model import Library

SHARING_DELTA_MODE = "sharing-change delta"
PER_ITEM_MODE = "per-item fallback"
UNDETERMINED = "undetermined"
PER_ITEM_TRADE_OFF = ("every item's permissions are re-read every night, 5 RU per item (about 25,000 RU for 5,000 "
                      "items, of a 1.2M RU daily budget below 1,000 licences); the application permission "
                      f"{SITES_FULL_CONTROL} would enable the sharing-change delta, at the price of a tenant-wide "
                      "permission (docs/setup.md weighs the two)")


async def probe_mode(gateway: GraphGateway, library: Library) -> str:
    """The mode this library's delta offers the app; raises :class:`GraphError` when delta is refused."""
    link = f"{gateway.settings.graph_url}/drives/{library.id}/root/delta?token=latest"
    async for page in gateway.delta(library.id, link=link, prefer=SHARING_PREFER):
        applied = {value.lower() for value in page.preference_applied}
        if not applied:
            return UNDETERMINED
        return SHARING_DELTA_MODE if SHARING_CHANGES in applied else PER_ITEM_MODE
    return UNDETERMINED


def mode_check(config: Config, scope: str, mode: str) -> Check:
    """OK, a NOTE with the trade-off, or MISSING when the policy file insists on the sharing delta."""
    subject = f"{scope} library delta"
    wanted = config.inventory.mode
    if mode == SHARING_DELTA_MODE:
        note = " ([inventory] mode = \"per-item\" reads per item anyway)" if wanted == "per-item" else ""
        return Check("inventory", subject, "OK", f"{SHARING_DELTA_MODE} available{note}")
    if mode == UNDETERMINED:
        return Check("inventory", subject, "NOTE", "Graph sent no Preference-Applied answer, so the mode is "
                     "decided by the first full inventory (hierarchical roots visible or not)")
    if wanted == "sharing-delta":
        return Check("inventory", subject, "MISSING", f"{PER_ITEM_MODE}, but [inventory] mode = \"sharing-delta\" "
                     "requires the sharing-change delta", permission_fix(SITES_FULL_CONTROL, config.tenant.client_id)
                     + ', or set [inventory] mode = "per-item"')
    if wanted == "per-item":
        return Check("inventory", subject, "OK", f"{PER_ITEM_MODE}, as [inventory] mode = \"per-item\" chooses")
    return Check("inventory", subject, "NOTE", f"{PER_ITEM_MODE}: {PER_ITEM_TRADE_OFF}")
