"""One tenant, one store: a state store remembers the tenant and Graph origin it was made for.

Delta links, permission lists, plans and approvals in a store are facts about one tenant as one
Graph origin answered them. Opened with another tenant's policy file, the store would plan from
tenant A's picture and act in tenant B (fire B's retention events, journal deletions of items B
never had), and a stored delta link would send B's token to A's origin. So the first opening with a
policy file records both, and every later opening with a different pair is refused.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from m365_compliance.config.schema import Config
from m365_compliance.errors import StateError
from m365_compliance.state.store import StateStore

TENANT_KEY = "tenant_id"
ORIGIN_KEY = "graph_origin"


class TenantMismatch(StateError):
    default_hint = ("Use the state store made for this tenant (its [state] path), or give this policy file a "
                    "[state] path of its own; a store is never shared between tenants or Graph origins.")


def graph_origin(graph_url: str) -> str:
    """``scheme://host[:port]`` of a Graph base URL, without user info: what a token is sent to."""
    parts = urlsplit(graph_url)
    host = (parts.hostname or "").lower()
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme.lower()}://{host}{port}"


def open_store(config: Config) -> StateStore:
    """The policy file's state store, bound to its tenant (a new store is bound on first use)."""
    store = StateStore(config.state.path)
    try:
        bind(store, config.tenant.tenant_id, graph_origin(config.tenant.graph_url))
    except BaseException:
        store.close()
        raise
    return store


def bind(store: StateStore, tenant_id: str, origin: str) -> None:
    """Record the tenant and origin on first use; refuse a store recorded for another."""
    with store.transaction() as db:
        known = dict(db.execute("SELECT key, value FROM meta WHERE key IN (?, ?)", (TENANT_KEY, ORIGIN_KEY)))
        if TENANT_KEY in known and known[TENANT_KEY] != tenant_id.lower():
            raise TenantMismatch(f"The state store belongs to tenant {known[TENANT_KEY]}, but the policy file "
                                 f"names tenant {tenant_id.lower()}: it was refused.")
        if ORIGIN_KEY in known and known[ORIGIN_KEY] != origin:
            raise TenantMismatch(f"The state store was made against Graph at {known[ORIGIN_KEY]}, but the policy "
                                 f"file points at {origin}: its delta links and plans belong to the other origin, "
                                 "so it was refused.")
        db.executemany("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)",
                       ((TENANT_KEY, tenant_id.lower()), (ORIGIN_KEY, origin)))


def bound_tenant(store: StateStore) -> str | None:
    row = store.db.execute("SELECT value FROM meta WHERE key=?", (TENANT_KEY,)).fetchone()
    return row["value"] if row is not None else None
