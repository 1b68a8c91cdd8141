"""Lighter WebSocket: order books (``begin_nonce`` continuity) and account channels."""
