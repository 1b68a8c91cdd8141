"""Backpack trading client (``BackpackClient``) and its managers."""
