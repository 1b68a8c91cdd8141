"""Aster WebSocket connection specifics: URLs, keepalive, and the user data stream.

* Market data: ``<ws>/ws`` plus ``SUBSCRIBE`` frames. The server sends a protocol ping every
  5 minutes and drops a connection that does not pong within 15 (aiohttp answers pings; its
  heartbeat also pings the server), cuts every connection at 24 h (the supervisor reconnects
  and resubscribes), and closes one that sends more than 10 messages a second — hence
  ``SEND_LIMIT``.
* User data: ``POST listenKey`` returns the account's active key (extended 60 min) or a new
  one; the stream is ``<ws>/ws/<listenKey>``. :class:`UserDataStream` creates the key before
  every (re)connect (so an expired key is replaced), keeps it alive with ``PUT listenKey``
  every ``keepalive_interval`` (30 min; the key lives 60), reconnects with a new key on
  ``listenKeyExpired`` or a keepalive refused -1125, and on every reconnect asks the client to
  reconcile orders over REST. :meth:`UserDataStream.close` cancels the keepalive task and the
  connection. The key is not deleted on close: Aster gives one key per account, which another
  process of the same account may be using.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from exchange_clients.aster.client.utils.transport import AsterTransport
from exchange_clients.aster.websocket.message_handler import LISTEN_KEY_EXPIRED, parse_user_frame
from exchange_clients.common.ws_connection import (
    Connector,
    TransportClosed,
    WsConnection,
    WsTransport,
    aiohttp_connector,
)
from exchange_clients.errors import AuthenticationError, ExchangeError
from helpers.unified_logger import get_logger, register_secret

__all__ = ["UserDataStream", "SEND_LIMIT", "market_url", "ws_root", "KEEPALIVE_INTERVAL"]

VENUE = "aster"
#: at most 8 outgoing messages per second (the venue's limit is 10)
SEND_LIMIT = (8, 1.0)
KEEPALIVE_INTERVAL = 30 * 60.0
#: the user stream can be silent for hours; dead sockets are found by the protocol heartbeat
USER_STREAM_STALE_AFTER = 3 * 3600.0

PrivateHandler = Callable[[dict[str, Any]], Awaitable[None] | None]


def ws_root(ws_url: str) -> str:
    """The WebSocket host URL, whether configured as ``wss://fstream.asterdex.com`` or with
    its ``/ws`` path."""
    return ws_url.rstrip("/").removesuffix("/ws")


def market_url(ws_url: str) -> str:
    return f"{ws_root(ws_url)}/ws"


class UserDataStream:
    def __init__(self, transport: AsterTransport, ws_base: str, handler: PrivateHandler, *,
                 on_reconnect: Callable[[], None] | None = None,
                 keepalive_interval: float = KEEPALIVE_INTERVAL, connector: Connector | None = None,
                 connect_timeout: float = 10.0,
                 stale_after: float = USER_STREAM_STALE_AFTER) -> None:
        self._transport = transport
        self._base = ws_root(ws_base)
        self._handler = handler
        self._on_reconnect = on_reconnect
        self.keepalive_interval = keepalive_interval
        self._connector = connector or aiohttp_connector(connect_timeout=connect_timeout)
        self._key: str | None = None
        self._keepalive: asyncio.Task[None] | None = None
        self._log = get_logger("user_stream", VENUE)
        # the URL shown in logs carries no listen key (a key lets anyone read the stream)
        self.connection = WsConnection(
            VENUE, f"{self._base}/ws/<listenKey>", on_message=self._on_message,
            on_connect=self._on_connect, connector=self._connect, name="user-stream",
            stale_after=stale_after, connect_timeout=connect_timeout)
        self.keys_created = 0
        self.keepalives = 0
        self.expirations = 0

    @property
    def listen_key(self) -> str | None:
        return self._key

    async def start(self) -> None:
        """Create the key (credential errors surface here), connect, start the keepalive."""
        await self._create_key()
        await self.connection.start()
        if self._keepalive is None or self._keepalive.done():
            self._keepalive = asyncio.create_task(self._keepalive_loop(), name="aster-listenkey")

    async def close(self) -> None:
        task, self._keepalive = self._keepalive, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self.connection.stop()

    async def _create_key(self) -> str:
        body = await self._transport.user_stream("POST")
        key = body.get("listenKey") if isinstance(body, dict) else None
        if not isinstance(key, str) or not key:
            raise ExchangeError(VENUE, "listenKey answer without a key", code="BAD_LISTEN_KEY")
        register_secret(key)
        self._key = key
        self.keys_created += 1
        return key

    async def _connect(self, url: str) -> WsTransport:
        try:
            key = await self._create_key()
        except ExchangeError as exc:  # the supervisor backs off and tries again
            raise TransportClosed(f"could not obtain a listenKey: {exc}") from None
        return await self._connector(f"{self._base}/ws/{key}")

    async def _on_connect(self, conn: WsConnection) -> None:
        if conn.connects > 1 and self._on_reconnect is not None:
            self._on_reconnect()

    async def _on_message(self, raw: str | bytes) -> None:
        event = parse_user_frame(raw)
        if event is None:
            return
        if event["e"] == LISTEN_KEY_EXPIRED:
            self.expirations += 1
            await self.connection.force_reconnect("listenKey expired")
            return
        result = self._handler(event)
        if inspect.isawaitable(result):
            await result

    async def _keepalive_loop(self) -> None:
        while True:
            await asyncio.sleep(self.keepalive_interval)
            try:
                await self._transport.user_stream("PUT", self._key)
                self.keepalives += 1
            except AuthenticationError as exc:  # -1125: the key is gone; a new one on reconnect
                self._log.warning("listenKey keepalive refused (%s); reconnecting", exc)
                await self.connection.force_reconnect("listenKey refused")
            except ExchangeError as exc:
                self._log.warning("listenKey keepalive failed (%s); retrying next period", exc)
