"""WebSocket hub of one venue server: connections, per-connection subscriptions, fan-out.

A venue module serves its WebSocket route with ``hub.serve(request, on_message, ...)`` and
publishes with ``hub.publish(channel, payload, sequenced=...)``. Each connection has its own
send queue and writer task, so engine listeners only enqueue (never await) and a slow client
never blocks the engine; a client that falls ``max_queue`` messages behind is disconnected,
as real venues do. The writer applies the venue's WebSocket faults: latency (``delay``),
sequence gaps (``skip_seq`` drops a *sequenced* message) and duplicates (``repeat_seq``).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from helpers.decimal import decimal_str
from helpers.unified_logger import get_logger
from simulator.engine.faults import FaultKind, FaultSet

__all__ = ["WsConnection", "WsHub", "dumps", "MessageHandler", "ConnectionHook"]


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(payload: Any) -> str:
    """JSON text; a Decimal becomes its shortest plain string ("2500", "0.01": never a float,
    never an exponent). Format fixed decimals yourself where a protocol needs them."""
    return orjson.dumps(payload, default=_default).decode()


class WsConnection:
    """One client connection. ``state`` is the venue module's per-connection data."""

    def __init__(self, hub: WsHub, ws: web.WebSocketResponse, request: web.Request, conn_id: int) -> None:
        self.hub = hub
        self.ws = ws
        self.request = request
        self.id = conn_id
        self.subscriptions: set[str] = set()
        self.state: dict[str, Any] = {}
        self.queue: asyncio.Queue[tuple[float, str, str, bool] | None] = asyncio.Queue()
        self.closed = False
        self.sent = 0

    def send(self, payload: Any, *, channel: str = "", sequenced: bool = False) -> bool:
        """Queue a message (dict/list serialised to JSON, str sent as is). False if closed."""
        return self.send_text(payload if isinstance(payload, str) else dumps(payload), channel, sequenced)

    def send_text(self, text: str, channel: str = "", sequenced: bool = False) -> bool:
        if self.closed:
            return False
        if self.queue.qsize() >= self.hub.max_queue:
            self.hub.log.warning("ws connection %d is %d messages behind: dropping it",
                                 self.id, self.queue.qsize())
            self.hub.schedule_close(self, code=1008, message="slow consumer")
            return False
        due = 0.0
        delay = self.hub.faults.take(FaultKind.DELAY, channel or self.request.path)
        if delay is not None and delay.delay_ms:
            due = asyncio.get_running_loop().time() + delay.delay_ms / 1000
        self.queue.put_nowait((due, text, channel, sequenced))
        return True

    def subscribe(self, channel: str) -> None:
        self.subscriptions.add(channel)
        self.hub.index(self, channel, True)

    def unsubscribe(self, channel: str) -> None:
        self.subscriptions.discard(channel)
        self.hub.index(self, channel, False)

    async def close(self, code: int = 1000, message: str = "") -> None:
        self.closed = True
        await self.ws.close(code=code, message=message.encode())


MessageHandler = Callable[[WsConnection, str | bytes], Awaitable[None]]
ConnectionHook = Callable[[WsConnection], Awaitable[None]]


