"""Paradex WebSocket: order books (``seq_no`` continuity) and account channels (JSON-RPC)."""
