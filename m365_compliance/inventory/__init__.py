"""Inventory: what is in the configured scopes, who can reach it, and what could not be read."""
