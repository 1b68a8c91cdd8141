"""Paradex WebSocket connection specifics: keepalive and the private channels.

Keepalive: the server pings every 55 s at the protocol level and closes a connection whose pong
is late; aiohttp answers pings itself and sends its own heartbeat, so no application ping.

Private channels need an ``auth`` request with a JWT first. The docs: "after the initial
authentication, you do not need to re-authenticate your WebSocket connection for the lifetime
of the connection" — so the token only has to be valid when it is sent: every (re)connect
takes one from the client's ``JwtCache``, which renews it well before expiry. If the venue
refuses it anyway (``40110`` malformed, ``40111`` invalid/expired bearer, ``40300`` a private
channel without auth), the token is dropped and ``auth`` + the private subscriptions are sent
again on the same connection with a fresh one — after 1 s, doubling to 60 s while refusals
continue — so the public books are not disturbed; after two such attempts on one connection it
is replaced (a reconnect authenticates from scratch).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from exchange_clients.common.ws_connection import WsConnection
from exchange_clients.errors import ExchangeError
from exchange_clients.paradex.websocket.market_switcher import (
    auth_request,
    next_id,
    private_subscriptions,
)
from helpers.unified_logger import get_logger

__all__ = ["PrivateChannels"]

_RETRY_INITIAL = 1.0
_RETRY_MAX = 60.0
#: re-authentications tried on one connection before it is replaced
_MAX_REAUTHS_ON_CONN = 2


class PrivateChannels:
    """Authenticates the connection and subscribes the account's channels on every
    (re)connect; recovers from a refused token."""

    def __init__(self, token: Callable[[], Awaitable[str]],
                 invalidate: Callable[[str], None]) -> None:
        self._token = token
        self._invalidate = invalidate
        self._conn: WsConnection | None = None
        self._auth_id: int | None = None
        self._sent_token: str | None = None
        self._retry: asyncio.Task[None] | None = None
        self._delay = _RETRY_INITIAL
        self._reauths_on_conn = 0
        self._log = get_logger("private_ws", "paradex")
        self.authenticated = asyncio.Event()
        self.auths = 0
        self.refusals = 0

    async def subscribe(self, conn: WsConnection) -> None:
        """Called on every (re)connect, before messages are read."""
        self._conn = conn
        self._reauths_on_conn = 0
        self.authenticated.clear()
        await self._send_auth(conn)

    async def _send_auth(self, conn: WsConnection) -> None:
        try:
            token = await self._token()
        except ExchangeError as exc:
            # keep the public feed running; try again later
            self._log.warning("no token for the private channels (%s); retrying", exc)
            self._schedule_retry()
            return
        self._sent_token = token
        self._auth_id = next_id()
        await conn.send_json(auth_request(token, self._auth_id))
        for payload in private_subscriptions():
            await conn.send_json(payload)

    def on_reply(self, msg_id: Any) -> None:
        """A JSON-RPC success; the ``auth`` one marks the connection authenticated."""
        if msg_id is not None and msg_id == self._auth_id:
            self.auths += 1
            self._delay = _RETRY_INITIAL
            self.authenticated.set()

    def refused(self, code: str | None, message: str) -> None:
        """The venue refused our bearer or a private subscription."""
        self.refusals += 1
        self.authenticated.clear()
        self._log.warning("private channels refused (%s %s); re-authenticating", code, message)
        if self._sent_token is not None:
            self._invalidate(self._sent_token)
        self._schedule_retry()

    def _schedule_retry(self) -> None:
        if self._retry is not None and not self._retry.done():
            return
        delay, self._delay = self._delay, min(self._delay * 2, _RETRY_MAX)
        self._retry = asyncio.create_task(self._retry_later(delay), name="paradex-ws-reauth")

    async def _retry_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        conn = self._conn
        if conn is None or not conn.connected:
            return  # the next connect authenticates anyway
        if self._reauths_on_conn >= _MAX_REAUTHS_ON_CONN:
            # the venue keeps refusing on this connection (or does not take a second auth on
            # one): start over on a new connection
            await conn.force_reconnect("private channels refused repeatedly")
            return
        self._reauths_on_conn += 1
        try:
            await self._send_auth(conn)
        except ExchangeError as exc:  # the socket went away meanwhile: the reconnect handles it
            self._log.info("re-authentication not sent: %s", exc)

    async def close(self) -> None:
        task, self._retry = self._retry, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._conn = None
