"""MarketFeedManager against a real WebSocket server on loopback with a minimal venue feed:
subscriptions for several markets, gap → REST resync, resync by resubscribing, reconnect →
every market resubscribed, readers never served a stale book, multiplier conversion."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from decimal import Decimal as D
from typing import Any

import orjson
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from exchange_clients.common.market_feed import (
    BookDeltaMsg,
    BookSnapshotMsg,
    FeedMessage,
    MarketFeedManager,
)
from exchange_clients.common.order_book import ContinuityRule, NextSequence
from exchange_clients.common.ws_connection import WsConnection
from exchange_clients.errors import StaleDataError
from exchange_clients.models import BBO, MarketInfo


def market(symbol: str, multiplier: int = 1) -> MarketInfo:
    return MarketInfo(venue="t", symbol=symbol, venue_symbol=symbol, market_id=symbol,
                      base_asset=symbol, tick_size=D("0.1"), step_size=D("0.01"), min_size=D(0),
                      min_notional=D(0), max_leverage=D(10), maker_fee=D(0), taker_fee=D(0),
                      funding_interval_hours=D(1), multiplier=D(multiplier))


MARKETS = {"BTC": market("BTC"), "ETH": market("ETH"), "PEPE": market("PEPE", 1000)}


class Venue:
    """Sends JSON frames: {"m", "U", "u", "b", "a"} deltas; REST snapshots on demand."""

    def __init__(self) -> None:
        self.sockets: list[web.WebSocketResponse] = []
        self.subscriptions: list[list[str]] = []
        self.snapshot_seq = {"BTC": 10, "ETH": 20, "PEPE": 5}
        self.snapshots_served = 0

    async def handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        subs: list[str] = []
        self.subscriptions.append(subs)
        async for msg in ws:
            if msg.type is WSMsgType.TEXT:
                subs.append(orjson.loads(msg.data)["sub"])
        return ws

    async def send(self, frame: dict[str, Any]) -> None:
        await self.sockets[-1].send_str(orjson.dumps(frame).decode())


class FakeVenueFeed:
    venue = "t"

    def __init__(self, url: str, venue: Venue) -> None:
        self._url = url
        self._venue = venue

    def ws_url(self) -> str:
        return self._url

    def continuity_rule(self) -> ContinuityRule:
        return NextSequence()

    def market_key(self, market: MarketInfo) -> str:
        return market.market_id

    def subscribe_payloads(self, market: MarketInfo) -> list[Any]:
        return [{"sub": market.market_id}]

    def unsubscribe_payloads(self, market: MarketInfo) -> list[Any]:
        return [{"unsub": market.market_id}]

    def parse(self, raw: str | bytes) -> Iterable[FeedMessage]:
        f = orjson.loads(raw)
        return (BookDeltaMsg(f["m"], f["b"], f["a"], first=f["U"], last=f["u"]),)

    def ping_payload(self) -> str | None:
        return None

    async def on_connect(self, conn: WsConnection) -> None:
        return None

    async def rest_snapshot(self, market: MarketInfo) -> BookSnapshotMsg | None:
        self._venue.snapshots_served += 1
        seq = self._venue.snapshot_seq[market.symbol]
        return BookSnapshotMsg(market.market_id, [["100.0", "1"]], [["101.0", "2"]], seq)


@pytest.fixture
async def setup() -> AsyncIterator[tuple[Venue, MarketFeedManager]]:
    venue = Venue()
    app = web.Application()
    app.router.add_get("/ws", venue.handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()

    async def resolve(symbol: str) -> MarketInfo:
        return MARKETS[symbol]

    manager = MarketFeedManager(FakeVenueFeed(str(server.make_url("/ws")), venue), resolve,
                                stale_after=30)
    try:
        yield venue, manager
    finally:
        await manager.disconnect()
        await server.close()


async def until(predicate: Any, timeout: float = 5.0) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.01)
    await asyncio.wait_for(poll(), timeout)


async def test_several_markets_on_one_connection_and_snapshot_then_deltas(setup: Any) -> None:
    venue, manager = setup
    await manager.connect()
    await manager.prepare_market_feed("BTC")
    await manager.prepare_market_feed("ETH")
    await manager.wait_ready("BTC", 5)
    await manager.wait_ready("ETH", 5)
    assert sorted(venue.subscriptions[-1]) == ["BTC", "ETH"]
    await venue.send({"m": "BTC", "U": 11, "u": 11, "b": [["100.5", "3"]], "a": []})
    await until(lambda: manager.get_latest_bbo("BTC").bid == D("100.5"))
    assert manager.get_latest_bbo("ETH").bid == D("100.0")  # untouched by BTC's delta


async def test_gap_marks_the_book_not_ready_and_resyncs_from_rest(setup: Any) -> None:
    venue, manager = setup
    await manager.connect()
    await manager.prepare_market_feed("BTC")
    await manager.wait_ready("BTC", 5)
    served = venue.snapshots_served
    venue.snapshot_seq["BTC"] = 20
    await venue.send({"m": "BTC", "U": 13, "u": 13, "b": [["99", "1"]], "a": []})  # 11, 12 missing
    await until(lambda: venue.snapshots_served > served)
    await until(lambda: manager.is_ready("BTC"))
    assert manager.resyncs >= 1
    assert manager.get_order_book("BTC", 5).bids[0].price == D("100.0")


async def test_reconnect_resubscribes_every_market_and_books_wait_for_sync(setup: Any) -> None:
    venue, manager = setup
    await manager.connect()
    for symbol in ("BTC", "ETH"):
        await manager.prepare_market_feed(symbol)
        await manager.wait_ready(symbol, 5)
    await venue.sockets[-1].close()
    await until(lambda: len(venue.sockets) == 2 and sorted(venue.subscriptions[-1]) == ["BTC", "ETH"])
    await until(lambda: manager.is_ready("BTC") and manager.is_ready("ETH"))


async def test_readers_never_serve_a_book_after_disconnect(setup: Any) -> None:
    _venue, manager = setup
    await manager.connect()
    await manager.prepare_market_feed("BTC")
    await manager.wait_ready("BTC", 5)
    await manager.disconnect()
    assert not manager.is_ready("BTC")
    with pytest.raises(StaleDataError):
        manager.get_latest_bbo("BTC")
    with pytest.raises(StaleDataError):
        manager.get_order_book("NOPE")


async def test_bbo_listeners_and_multiplier_conversion(setup: Any) -> None:
    _venue, manager = setup
    seen: list[BBO] = []
    manager.add_bbo_listener(seen.append)
    await manager.connect()
    await manager.prepare_market_feed("PEPE")
    await manager.wait_ready("PEPE", 5)
    bbo = manager.get_latest_bbo("PEPE")
    # book in contracts of 1000 PEPE: 100.0 per contract = 0.1 per PEPE; 1 contract = 1000 PEPE
    assert (bbo.bid, bbo.bid_size, bbo.ask, bbo.ask_size) == (D("0.1"), D(1000), D("0.101"), D(2000))
    assert seen and seen[-1].bid == D("0.1")
    depth = manager.get_order_book("PEPE", 1)
    assert depth.asks[0].price == D("0.101") and depth.asks[0].size == D(2000)
