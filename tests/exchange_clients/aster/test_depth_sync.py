"""Aster's diff-depth sync exactly as documented — buffer, REST snapshot, first event
bracketing ``lastUpdateId``, then ``pu`` chaining, resync on a gap — offline on the documented
frames and against the simulator with injected gaps, repeats and drops."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal

import orjson
import pytest

from exchange_clients.aster import AsterClient
from exchange_clients.aster.websocket.manager import AsterFeed
from exchange_clients.aster.websocket.order_book import continuity_rule, snapshot_message
from exchange_clients.common.market_feed import BookDeltaMsg, FeedErrorMsg
from exchange_clients.common.order_book import DeltaResult, L2OrderBook
from exchange_clients.models import Side
from simulator.testing import RunningSimulator
from tests.exchange_clients.aster.conftest import ClientFactory, control, passive_order

pytestmark = pytest.mark.asyncio(loop_scope="module")


def delta(first: int, last: int, prev: int, bids: list[list[str]] | None = None) -> bytes:
    return orjson.dumps({"e": "depthUpdate", "E": 1, "T": 1, "s": "BTCUSDT", "U": first,
                         "u": last, "pu": prev, "b": bids or [], "a": []})


def apply(book: L2OrderBook, feed: AsterFeed, raw: bytes) -> DeltaResult:
    (msg,) = feed.parse(raw)
    assert isinstance(msg, BookDeltaMsg)
    return book.apply_delta(msg.bids, msg.asks, first=msg.first, last=msg.last, prev=msg.prev)


async def test_documented_procedure_offline() -> None:
    feed = AsterFeed("ws://unused", transport=None)  # type: ignore[arg-type]
    book = L2OrderBook("aster", "BTC", continuity_rule())
    # 1-2: events arrive before the snapshot and are buffered
    assert apply(book, feed, delta(90, 95, 89, [["100.0", "1"]])) is DeltaResult.BUFFERED
    assert apply(book, feed, delta(96, 103, 95, [["100.0", "2"]])) is DeltaResult.BUFFERED
    # 3-5: snapshot lastUpdateId=100: u=95 < 100 dropped; U=96 <= 100 <= u=103 applied first
    book.apply_snapshot(*_snap(100, [["100.0", "5"], ["99.0", "1"]]))
    assert book.ready and book.best_bid() == (Decimal("100.0"), Decimal("2"))
    # 6: pu chaining; quantities are absolute; "0" removes; removing an absent level is normal
    assert apply(book, feed, delta(104, 110, 103, [["99.0", "0"], ["98.0", "0"]])) \
        is DeltaResult.APPLIED
    assert book.snapshot(5).bids[-1].price == Decimal("100.0")
    # a gap (pu != previous u): not ready, a new snapshot is needed
    assert apply(book, feed, delta(115, 120, 114)) is DeltaResult.GAP
    assert not book.ready


def _snap(last_update_id: int, bids: list[list[str]]) -> tuple[list[list[str]], list[list[str]], int]:
    msg = snapshot_message("BTCUSDT", {"lastUpdateId": last_update_id, "E": 1, "T": 1,
                                       "bids": bids, "asks": [["101.0", "1"]]})
    return list(msg.bids), list(msg.asks), int(msg.sequence or 0)  # type: ignore[arg-type]


async def test_frames_raw_combined_replies_and_errors() -> None:
    feed = AsterFeed("ws://unused", transport=None)  # type: ignore[arg-type]
    combined = orjson.dumps({"stream": "btcusdt@depth@100ms", "data": orjson.loads(delta(1, 2, 0))})
    (msg,) = feed.parse(combined)
    assert isinstance(msg, BookDeltaMsg) and (msg.key, msg.first, msg.last, msg.prev) == \
        ("BTCUSDT", 1, 2, 0)
    assert list(feed.parse(b'{"result":null,"id":3}')) == []
    assert list(feed.parse(b'{"e":"bookTicker","u":5,"s":"BTCUSDT"}')) == []
    (error,) = feed.parse(b'{"code":2,"msg":"Invalid request"}')
    assert isinstance(error, FeedErrorMsg) and error.code == "2"
    marks = orjson.dumps([{"e": "markPriceUpdate", "E": 1, "s": "BTCUSDT", "p": "60000.1",
                           "i": "60000", "P": "60000", "r": "0.0001", "T": 2}])
    assert list(feed.parse(marks)) == [] and feed.marks == {"BTCUSDT": "60000.1"}


async def test_quiet_book_is_kept_alive_by_the_mark_price_stream(
        make_client: ClientFactory) -> None:
    """A manual clock leaves the book silent; the 1 s mark-price push keeps the market (and
    the socket) from being declared stale, so no snapshot is refetched for nothing."""
    client = await make_client(ws_stale_after=1.5)
    await _live_book(client, "SOL")
    ws = client.websocket
    resyncs, connects, messages = ws.resyncs, ws.connection.connects, ws.connection.messages
    await asyncio.sleep(4)                    # > twice the staleness limit
    assert ws.connection.messages > messages  # marks arrived meanwhile …
    assert ws.resyncs == resyncs and ws.connection.connects == connects and ws.is_ready("SOL")


async def eventually(predicate: Callable[[], bool | Awaitable[bool]], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if not isinstance(value, bool):
            value = await value
        if value:
            return
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def _books_agree(client: AsterClient, symbol: str = "BTC") -> bool:
    """The live book equals the venue's REST depth (the manual clock keeps the book still)."""
    if not client.websocket.is_ready(symbol):
        return False
    live = client.websocket.get_order_book(symbol, 20)
    rest = await client.market_data.rest_book(symbol, 20)
    return live.bids == rest.bids and live.asks == rest.asks


