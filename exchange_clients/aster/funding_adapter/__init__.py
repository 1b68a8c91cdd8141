"""Aster funding adapter (public; no credentials)."""
