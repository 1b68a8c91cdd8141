"""Aster WebSocket: diff-depth books (``pu`` chaining, REST snapshot resync) and the user data stream."""
