"""Hyperliquid converters, number rules, errors and frame parsing on the venue's payload shapes
(pure functions; payloads from the docs and live captures in notes/hyperliquid_protocol.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from exchange_clients.base_client import OrderRequest
from exchange_clients.common.events import EventStream
from exchange_clients.common.market_feed import BookSnapshotMsg, FeedErrorMsg, PrivateMsg
from exchange_clients.common.markets import MarketCatalog
from exchange_clients.common.order_tracker import OrderTracker
from exchange_clients.errors import (
    AuthenticationError,
    ExchangeError,
    InsufficientMarginError,
    InvalidOrderError,
    MarketNotFoundError,
    NonceError,
    OrderNotFoundError,
    RateLimitError,
)
from exchange_clients.hyperliquid.client.managers.position_manager import venue_leverage
from exchange_clients.hyperliquid.client.managers.websocket_handlers import PrivateFrameHandler
from exchange_clients.hyperliquid.client.utils.converters import (
    book_snapshot,
    fill_from_row,
    funding_payment,
    leverage_info,
    market_entries,
    order_from_ack,
    order_from_status,
    order_from_update,
    order_info,
    position_snapshot,
)
from exchange_clients.hyperliquid.client.utils.errors import (
    error_from_response,
    error_from_text,
    nonce_floor,
)
from exchange_clients.hyperliquid.client.utils.helpers import (
    is_cloid,
    is_valid_price,
    order_status,
    price_grid,
    venue_price,
    venue_size,
    wire,
)
from exchange_clients.hyperliquid.funding_adapter.fetchers import funding_samples, market_stats
from exchange_clients.hyperliquid.websocket.message_handler import parse_frame
from exchange_clients.models import (
    Liquidity,
    MarginMode,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)

META: dict[str, Any] = {"universe": [
    {"szDecimals": 5, "name": "BTC", "maxLeverage": 40, "marginTableId": 54},
    {"szDecimals": 4, "name": "ETH", "maxLeverage": 25, "marginTableId": 50},
    {"szDecimals": 1, "name": "LOOM", "maxLeverage": 3, "marginTableId": 3, "onlyIsolated": True,
     "isDelisted": True, "marginMode": "strictIsolated"},
    {"szDecimals": 2, "name": "SOL", "maxLeverage": 20, "marginTableId": 20},
    {"szDecimals": 0, "name": "kPEPE", "maxLeverage": 10, "marginTableId": 10}],
    "marginTables": [], "collateralToken": 0}


def _ctx(mark: str, funding: str = "0.0000125", oi: str = "100.0") -> dict[str, Any]:
    return {"funding": funding, "openInterest": oi, "prevDayPx": mark, "dayNtlVlm": "4490636699.33",
            "premium": "-0.0005540084", "oraclePx": mark, "markPx": mark, "midPx": mark,
            "impactPxs": [mark, mark], "dayBaseVlm": "56265.69068"}


CTXS = [_ctx("80640.0", "0.0000052974", "36295.80812"), _ctx("3512.3"),
        {**_ctx("0.1"), "premium": None, "midPx": None, "impactPxs": None},
        _ctx("181.23"), _ctx("0.012345", "-0.0000300000", "1000000")]


@pytest.fixture
def entries() -> dict[str, Any]:
    return {e.info.symbol: e for e in market_entries(META, CTXS)}


# ---- markets and the price grid -------------------------------------------------------------

def test_market_rules_follow_szdecimals_and_the_price_level(entries: dict[str, Any]) -> None:
    btc, eth, sol, pepe = (entries[s].info for s in ("BTC", "ETH", "SOL", "PEPE"))
    assert (btc.market_id, entries["BTC"].venue_data.asset) == ("BTC", 0)
    # 5 significant figures at the current price: BTC $80k → $1, ETH $3.5k → 0.1, SOL → 0.01
    assert (btc.tick_size, eth.tick_size, sol.tick_size) == (D(1), D("0.1"), D("0.01"))
    assert (btc.step_size, eth.step_size, sol.step_size) == (D("0.00001"), D("0.0001"), D("0.01"))
    assert btc.max_price_significant_figures == 5 and btc.min_notional == 10
    assert btc.max_leverage == 40 and btc.funding_interval_hours == 1
    assert (btc.maker_fee, btc.taker_fee) == (D("0.00015"), D("0.00045"))
    # kPEPE: 1 contract = 1000 PEPE, price per 1000; normalised per PEPE
    assert (pepe.venue_symbol, pepe.multiplier) == ("kPEPE", 1000)
    assert pepe.step_size == 1000 and pepe.tick_size == D("1e-9")
    assert entries["LOOM"].info.tradeable is False
    assert entries["ETH"].venue_data.asset == 1 and entries["SOL"].venue_data.asset == 3


@pytest.mark.parametrize(("price", "szd", "valid"), [
    ("123456", 0, True), ("123456", 5, True),          # integers are always valid
    ("12345.6", 1, False),                             # 6 significant figures
    ("1234.5", 1, True), ("1234.5", 5, True),
    ("0.001234", 0, True), ("0.0012345", 0, False),    # 7 decimals > 6 − 0
    ("0.12345", 1, True), ("0.012345", 1, False),      # 6 decimals > 6 − 1
    ("96999.5", 5, False), ("96999", 5, True), ("9699.9", 5, True), ("9699.95", 5, False),
    ("0.0147", 2, True), ("0", 2, False), ("-1", 2, False),
])
def test_price_validity(price: str, szd: int, valid: bool) -> None:
    assert is_valid_price(D(price), szd) is valid


@pytest.mark.parametrize(("reference", "szd", "grid"), [
    ("97000", 5, "1"), ("105000", 5, "1"), ("9700", 5, "0.1"), ("3512.3", 4, "0.1"),
    ("181.23", 2, "0.01"), ("9.5", 2, "0.0001"), ("0.31234", 0, "0.00001"),
    ("0.012345", 0, "0.000001"), ("0.0001", 0, "0.000001"), (None, 3, "0.001"),
])
def test_price_grid(reference: str | None, szd: int, grid: str) -> None:
    got = price_grid(D(reference) if reference else None, szd)
    assert got == D(grid)
    # every multiple of the grid at or below the reference's magnitude is a valid price
    if reference:
        assert is_valid_price(D(reference).quantize(D(grid), rounding="ROUND_FLOOR") or D(grid), szd)


def test_wire_matches_the_sdk_float_to_wire_table() -> None:
    table = json.loads((Path(__file__).parent / "sdk_generated_vectors.json").read_text())
    cases = {"100": "100", "100.0": "100", "1670.1": "1670.1", "0.0147": "0.0147",
             "65000.0": "65000", "1E-8": "0.00000001", "123456789.12345678": "123456789.12345678",
             "1234.5": "1234.5", "0.30000": "0.3"}
    for given, expected in cases.items():
        assert wire(D(given)) == expected
    for bad in ("1E-9", "0.123456789"):
        with pytest.raises(InvalidOrderError):
            wire(D(bad))
    assert "float_to_wire" in table


def test_venue_units_and_pre_network_checks(entries: dict[str, Any]) -> None:
    pepe, btc = entries["PEPE"].venue_data, entries["BTC"].venue_data
    assert venue_price(D("0.000012345"), pepe) == "0.012345"
    assert venue_size(D(5000), pepe) == "5"
    assert venue_price(D("105123"), btc) == "105123"
    with pytest.raises(InvalidOrderError) as info:
        venue_price(D("96999.5"), btc)
    assert info.value.code == "PRICE_FORMAT"
    with pytest.raises(InvalidOrderError) as info:
        venue_size(D(1500), pepe)
    assert info.value.code == "STEP"


def test_cloid_format() -> None:
    assert is_cloid("0x0000000000000000000000000000002a")
    assert not is_cloid("0x0000000000000000000000000000002A")   # the venue hashes lower case
    assert not is_cloid("0x2a") and not is_cloid("42")


# ---- orders -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "filled", "tif", "expected"), [
    ("open", "0", TimeInForce.GTC, OrderStatus.OPEN),
    ("open", "0.1", TimeInForce.GTC, OrderStatus.PARTIALLY_FILLED),
    ("filled", "1", TimeInForce.GTC, OrderStatus.FILLED),
    ("canceled", "0", TimeInForce.GTC, OrderStatus.CANCELLED),
    ("canceled", "0.2", TimeInForce.IOC, OrderStatus.EXPIRED),
    ("iocCancelRejected", "0", TimeInForce.IOC, OrderStatus.EXPIRED),
    ("badAloPxRejected", "0", TimeInForce.POST_ONLY, OrderStatus.REJECTED),
    ("perpMarginRejected", "0", TimeInForce.GTC, OrderStatus.REJECTED),
    ("reduceOnlyCanceled", "0", TimeInForce.GTC, OrderStatus.CANCELLED),
    ("scheduledCancel", "0", TimeInForce.GTC, OrderStatus.CANCELLED),
    ("marginCanceled", "0.5", TimeInForce.GTC, OrderStatus.CANCELLED),
    ("triggered", "0", TimeInForce.GTC, OrderStatus.OPEN),
    ("somethingNew", "0", TimeInForce.GTC, OrderStatus.PENDING),
])
def test_order_status_mapping(status: str, filled: str, tif: TimeInForce,
                              expected: OrderStatus) -> None:
    assert order_status(status, D(filled), tif) is expected


def test_order_update_frame(entries: dict[str, Any]) -> None:
    item = {"order": {"coin": "BTC", "side": "B", "limitPx": "31795.0", "sz": "0.00027",
                      "oid": 57118842019, "timestamp": 1785261289146, "origSz": "0.00037",
                      "cloid": "0xa1f0000000000000000000000000071d"},
            "status": "open", "statusTimestamp": 1785261289999}
    order = order_from_update(item, entries["BTC"])
    assert (order.order_id, order.client_order_id) == ("57118842019",
                                                       "0xa1f0000000000000000000000000071d")
    assert order.side is Side.BUY and order.price == D("31795.0")
    assert (order.quantity, order.filled_quantity) == (D("0.00037"), D("0.00010"))
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert order.updated_at == datetime.fromtimestamp(1785261289.999, UTC)
    # what the frame omits comes from our last state: an IOC market order, and its price
    known = order.model_copy(update={"time_in_force": TimeInForce.IOC, "order_type": OrderType.MARKET,
                                     "filled_quantity": D("0.00037"), "average_fill_price": D(31790)})
    done = order_from_update({**item, "order": {**item["order"], "sz": "0.0"}, "status": "filled"},
                             entries["BTC"], known=known)
    assert done.status is OrderStatus.FILLED and done.order_type is OrderType.MARKET
    assert done.time_in_force is TimeInForce.IOC and done.average_fill_price == 31790
    cancelled = order_from_update({**item, "status": "canceled"}, entries["BTC"], known=known)
    assert cancelled.status is OrderStatus.EXPIRED and cancelled.cancel_reason == "canceled"


def test_frontend_order_and_order_status(entries: dict[str, Any]) -> None:
    row = {"coin": "ETH", "side": "A", "limitPx": "2821.1", "sz": "0.02", "oid": 62014449551,
           "timestamp": 1788000000000, "origSz": "0.05", "triggerCondition": "N/A", "isTrigger": False,
           "triggerPx": "0.0", "children": [], "isPositionTpsl": False, "reduceOnly": True,
           "orderType": "Limit", "tif": "Alo", "cloid": None}
    order = order_info(row, "open", entries["ETH"])
    assert order.side is Side.SELL and order.reduce_only and order.client_order_id is None
    assert order.time_in_force is TimeInForce.POST_ONLY and order.filled_quantity == D("0.03")
    body = {"status": "order", "order": {"order": {**row, "sz": "0.0", "orderType": "Market",
                                                   "tif": "FrontendMarket"},
                                         "status": "filled", "statusTimestamp": 1788000000500}}
    filled = order_from_status(body, entries["ETH"])
    assert filled is not None and filled.status is OrderStatus.FILLED
    assert filled.order_type is OrderType.MARKET and filled.filled_quantity == D("0.05")
    assert order_from_status({"status": "unknownOid"}, entries["ETH"]) is None


def test_order_acknowledgements(entries: dict[str, Any]) -> None:
    entry = entries["ETH"]
    request = OrderRequest(entry.info, Side.BUY, D("0.02"), D("1891.4"), OrderType.MARKET,
                           TimeInForce.IOC, False, "0x0000000000000000000000000000002a")
    resting = order_from_ack({"resting": {"oid": 77738308}}, request, entry)
    assert resting is not None and resting.status is OrderStatus.OPEN and resting.order_id == "77738308"
    filled = order_from_ack({"filled": {"totalSz": "0.02", "avgPx": "1891.4", "oid": 77747314}},
                            request, entry)
    assert filled is not None and filled.status is OrderStatus.FILLED
    assert filled.average_fill_price == D("1891.4") and filled.filled_quantity == D("0.02")
    partial = order_from_ack({"filled": {"totalSz": "0.01", "avgPx": "1891.4", "oid": 1}},
                             request, entry)
    assert partial is not None and partial.status is OrderStatus.EXPIRED
    assert partial.filled_quantity == D("0.01")
    assert order_from_ack("waitingForFill", request, entry) is None
    assert order_from_ack({"error": "x"}, request, entry) is None


# ---- fills, funding, positions, books ---------------------------------------------------------------

def test_fill_row(entries: dict[str, Any]) -> None:
    row = {"coin": "BTC", "px": "86328.0", "sz": "0.00017", "side": "B", "time": 1791280942711,
           "startPosition": "0.0", "dir": "Open Long", "closedPnl": "0.0", "hash": "0x3d47",
           "oid": 61978919420, "crossed": True, "fee": "0.006604", "tid": 499584618036466,
           "cloid": "0x7b15dfdd080fca5a8899c5d654fa0c26", "feeToken": "USDC", "twapId": None}
    fill = fill_from_row(row, entries["BTC"])
    assert (fill.trade_id, fill.order_id) == ("499584618036466", "61978919420")
    assert fill.side is Side.BUY and fill.liquidity is Liquidity.TAKER
    assert (fill.price, fill.quantity, fill.fee) == (D("86328.0"), D("0.00017"), D("0.006604"))
    maker = fill_from_row({**row, "coin": "kPEPE", "crossed": False, "fee": "-0.01", "px": "0.0123",
                           "sz": "7", "side": "A"}, entries["PEPE"])
    assert maker.liquidity is Liquidity.MAKER and maker.fee == D("-0.01")
    assert (maker.price, maker.quantity, maker.side) == (D("0.0000123"), D(7000), Side.SELL)


def test_funding_payment_row(entries: dict[str, Any]) -> None:
    row = {"delta": {"type": "funding", "coin": "ETH", "usdc": "-3.625312", "szi": "49.1477",
                     "fundingRate": "0.0000417", "nSamples": None}, "hash": "0xa166", "time": 1681222254710}
    payment = funding_payment(row, entries["ETH"])
    assert payment.amount == D("-3.625312") and payment.rate == D("0.0000417")
    assert payment.position_quantity == D("49.1477")


def test_position_and_leverage(entries: dict[str, Any]) -> None:
    raw = {"type": "oneWay", "position": {
        "coin": "BTC", "szi": "-0.00015", "leverage": {"type": "cross", "value": 5},
        "entryPx": "79449.2", "positionValue": "11.9163", "unrealizedPnl": "-0.00109",
        "returnOnEquity": "-0.0004573149", "liquidationPx": "150000.5", "marginUsed": "2.38326",
        "maxLeverage": 40, "cumFunding": {"allTime": "0.3", "sinceOpen": "0.25", "sinceChange": "0.0"}}}
    position = position_snapshot(raw, entries["BTC"])
    assert position.quantity == D("-0.00015") and position.side is Side.SELL
    assert position.entry_price == D("79449.2") and position.mark_price == D("79442")
    assert position.leverage == 5 and position.margin == D("2.38326")
    assert position.liquidation_price == D("150000.5") and position.funding_accrued == D("-0.25")
    isolated = leverage_info({"type": "isolated", "value": 20, "rawUsd": "-95.05"}, entries["BTC"].info)
    assert isolated.leverage == 20 and isolated.margin_mode is MarginMode.ISOLATED
    assert isolated.max_leverage == 40


def test_rest_book(entries: dict[str, Any]) -> None:
    body = {"coin": "kPEPE", "time": 1754450974231, "levels": [
        [{"px": "0.012345", "sz": "7699", "n": 17}, {"px": "0.012344", "sz": "4", "n": 8}],
        [{"px": "0.012346", "sz": "11", "n": 3}]]}
    book = book_snapshot(body, entries["PEPE"], 1)
    assert len(book.bids) == 1 and book.bids[0].price == D("0.000012345")
    assert book.bids[0].size == D(7699000) and book.asks[0].size == D(11000)
    empty = book_snapshot({"coin": "BTC", "time": 1, "levels": [[], []]}, entries["BTC"], 5)
    assert empty.bids == () and empty.asks == ()


def test_leverage_is_a_whole_number_rounded_down(entries: dict[str, Any]) -> None:
    btc = entries["BTC"].info
    assert venue_leverage(D("2.9"), btc) == 2 and venue_leverage(D(7), btc) == 7
    with pytest.raises(InvalidOrderError):
        venue_leverage(D("0.5"), btc)


# ---- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "cls", "code"), [
    ("Invalid nonce: duplicate nonce 1754922717871", NonceError, "NONCE"),
    ("Invalid nonce: nonce too low 1776584283874 < 1776584799101", NonceError, "NONCE"),
    ("User or API Wallet 0xee9445db6da72821f812946502be3fd1a636e1dd does not exist.",
     AuthenticationError, "UNKNOWN_SIGNER"),
    ("Must deposit before performing actions. User: 0xee94", AuthenticationError, "NO_DEPOSIT"),
    ("Unable to recover signer.", AuthenticationError, "BAD_SIGNATURE"),
    ("Too many cumulative requests sent (97460 > 97456) for cumulative volume traded $87457.46.",
     RateLimitError, "ADDRESS_RATE_LIMIT"),
    ("Order must have minimum value of $10. asset=4", InvalidOrderError, "MIN_NOTIONAL"),
    ("Price must be divisible by tick size. asset=3", InvalidOrderError, "TICK"),
    ("Order has invalid price.", InvalidOrderError, "PRICE_FORMAT"),
    ("Order has invalid size.", InvalidOrderError, "STEP"),
    ("Reduce only order would increase position. asset=3", InvalidOrderError, "REDUCE_ONLY"),
    ("Post only order would have immediately matched, bbo was 64143@64144. asset=0",
     InvalidOrderError, "POST_ONLY"),
    ("Insufficient margin to place order. asset=4", InsufficientMarginError, "INSUFFICIENT_MARGIN"),
    ("Order could not immediately match against any resting orders. asset=1", InvalidOrderError,
     "IOC_NO_MATCH"),
    ("Order was never placed, already canceled, or filled. asset=4", OrderNotFoundError,
     "ORDER_NOT_FOUND"),
    ("Order price cannot be more than 80% away from the reference price. asset=2", InvalidOrderError,
     "PRICE_BAND"),
    ("Cannot switch leverage type with open position.", InvalidOrderError, "MARGIN_MODE"),
    ("Invalid leverage value", InvalidOrderError, "LEVERAGE"),
    ("Invalid asset. asset=99", MarketNotFoundError, "UNKNOWN_ASSET"),
    ("Something nobody has seen before", ExchangeError, "UNKNOWN"),
])
def test_error_texts(text: str, cls: type[ExchangeError], code: str) -> None:
    error = error_from_text(text)
    assert type(error) is cls and error.code == code
    assert "asset=" not in error.message
    if cls is ExchangeError:
        assert error.retryable is False


def test_error_mapper_sees_every_response() -> None:
    err = error_from_response(200, {"status": "err", "response": "Invalid nonce: nonce too low 5 < 9"}, {})
    assert isinstance(err, NonceError) and nonce_floor(err) == 9
    limited = error_from_response(200, {"status": "err", "response": "Too many cumulative requests "
                                        "sent (3 > 2)"}, {})
    assert isinstance(limited, RateLimitError) and limited.retry_after == 10
    assert error_from_response(200, {"status": "ok", "response": {"type": "default"}}, {}) is None
    assert error_from_response(200, {"status": "unknownOid"}, {}) is None   # an info answer
    assert error_from_response(200, [{"coin": "BTC"}], {}) is None
    ip_limit = error_from_response(429, None, {"Retry-After": "2"})
    assert isinstance(ip_limit, RateLimitError) and ip_limit.retry_after == 2
    bad = error_from_response(422, "Failed to deserialize the JSON body into the target type", {})
    assert isinstance(bad, InvalidOrderError) and bad.code == "DESERIALIZE"
    assert error_from_response(502, "bad gateway", {}) is None   # HttpClient's generic 5xx
    assert isinstance(error_from_response(200, "not json", {}), ExchangeError)


# ---- WebSocket frames --------------------------------------------------------------------------

def test_frames() -> None:
    assert list(parse_frame("Websocket connection established.")) == []
    book = {"channel": "l2Book", "data": {"coin": "BTC", "time": 1785251521889, "levels": [
        [{"px": "113377.0", "sz": "7.6699", "n": 17}], [{"px": "113397.0", "sz": "0.11543", "n": 3}]]}}
    (msg,) = parse_frame(json.dumps(book))
    assert isinstance(msg, BookSnapshotMsg) and msg.key == "BTC" and msg.sequence == 1785251521889
    assert list(msg.bids) == [("113377.0", "7.6699")] and list(msg.asks) == [("113397.0", "0.11543")]
    for channel in ("orderUpdates", "userFills"):
        (private,) = parse_frame(json.dumps({"channel": channel, "data": []}))
        assert isinstance(private, PrivateMsg)
    (error,) = parse_frame(json.dumps({"channel": "error", "data": "Already subscribed: {}"}))
    assert isinstance(error, FeedErrorMsg) and "Already subscribed" in error.message
    for ignored in ({"channel": "pong"}, {"channel": "subscriptionResponse", "data": {}},
                    {"channel": "trades", "data": []}):
        assert list(parse_frame(json.dumps(ignored))) == []
    (garbage,) = parse_frame("<html>")
    assert isinstance(garbage, FeedErrorMsg)


async def _handler() -> tuple[PrivateFrameHandler, OrderTracker, EventStream]:
    async def load() -> Any:
        return market_entries(META, CTXS)

    catalog: MarketCatalog[Any] = MarketCatalog("hyperliquid", load)
    await catalog.refresh()
    tracker = OrderTracker()
    events = EventStream("hyperliquid")
    return PrivateFrameHandler("0xABC0000000000000000000000000000000000001", catalog, tracker, events), \
        tracker, events


def _fill(tid: int, start: str, side: str = "B", **extra: Any) -> dict[str, Any]:
    return {"coin": "ETH", "px": "3500.0", "sz": "0.5", "side": side, "time": 1_790_000_000_000 + tid,
            "startPosition": start, "dir": "Open Long", "closedPnl": "0.0", "hash": "0x1", "oid": 9,
            "crossed": True, "fee": "0.1", "tid": tid, **extra}


async def test_private_frames_feed_the_tracker_and_events() -> None:
    handler, tracker, events = await _handler()
    user = "0xabc0000000000000000000000000000000000001"
    async with events.subscribe() as stream:
        handler({"channel": "userFills", "data": {"isSnapshot": True, "user": user,
                                                    "fills": [_fill(1, "0.0")]}})
        handler({"channel": "orderUpdates", "data": [{"order": {
            "coin": "ETH", "side": "B", "limitPx": "3500.0", "sz": "0.0", "oid": 9, "timestamp": 1,
            "origSz": "0.5", "cloid": "0x0000000000000000000000000000002a"}, "status": "filled",
            "statusTimestamp": 2}]})
        handler({"channel": "userFills", "data": {"isSnapshot": False, "user": user,
                                                    "fills": [_fill(2, "0.5"), _fill(1, "0.0")]}})
        handler({"channel": "userFills", "data": {"isSnapshot": False, "user": "0xsomeoneelse",
                                                    "fills": [_fill(3, "0.0")]}})
        handler({"channel": "userFills", "data": {"isSnapshot": False, "user": user, "fills": [
            _fill(4, "1.0", side="A", liquidation={"liquidatedUser": user, "markPx": "3000",
                                                   "method": "market"})]}})
        got = [await stream.get(1) for _ in range(6)]
        with pytest.raises(TimeoutError):
            await stream.get(0.05)
    kinds = [e.kind for e in got]
    assert kinds == ["order", "fill", "position", "fill", "liquidation", "position"]
    assert got[0].order.status is OrderStatus.FILLED  # type: ignore[union-attr]
    assert got[1].fill.trade_id == "2"  # type: ignore[union-attr]  # tid 1 was history
    assert got[2].position.quantity == D("1.0")  # type: ignore[union-attr]
    assert got[5].position.quantity == D("0.5")  # type: ignore[union-attr]
    assert tracker.by_client_id("0x0000000000000000000000000000002a") is not None
    await events.close()


async def test_a_snapshot_after_a_reconnect_replays_missed_fills_once() -> None:
    handler, _, events = await _handler()
    user = "0xabc0000000000000000000000000000000000001"
    async with events.subscribe(kinds={"fill"}) as stream:
        handler({"channel": "userFills", "data": {"isSnapshot": True, "user": user,
                                                    "fills": [_fill(1, "0.0")]}})
        handler({"channel": "userFills", "data": {"isSnapshot": True, "user": user,
                                                    "fills": [_fill(1, "0.0"), _fill(2, "0.5")]}})
        event = await stream.get(1)
        with pytest.raises(TimeoutError):
            await stream.get(0.05)
    assert event.fill.trade_id == "2"  # type: ignore[union-attr]
    await events.close()


# ---- funding ---------------------------------------------------------------------------------

def test_funding_and_market_stats_are_hourly_and_in_usd() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    samples = funding_samples(META, CTXS, now)
    assert "LOOM" not in samples  # delisted
    btc = samples["BTC"]
    assert btc.raw_rate == D("0.0000052974") and btc.interval_hours == 1
    assert btc.normalized_rate == D("0.0000052974") * 8
    assert btc.next_funding_time == datetime(2026, 1, 2, 4, tzinfo=UTC)
    assert samples["PEPE"].mark_price == D("0.000012345")
    stats = market_stats(META, CTXS, now)
    assert stats["BTC"].open_interest_usd == D("36295.80812") * D("80640.0")
    assert stats["BTC"].volume_24h_usd == D("4490636699.33")
    assert stats["PEPE"].open_interest_usd == D(1000000) * D("0.012345")
