"""Hyperliquid WebSocket connection specifics: URL, keepalive and the account subscriptions.

* URL: ``wss://api.hyperliquid.xyz/ws``; when only a REST URL is configured (a simulator or a
  node) the socket is derived the SDK's way, ``ws`` + the URL without ``http`` + ``/ws``.
* Keepalive: the venue closes a connection that has sent nothing for 60 s; we send
  ``{"method": "ping"}`` (answered on channel ``pong``) every 20 s.
* Account channels are subscribed on every (re)connect, with the master's (or vault's) address,
  before the books are resubscribed; the hook then lets the client reconcile over REST.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import orjson

from exchange_clients.common.ws_connection import WsConnection
from exchange_clients.hyperliquid.websocket.market_switcher import user_subscriptions
from helpers.venue_config import VenueConfig

__all__ = ["PING", "PrivateChannels", "ws_url_for"]

PING = orjson.dumps({"method": "ping"}).decode()


def ws_url_for(config: VenueConfig) -> str:
    if config.ws_url:
        return config.ws_url
    if config.rest_url:
        return "ws" + config.rest_url[len("http"):] + "/ws"
    return config.resolved_ws_url()


class PrivateChannels:
    """Subscribes the account's channels on every (re)connect, then calls ``on_subscribed``."""

    def __init__(self, user: str, on_subscribed: Callable[[], Awaitable[None]] | None = None
                 ) -> None:
        self.user = user.lower()
        self._on_subscribed = on_subscribed

    async def subscribe(self, conn: WsConnection) -> None:
        for payload in user_subscriptions(self.user):
            await conn.send_json(payload)
        if self._on_subscribed is not None:
            await self._on_subscribed()
