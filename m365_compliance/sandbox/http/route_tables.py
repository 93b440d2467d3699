"""The two route tables the app serves, filled: Graph (``ROUTES``) and the operator window (``CONTROL``).

A handler registers itself on a table when its module is imported. This module imports every
handler module, so ``app.py`` gets complete tables by importing this one, and no handler module
needs to know the app. A new resource module is added to the list below; the order is the order
routes are tried in (first match wins), kept as it was when the list lived in ``resources``.
"""

from m365_compliance.sandbox.http import control, control_items  # noqa: F401  (register on CONTROL)
from m365_compliance.sandbox.http.control import CONTROL
from m365_compliance.sandbox.http.resources import (  # noqa: F401  (register on ROUTES, in this order)
    sites,
    lists,
    directory,
    batch,
    retention_events,
    drives,
    delta,
    permissions,
    labels,
    mail,
    content,
    search,
    site_permissions,
)
from m365_compliance.sandbox.http.routing import ROUTES

__all__ = ["CONTROL", "ROUTES"]
