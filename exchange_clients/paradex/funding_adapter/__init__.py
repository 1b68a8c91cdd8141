"""Paradex funding adapter (public; no credentials)."""
