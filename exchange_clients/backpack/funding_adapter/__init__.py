"""Backpack funding adapter (public; no credentials)."""
