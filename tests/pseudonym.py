"""One pseudonym key for the stores tests make, so they can name permissions as plans do and compare the
findings of two stores (``StateStore.pseudonym_key`` is random per store in real use)."""

from __future__ import annotations

from pathlib import Path

from m365_compliance.state.store import StateStore

TEST_PSEUDONYM_KEY = bytes(range(32))


def pin_pseudonym_key(store: StateStore) -> StateStore:
    store.db.execute("UPDATE meta SET value=? WHERE key='pseudonym_key'", (TEST_PSEUDONYM_KEY.hex(),))
    return store


def pin_store_at(path: Path) -> None:
    """Make (or open) the store at ``path`` with the tests' key, before a run opens it."""
    with StateStore(path) as store:
        pin_pseudonym_key(store)
