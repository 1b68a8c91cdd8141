"""A supervised WebSocket connection: connect, heartbeat, reconnect, resubscribe, watchdog.

:class:`WsConnection` owns one logical connection to a venue and keeps it alive:

* **Injected transport.** ``connector(url) -> WsTransport``; the default uses aiohttp. Tests
  inject their own to exercise reconnect, resubscribe and auth refresh without a network.
* **Reconnect** with exponential backoff and full jitter (``backoff_initial`` doubling to
  ``backoff_max``), reset once a connection has delivered data.
* **Resubscribe hook.** ``on_connect(conn)`` runs after every (re)connect, before messages
  are dispatched; it re-authenticates and resubscribes every market the manager holds.
  ``on_disconnect(reason)`` runs when a connection is lost so books can be invalidated.
* **Heartbeat.** Optional application ping (``ping_payload`` every ``ping_interval`` s) on top
  of aiohttp's protocol-level heartbeat.
* **Staleness watchdog**, per connection *and* per subscription key: a socket that is open
  but silent past ``stale_after`` is torn down and reconnected; a key (market) that is silent
  past its own limit triggers ``on_stale(key)`` so the manager can resync just that market.
* **Errors are surfaced**: a failing message handler is logged, counted (``handler_errors``)
  and kept in ``last_error``; it never stops the reader silently.
* **Outgoing pacing** (``send_limit=(n, seconds)``): at most ``n`` messages are sent in any
  ``seconds`` window; further sends wait. Venues that close a socket for sending too fast
  (Aster and Binance: more than 10 messages a second) stay under their limit however many
  markets are (re)subscribed at once.
* **Clean shutdown**: :meth:`stop` cancels every task it started and closes the transport.
"""

from __future__ import annotations

import asyncio
import inspect
import random
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import aiohttp
import orjson

from exchange_clients.errors import NetworkError
from helpers.time import monotonic
from helpers.unified_logger import get_logger

__all__ = ["WsConnection", "WsTransport", "TransportClosed", "aiohttp_connector", "Connector"]


class TransportClosed(Exception):
    """The transport closed (by the peer, the network or us)."""


class WsTransport(Protocol):
    async def send(self, data: str | bytes) -> None: ...
    async def recv(self) -> str | bytes: ...
    async def close(self) -> None: ...


Connector = Callable[[str], Awaitable[WsTransport]]
MessageHandler = Callable[[str | bytes], Awaitable[None] | None]


class _AiohttpTransport:
    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._session = session
        self._ws = ws

    async def send(self, data: str | bytes) -> None:
        try:
            if isinstance(data, bytes):
                await self._ws.send_bytes(data)
            else:
                await self._ws.send_str(data)
        except (ConnectionError, aiohttp.ClientError) as exc:
            raise TransportClosed(str(exc)) from None

    async def recv(self) -> str | bytes:
        msg = await self._ws.receive()
        if msg.type is aiohttp.WSMsgType.TEXT:
            return msg.data  # type: ignore[no-any-return]
        if msg.type is aiohttp.WSMsgType.BINARY:
            return msg.data  # type: ignore[no-any-return]
        if msg.type is aiohttp.WSMsgType.ERROR:
            raise TransportClosed(f"websocket error: {self._ws.exception()!r}")
        raise TransportClosed(f"websocket closed ({msg.type.name}, code {self._ws.close_code})")

    async def close(self) -> None:
        try:
            await self._ws.close()
        finally:
            await self._session.close()


def aiohttp_connector(*, heartbeat: float | None = 20.0, connect_timeout: float = 10.0,
                      max_msg_size: int = 16 * 1024 * 1024,
                      headers: dict[str, str] | None = None) -> Connector:
    async def connect(url: str) -> WsTransport:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None,
                                                                      connect=connect_timeout))
        try:
            ws = await session.ws_connect(url, heartbeat=heartbeat, max_msg_size=max_msg_size,
                                          headers=headers, autoping=True)
        except BaseException:
            await session.close()
            raise
        return _AiohttpTransport(session, ws)

    return connect


