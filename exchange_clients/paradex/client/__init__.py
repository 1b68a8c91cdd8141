"""Paradex trading client."""
