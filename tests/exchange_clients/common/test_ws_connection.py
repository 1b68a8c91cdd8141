"""WsConnection: reconnect, resubscribe, watchdog, error surfacing, clean shutdown.

Most cases use an injected in-memory transport (as paradex-py's own reconnect tests do);
one runs against a real aiohttp WebSocket server on loopback.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from exchange_clients.common.ws_connection import TransportClosed, WsConnection, WsTransport
from exchange_clients.errors import NetworkError


class MemoryTransport:
    def __init__(self) -> None:
        self.inbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.sent: list[str | bytes] = []
        self.closed = False

    async def send(self, data: str | bytes) -> None:
        if self.closed:
            raise TransportClosed("closed")
        self.sent.append(data)

    async def recv(self) -> str | bytes:
        item = await self.inbox.get()
        if item is None or self.closed:
            raise TransportClosed("peer closed")
        return item

    async def close(self) -> None:
        self.closed = True
        self.inbox.put_nowait(None)

    def drop(self) -> None:
        self.inbox.put_nowait(None)


class Network:
    def __init__(self, fail_first: int = 0) -> None:
        self.transports: list[MemoryTransport] = []
        self.fail_first = fail_first
        self.attempts = 0
        self.new_transport = asyncio.Event()

    async def connect(self, url: str) -> WsTransport:
        self.attempts += 1
        if self.attempts <= self.fail_first:
            raise OSError("connection refused")
        t = MemoryTransport()
        self.transports.append(t)
        self.new_transport.set()
        return t

    async def next_transport(self, count: int) -> MemoryTransport:
        while len(self.transports) < count:
            self.new_transport.clear()
            await asyncio.wait_for(self.new_transport.wait(), 5)
        return self.transports[count - 1]


def make(net: Network, received: list[str | bytes], **kw: object) -> WsConnection:
    subscribed: list[int] = []

    async def on_connect(conn: WsConnection) -> None:
        await conn.send_json({"subscribe": ["BTC", "ETH"]})
        subscribed.append(1)

    defaults: dict[str, object] = dict(on_message=received.append, on_connect=on_connect,
                                       connector=net.connect, backoff_initial=0.01,
                                       backoff_max=0.05, stale_after=5.0)
    defaults.update(kw)
    return WsConnection("v", "ws://test", **defaults)  # type: ignore[arg-type]


async def wait_until(predicate: object, timeout: float = 5.0) -> None:
    async def poll() -> None:
        while not predicate():  # type: ignore[operator]
            await asyncio.sleep(0.005)
    await asyncio.wait_for(poll(), timeout)


async def test_resubscribes_every_market_after_a_drop() -> None:
    net, received = Network(), []
    conn = make(net, received)
    await conn.start()
    try:
        first = await net.next_transport(1)
        first.inbox.put_nowait("a")
        await wait_until(lambda: received == ["a"])
        first.drop()
        second = await net.next_transport(2)
        await wait_until(lambda: second.sent)
        assert second.sent == ['{"subscribe":["BTC","ETH"]}']
        second.inbox.put_nowait("b")
        await wait_until(lambda: received == ["a", "b"])
        assert conn.reconnects == 1
    finally:
        await conn.stop()
    assert all(t.closed for t in net.transports)


async def test_connect_failures_back_off_and_eventually_connect() -> None:
    net, received = Network(fail_first=3), []
    conn = make(net, received)
    await conn.start()
    try:
        assert net.attempts == 4
        assert "connection refused" in (conn.last_error or "")
    finally:
        await conn.stop()


async def test_first_connection_timeout_is_a_network_error() -> None:
    net = Network(fail_first=10**6)
    conn = make(net, [], connect_timeout=0.2)
    with pytest.raises(NetworkError):
        await conn.start()
    await conn.stop()


async def test_silent_socket_is_torn_down_by_the_watchdog() -> None:
    net, received = Network(), []
    conn = make(net, received, stale_after=0.1)
    await conn.start()
    try:
        await net.next_transport(2)  # no data on the first → watchdog reconnects
        assert conn.stale_reconnects >= 1
    finally:
        await conn.stop()


async def test_per_key_staleness_alerts_once_per_silent_period() -> None:
    net, stale = Network(), []
    conn = make(net, [], stale_after=10.0, on_stale=stale.append)
    conn.watch("BTC", stale_after=0.1)
    conn.watch("ETH", stale_after=10.0)
    await conn.start()
    try:
        t = await net.next_transport(1)
        for _ in range(30):  # keep the socket alive; only BTC goes quiet
            conn.mark("ETH")
            t.inbox.put_nowait("eth")
            await asyncio.sleep(0.01)
        assert stale and set(stale) == {"BTC"}
        assert len(stale) <= 3
    finally:
        await conn.stop()


async def test_handler_errors_are_counted_and_surfaced_not_swallowed() -> None:
    net = Network()
    seen: list[str | bytes] = []

    def handler(msg: str | bytes) -> None:
        if msg == "bad":
            raise ValueError("cannot parse")
        seen.append(msg)

    conn = make(net, [], on_message=handler)
    await conn.start()
    try:
        t = await net.next_transport(1)
        for m in ("ok1", "bad", "ok2"):
            t.inbox.put_nowait(m)
        await wait_until(lambda: seen == ["ok1", "ok2"])
        assert conn.handler_errors == 1
        assert "cannot parse" in (conn.last_error or "")
    finally:
        await conn.stop()


async def test_disconnect_hook_runs_before_reconnect() -> None:
    net, events = Network(), []
    conn = make(net, [], on_disconnect=lambda reason: events.append(reason))
    await conn.start()
    try:
        (await net.next_transport(1)).drop()
        await net.next_transport(2)
        await wait_until(lambda: events)
        assert "peer closed" in events[0]
    finally:
        await conn.stop()


async def test_application_ping_is_sent() -> None:
    net = Network()
    conn = make(net, [], ping_payload=lambda: '{"method":"ping"}', ping_interval=0.02)
    await conn.start()
    try:
        t = await net.next_transport(1)
        await wait_until(lambda: '{"method":"ping"}' in t.sent)
    finally:
        await conn.stop()


async def test_send_limit_keeps_outgoing_messages_under_the_venue_rate() -> None:
    """``send_limit=(3, 0.1)``: no four consecutive sends within 0.1 s (a lower bound on the
    spacing, which sleeping guarantees; nothing here depends on the machine being fast)."""
    net = Network()
    stamps: list[float] = []
    conn = make(net, [], send_limit=(3, 0.1))
    await conn.start()
    try:
        transport = await net.next_transport(1)
        original = transport.send

        async def timed(data: str | bytes) -> None:
            stamps.append(asyncio.get_running_loop().time())
            await original(data)

        transport.send = timed  # type: ignore[method-assign]
        await asyncio.gather(*(conn.send(str(i)) for i in range(7)))
        assert len(transport.sent) == 8  # the on_connect subscription + 7
        assert all(later - earlier >= 0.1 - 1e-3
                   for earlier, later in zip(stamps, stamps[3:], strict=False))
    finally:
        await conn.stop()


def test_send_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        WsConnection("v", "ws://test", on_message=lambda _: None, send_limit=(0, 1.0))


async def test_stop_is_idempotent_and_leaves_no_task() -> None:
    net = Network()
    conn = make(net, [])
    await conn.start()
    await conn.stop()
    await conn.stop()
    assert not conn.connected
    leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert leftovers == []


@pytest.fixture
async def ws_server() -> AsyncIterator[tuple[TestServer, list[web.WebSocketResponse]]]:
    sockets: list[web.WebSocketResponse] = []

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        sockets.append(ws)
        async for msg in ws:
            if msg.type is WSMsgType.TEXT:
                await ws.send_str(f"echo:{msg.data}")
        return ws

    app = web.Application()
    app.router.add_get("/ws", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server, sockets
    finally:
        await server.close()


async def test_real_server_drop_reconnects_and_resubscribes(
        ws_server: tuple[TestServer, list[web.WebSocketResponse]]) -> None:
    server, sockets = ws_server
    received: list[str | bytes] = []

    async def on_connect(conn: WsConnection) -> None:
        await conn.send("sub")

    conn = WsConnection("v", str(server.make_url("/ws")), on_message=received.append,
                        on_connect=on_connect, backoff_initial=0.01, backoff_max=0.05)
    await conn.start()
    try:
        await wait_until(lambda: received == ["echo:sub"])
        await sockets[0].close()
        await wait_until(lambda: received == ["echo:sub", "echo:sub"])
        assert conn.reconnects == 1
    finally:
        await conn.stop()
