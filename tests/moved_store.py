"""A copy of a state store for the same tenant served at another loopback address (a test's new sandbox).

A store refuses any Graph origin but the one it was made against (docs/safety.md, invariant 5); tests
that reuse one store with a fresh sandbox on a new port move the copy to that origin, as a person
would only by deliberately editing the store.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from m365_compliance.state.tenancy import ORIGIN_KEY, graph_origin


def move_to(store: Path, graph_url: str) -> None:
    with sqlite3.connect(store) as db:
        db.execute("UPDATE meta SET value=? WHERE key=?", (graph_origin(graph_url), ORIGIN_KEY))