class WsConnection:
    def __init__(self, venue: str, url: str, *, on_message: MessageHandler,
                 on_connect: Callable[[WsConnection], Awaitable[None]] | None = None,
                 on_disconnect: Callable[[str], Awaitable[None] | None] | None = None,
                 on_stale: Callable[[str], Awaitable[None] | None] | None = None,
                 connector: Connector | None = None, name: str = "ws",
                 ping_payload: Callable[[], str | bytes] | None = None,
                 ping_interval: float = 20.0, stale_after: float = 30.0,
                 backoff_initial: float = 0.25, backoff_max: float = 30.0,
                 connect_timeout: float = 10.0,
                 send_limit: tuple[int, float] | None = None) -> None:
        self.venue = venue
        self.url = url
        self.name = name
        self._on_message = on_message
        self._on_connect = on_connect
        self._on_disconnect = on_disconnect
        self._on_stale = on_stale
        self._connector = connector or aiohttp_connector(connect_timeout=connect_timeout)
        self._ping_payload = ping_payload
        self._ping_interval = ping_interval
        self.stale_after = stale_after
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._connect_timeout = connect_timeout
        self._transport: WsTransport | None = None
        self._closing: asyncio.Future[None] | None = None
        if send_limit is not None and (send_limit[0] < 1 or send_limit[1] <= 0):
            raise ValueError("send_limit must be (messages >= 1, seconds > 0)")
        self._send_limit = send_limit
        self._send_times: deque[float] = deque()
        self._send_lock = asyncio.Lock()
        self._supervisor: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._stopping = False
        # key -> (stale_after, last alert/connect time, optional reader of the key's last data)
        self._keys: dict[str, tuple[float, float, Callable[[], float] | None]] = {}
        self._log = get_logger(name, venue)
        # observability
        self.connects = 0
        self.reconnects = 0
        self.messages = 0
        self.handler_errors = 0
        self.stale_reconnects = 0
        self.last_error: str | None = None
        self.last_message_at = 0.0

    # ---- public ---------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def start(self, *, wait: bool = True) -> None:
        """Start supervising; with ``wait`` return once connected (``NetworkError`` after
        ``connect_timeout`` if the first connection cannot be made)."""
        if self._supervisor is None or self._supervisor.done():
            self._stopping = False
            self._supervisor = asyncio.create_task(self._supervise(), name=f"{self.name}-supervisor")
        if wait:
            await self.wait_connected(self._connect_timeout)

    async def wait_connected(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError:
            raise NetworkError(self.venue, f"{self.name}: could not connect to {self.url} within "
                               f"{timeout}s ({self.last_error or 'no answer'})",
                               code="WS_CONNECT") from None

    async def stop(self) -> None:
        """Close the connection and cancel every task; idempotent."""
        self._stopping = True
        task, self._supervisor = self._supervisor, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self._close_transport()
        self._connected.clear()

    async def send(self, data: str | bytes) -> None:
        if self._send_limit is not None:
            await self._pace(*self._send_limit)
        transport = self._transport  # usable from on_connect, before `connected` is set
        if transport is None:
            raise NetworkError(self.venue, f"{self.name}: not connected", code="WS_NOT_CONNECTED")
        try:
            await transport.send(data)
        except TransportClosed as exc:
            raise NetworkError(self.venue, f"{self.name}: send failed: {exc}",
                               code="WS_SEND") from None

    async def _pace(self, limit: int, window: float) -> None:
        """Wait until sending one more message keeps ≤ ``limit`` sends per ``window`` s."""
        async with self._send_lock:
            times = self._send_times
            while True:
                now = monotonic()
                while times and now - times[0] >= window:
                    times.popleft()
                if len(times) < limit:
                    times.append(now)
                    return
                await asyncio.sleep(window - (now - times[0]) + 0.001)

    async def send_json(self, payload: Any) -> None:
        await self.send(orjson.dumps(payload).decode())

    async def force_reconnect(self, reason: str) -> None:
        """Drop the current transport; the supervisor reconnects and resubscribes."""
        self._log.warning("%s: forcing reconnect: %s", self.name, reason)
        self.last_error = reason
        await self._close_transport()

    def watch(self, key: str, stale_after: float | None = None, *,
              last_seen: Callable[[], float] | None = None) -> None:
        """Expect data for ``key`` (a market) at least every ``stale_after`` seconds.

        ``last_seen`` returns the ``monotonic()`` time of the key's latest data (e.g. a book's
        ``last_update``); with it, nothing has to be called per message. Without it, call
        :meth:`mark` on every message of the key."""
        self._keys[key] = (stale_after or self.stale_after, monotonic(), last_seen)

    def unwatch(self, key: str) -> None:
        self._keys.pop(key, None)

    def mark(self, key: str) -> None:
        """Record that data for ``key`` arrived (cheap; call on every message of that key)."""
        entry = self._keys.get(key)
        if entry is not None:
            self._keys[key] = (entry[0], monotonic(), entry[2])

    # ---- supervision ----------------------------------------------------------------------

    async def _supervise(self) -> None:
        attempt = 0
        while not self._stopping:
            try:
                self._transport = await asyncio.wait_for(self._connector(self.url),
                                                         self._connect_timeout)
            except (OSError, aiohttp.ClientError, TimeoutError, TransportClosed) as exc:
                self.last_error = f"connect failed: {type(exc).__name__}: {exc}"
                self._log.warning("%s: %s", self.name, self.last_error)
                attempt += 1
                await asyncio.sleep(self._backoff(attempt))
                continue
            got_data = await self._run_connection()
            if self._stopping:
                return
            self.reconnects += 1
            attempt = 0 if got_data else attempt + 1
            await asyncio.sleep(self._backoff(max(attempt, 1)))

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._backoff_max, self._backoff_initial * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    async def _run_connection(self) -> bool:
        """Serve one transport until it dies; return whether it delivered any data."""
        self.connects += 1
        before = self.messages
        tasks: list[asyncio.Task[None]] = []
        try:
            now = monotonic()
            self.last_message_at = now
            self._keys = {k: (limit, now, seen) for k, (limit, _, seen) in self._keys.items()}
            if self._on_connect is not None:
                await self._on_connect(self)
            self._connected.set()
            tasks.append(asyncio.create_task(self._watchdog(), name=f"{self.name}-watchdog"))
            if self._ping_payload is not None:
                tasks.append(asyncio.create_task(self._pinger(), name=f"{self.name}-ping"))
            await self._read_loop()
        except TransportClosed as exc:
            self.last_error = str(exc)
        except (NetworkError, OSError, aiohttp.ClientError) as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
        finally:
            self._connected.clear()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._close_transport()
        if not self._stopping:
            self._log.warning("%s: connection lost (%s); reconnecting", self.name, self.last_error)
            await self._notify_disconnect(self.last_error or "closed")
        return self.messages > before

    async def _notify_disconnect(self, reason: str) -> None:
        if self._on_disconnect is None:
            return
        try:
            result = self._on_disconnect(reason)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:  # noqa: BLE001 — surface, but keep reconnecting
            self.handler_errors += 1
            self.last_error = f"on_disconnect failed: {exc!r}"
            self._log.exception("%s: on_disconnect hook failed", self.name)

    async def _read_loop(self) -> None:
        transport = self._transport
        assert transport is not None
        handler = self._on_message
        recv = transport.recv
        while True:
            data = await recv()
            self.messages += 1
            if not self.messages & 63:
                # a receive of already-buffered frames does not yield to the loop; give other
                # tasks (a REST snapshot resync, timers) a turn during long bursts
                await asyncio.sleep(0)
            # no clock read per message: the watchdog notices the counter moving
            try:
                # handlers return None, or an awaitable when they have asynchronous work
                result = handler(data)
                if result is not None:
                    await result
            except Exception as exc:  # noqa: BLE001 — counted, logged, surfaced; feed continues
                self.handler_errors += 1
                self.last_error = f"handler failed: {type(exc).__name__}: {exc}"
                self._log.exception("%s: message handler failed", self.name)

    async def _watchdog(self) -> None:
        interval = max(min(self.stale_after, *(v[0] for v in self._keys.values()))
                       if self._keys else self.stale_after, 0.05) / 4
        counted = self.messages
        while True:
            await asyncio.sleep(interval)
            now = monotonic()
            if self.messages != counted:
                counted = self.messages
                self.last_message_at = now
            if now - self.last_message_at > self.stale_after:
                self.stale_reconnects += 1
                await self.force_reconnect(f"no data for {self.stale_after}s")
                return
            for key, (limit, marked, reader) in list(self._keys.items()):
                seen = max(marked, reader()) if reader is not None else marked
                if now - seen > limit and self._on_stale is not None:
                    self._keys[key] = (limit, now, reader)  # one alert per silent period
                    result = self._on_stale(key)
                    if inspect.isawaitable(result):
                        await result

    async def _pinger(self) -> None:
        assert self._ping_payload is not None
        while True:
            await asyncio.sleep(self._ping_interval)
            try:
                await self.send(self._ping_payload())
            except NetworkError:
                return

    async def _close_transport(self) -> None:
        """Close the current transport exactly once. The close runs in its own task and is
        awaited shielded: if the awaiting task (e.g. the watchdog) is cancelled midway, the
        close still completes, and a later call (``stop``) waits for it."""
        transport, self._transport = self._transport, None
        if transport is not None:
            self._closing = asyncio.ensure_future(self._do_close(transport))
        closing = self._closing
        if closing is not None:
            await asyncio.shield(closing)
            if self._closing is closing:
                self._closing = None

    async def _do_close(self, transport: WsTransport) -> None:
        try:
            await transport.close()
        except (OSError, aiohttp.ClientError, TransportClosed) as exc:
            self._log.debug("%s: close failed: %r", self.name, exc)
