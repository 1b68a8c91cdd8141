"""Backpack WebSocket connection specifics: one socket (``wss://ws.backpack.exchange``, no
path) for books and account streams; keepalive is the server's protocol ping every 60 s,
answered by aiohttp (plus aiohttp's own heartbeat). The account streams are subscribed on
every (re)connect with a fresh signature over ``instruction=subscribe&timestamp=..&window=..``
(ms). Nothing acknowledges the subscription; a refused one comes back as an error frame, upon
which the clock is re-measured and the subscription re-sent (a few times at most).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from exchange_clients.backpack.client.utils.transport import BackpackTransport
from exchange_clients.backpack.websocket.market_switcher import account_subscription
from exchange_clients.common.ws_connection import WsConnection
from exchange_clients.errors import ExchangeError
from helpers.unified_logger import get_logger

__all__ = ["PrivateStreams"]

MAX_RESUBSCRIBES = 3


class PrivateStreams:
    """Subscribes the account streams on every (re)connect; re-sends a refused subscription."""

    def __init__(self, transport: BackpackTransport,
                 on_subscribed: Callable[[], Awaitable[None] | None] | None = None) -> None:
        self._transport = transport
        self._on_subscribed = on_subscribed
        self._conn: WsConnection | None = None
        self._retry: asyncio.Task[None] | None = None
        self.refusals = 0
        self.subscriptions = 0
        self._log = get_logger("private_ws", "backpack")

    async def subscribe(self, conn: WsConnection) -> None:
        self._conn = conn
        self.refusals = 0
        await self._send(conn)
        if self._on_subscribed is not None:
            result = self._on_subscribed()
            if result is not None:
                await result

    async def _send(self, conn: WsConnection) -> None:
        signer = self._transport.signer
        assert signer is not None
        window = self._transport.window_ms
        await conn.send_json(account_subscription(signer.ws_signature(self._transport.timestamp_ms(),
                                                                      window)))
        self.subscriptions += 1

    def refused(self, message: str) -> None:
        """The venue refused the subscription: re-measure the clock and send it again."""
        self.refusals += 1
        if self.refusals > MAX_RESUBSCRIBES:
            self._log.error("private subscription refused %d times (%s); giving up until the "
                            "next reconnect", self.refusals, message)
            return
        if self._retry is None or self._retry.done():
            self._retry = asyncio.create_task(self._resubscribe(message), name="backpack-resubscribe")

    async def _resubscribe(self, message: str) -> None:
        self._log.warning("private subscription refused (%s); re-signing", message)
        conn = self._conn
        try:
            await self._transport.sync_clock()
            if conn is not None and conn.connected:
                await self._send(conn)
        except ExchangeError as exc:
            self._log.error("private re-subscription failed: %s", exc)

    async def close(self) -> None:
        task, self._retry = self._retry, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._conn = None
