"""Hyperliquid WebSocket: full-snapshot ``l2Book`` books and the account channels."""
