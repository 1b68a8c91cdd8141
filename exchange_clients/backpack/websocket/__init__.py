"""Backpack WebSocket: depth books (``U == previous u + 1``, REST snapshot resync) and the
signed account streams."""
