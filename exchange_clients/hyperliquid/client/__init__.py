"""Hyperliquid trading client: core, managers and venue utilities."""
