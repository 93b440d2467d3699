"""The embedded state store (SQLite): runs, inventory, delta tokens, gaps, and later plans and journal."""

from m365_compliance.state.store import StateStore

__all__ = ["StateStore"]