class WsHub:
    def __init__(self, venue: str, faults: FaultSet, *, max_queue: int = 10_000,
                 heartbeat: float | None = None) -> None:
        self.venue = venue
        self.faults = faults
        self.max_queue = max_queue
        self.heartbeat = heartbeat
        self.connections: dict[int, WsConnection] = {}
        self._channels: dict[str, set[WsConnection]] = {}
        self._ids = itertools.count(1)
        self._closers: set[asyncio.Task[None]] = set()
        self.log = get_logger("ws_hub", venue=venue)

    # -- subscriptions ----------------------------------------------------------------------
    def index(self, conn: WsConnection, channel: str, on: bool) -> None:
        if on:
            self._channels.setdefault(channel, set()).add(conn)
        else:
            subs = self._channels.get(channel)
            if subs is not None:
                subs.discard(conn)
                if not subs:
                    del self._channels[channel]

    def subscribers(self, channel: str) -> list[WsConnection]:
        return list(self._channels.get(channel, ()))

    def has_subscribers(self, channel: str) -> bool:
        return bool(self._channels.get(channel))

    def publish(self, channel: str, payload: Any, *, sequenced: bool = False) -> int:
        """Send to every subscriber of ``channel`` (serialised once); returns how many."""
        subs = self._channels.get(channel)
        if not subs:
            return 0
        text = payload if isinstance(payload, str) else dumps(payload)
        return sum(conn.send_text(text, channel, sequenced) for conn in list(subs))

    # -- serving ------------------------------------------------------------------------------
    async def serve(self, request: web.Request, on_message: MessageHandler, *,
                    on_open: ConnectionHook | None = None,
                    on_close: ConnectionHook | None = None) -> web.WebSocketResponse:
        """Run one WebSocket connection to completion (call from the venue's WS route)."""
        ws = web.WebSocketResponse(heartbeat=self.heartbeat, max_msg_size=4 * 1024 * 1024)
        await ws.prepare(request)
        conn = WsConnection(self, ws, request, next(self._ids))
        self.connections[conn.id] = conn
        writer = asyncio.get_running_loop().create_task(self._writer(conn), name=f"ws-writer-{conn.id}")
        try:
            if on_open is not None:
                await on_open(conn)
            async for msg in ws:
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    await self._dispatch(conn, on_message, msg.data)
                elif msg.type is WSMsgType.ERROR:
                    self.log.warning("ws connection %d error: %r", conn.id, ws.exception())
        finally:
            conn.closed = True
            self.connections.pop(conn.id, None)
            for channel in list(conn.subscriptions):
                self.index(conn, channel, False)
            conn.queue.put_nowait(None)
            await self._finish(writer)
            if on_close is not None:
                await on_close(conn)
        return ws

    async def _dispatch(self, conn: WsConnection, on_message: MessageHandler, data: str | bytes) -> None:
        try:
            await on_message(conn, data)
        except Exception:  # the venue module's bug must not kill the connection loop: log it
            self.log.exception("ws handler failed on connection %d", conn.id)

    async def _writer(self, conn: WsConnection) -> None:
        loop = asyncio.get_running_loop()
        while True:
            item = await conn.queue.get()
            if item is None or conn.ws.closed:
                return
            due, text, channel, sequenced = item
            if due and (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
            repeat = False
            if sequenced:
                key = channel or conn.request.path
                if self.faults.take(FaultKind.SKIP_SEQ, key) is not None:
                    continue
                repeat = self.faults.take(FaultKind.REPEAT_SEQ, key) is not None
            try:
                await conn.ws.send_str(text)
                if repeat:
                    await conn.ws.send_str(text)
                conn.sent += 1
            except (ConnectionError, RuntimeError) as exc:  # peer went away mid-send
                self.log.debug("ws connection %d send failed: %s", conn.id, exc)
                return

    @staticmethod
    async def _finish(task: asyncio.Task[None]) -> None:
        if not task.done():
            task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            if not task.cancelled():
                raise

    # -- faults and shutdown ----------------------------------------------------------------------
    def schedule_close(self, conn: WsConnection, *, code: int = 1001, message: str = "") -> None:
        conn.closed = True
        task = asyncio.get_running_loop().create_task(self._close_quietly(conn, code, message))
        self._closers.add(task)
        task.add_done_callback(self._closers.discard)

    async def _close_quietly(self, conn: WsConnection, code: int, message: str) -> None:
        try:
            await conn.ws.close(code=code, message=message.encode())
        except (ConnectionError, RuntimeError) as exc:
            self.log.debug("closing ws connection %d: %s", conn.id, exc)

    async def drop(self, match: str | None = None, count: int | None = None, *, abrupt: bool = False) -> int:
        """Disconnect connections (whose path or a subscription starts with ``match``)."""
        victims = [c for c in self.connections.values()
                   if match is None or c.request.path.startswith(match)
                   or any(s.startswith(match) for s in c.subscriptions)]
        victims = victims[:count] if count is not None else victims
        for conn in victims:
            conn.closed = True
            transport = conn.request.transport
            if abrupt and transport is not None:
                transport.abort()     # no close frame: the client sees a dead socket
            else:
                await self._close_quietly(conn, 1001, "simulated disconnect")
        return len(victims)

    async def close_all(self) -> None:
        for conn in list(self.connections.values()):
            await self._close_quietly(conn, 1001, "server shutdown")
        if self._closers:
            await asyncio.gather(*self._closers, return_exceptions=True)
