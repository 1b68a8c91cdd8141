"""Lighter funding adapter (public; no credentials)."""