async def _live_book(client: AsterClient, symbol: str = "BTC") -> None:
    await client.websocket.prepare_market_feed(symbol)
    await client.websocket.wait_ready(symbol, 10)


async def test_injected_gap_marks_the_book_stale_and_resyncs_from_rest(
        sim: RunningSimulator, client: AsterClient) -> None:
    await _live_book(client)
    ws, book = client.websocket, client.websocket.book("BTC")
    gaps, resyncs = book.gaps, ws.resyncs
    size, price = await passive_order(client, depth=Decimal("0.995"))
    await control(sim, "POST", "/faults", {"kind": "skip_seq", "match": "btcusdt@depth",
                                           "count": 1})
    await client.place_limit_order("BTC", size, price, Side.BUY)        # its event is dropped
    await asyncio.sleep(0.35)                                             # a later batch
    await client.place_limit_order("BTC", size, price - (await client.get_contract_attributes(
        "BTC")).tick_size, Side.BUY)                                      # pu != previous u
    await eventually(lambda: ws.resyncs > resyncs and ws.is_ready("BTC"))
    assert book.gaps == gaps + 1
    await eventually(lambda: _books_agree(client))
    levels = {level.price for level in ws.get_order_book("BTC", 20).bids}
    assert price in levels  # the dropped event's change is in the book, via the snapshot
    await client.cancel_all_orders("BTC")


async def test_repeated_event_is_dropped_as_stale_without_a_resync(
        sim: RunningSimulator, client: AsterClient) -> None:
    await _live_book(client)
    ws = client.websocket
    resyncs = ws.resyncs
    size, price = await passive_order(client, depth=Decimal("0.995"))
    await control(sim, "POST", "/faults", {"kind": "repeat_seq", "match": "btcusdt@depth",
                                           "count": 1})
    await client.place_limit_order("BTC", size, price, Side.BUY)
    await eventually(lambda: _books_agree(client))
    assert ws.resyncs == resyncs and ws.is_ready("BTC")
    await client.cancel_all_orders("BTC")


async def test_dropped_socket_reconnects_resubscribes_and_resyncs_every_market(
        sim: RunningSimulator, client: AsterClient) -> None:
    for symbol in ("BTC", "ETH", "SOL"):
        await _live_book(client, symbol)
    conn = client.websocket.connection
    connects = conn.connects
    dropped = await control(sim, "POST", "/faults", {"kind": "drop_ws", "match": "btcusdt@depth"})
    assert dropped["dropped"] == 1
    await eventually(lambda: conn.connects > connects and all(
        client.websocket.is_ready(s) for s in ("BTC", "ETH", "SOL")))
    for symbol in ("BTC", "ETH", "SOL"):
        await eventually(lambda s=symbol: _books_agree(client, s))  # type: ignore[misc]
