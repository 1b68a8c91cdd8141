"""Lighter WebSocket connection specifics: URL, keepalive and the private subscriptions.

The server sends ``{"type": "connected"}`` on open and pings with ``{"type": "ping"}``; it
closes connections that stay silent from the client side for about two minutes, so we also
send a ping every 20 s. Private channels are authenticated per subscription with a fresh
auth token on every (re)connect.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import orjson

from exchange_clients.common.ws_connection import WsConnection
from exchange_clients.lighter.websocket.market_switcher import account_subscriptions

__all__ = ["PING", "PrivateChannels"]

PING = orjson.dumps({"type": "ping"}).decode()


class PrivateChannels:
    """Subscribes the account's channels on every (re)connect."""

    def __init__(self, account_index: int, auth_token: Callable[[], Awaitable[str]]) -> None:
        self.account_index = account_index
        self._auth_token = auth_token

    async def subscribe(self, conn: WsConnection) -> None:
        token = await self._auth_token()
        for payload in account_subscriptions(self.account_index, token):
            await conn.send_json(payload)
