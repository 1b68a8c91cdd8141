"""Hyperliquid funding adapter (public; no credentials)."""
