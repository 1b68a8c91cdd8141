"""Aster converters, parsers and the error table on realistic payload shapes (real captures
and documented samples from asterdex/api-docs V3, see /work/notes/aster_protocol.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from exchange_clients.aster.client.utils.caching import AsterMarket
from exchange_clients.aster.client.utils.converters import (
    base_and_multiplier,
    depth_snapshot,
    fill_from_trade,
    fill_from_update,
    funding_intervals,
    funding_payment,
    leverage_brackets,
    market_entries,
    market_entry,
    order_from_update,
    order_info,
    position_from_risk,
    position_from_update,
    rate_limit_windows,
)
from exchange_clients.aster.client.utils.errors import error_from_response, is_unknown_outcome
from exchange_clients.aster.client.utils.helpers import wire_price, wire_quantity
from exchange_clients.aster.funding_adapter.fetchers import funding_samples, market_stats
from exchange_clients.common.markets import MarketEntry
from exchange_clients.errors import (
    AuthenticationError,
    DuplicateOrderError,
    ExchangeUnavailableError,
    InsufficientMarginError,
    InvalidOrderError,
    MarketNotFoundError,
    NetworkError,
    NonceError,
    OrderNotFoundError,
    RateLimitError,
)
from exchange_clients.models import Liquidity, OrderStatus, OrderType, Side, TimeInForce

D = Decimal

# the real BTCUSDT object of GET /fapi/v3/exchangeInfo (2026-01 capture)
BTCUSDT = {
    "symbol": "BTCUSDT", "pair": "BTCUSDT", "contractType": "PERPETUAL", "deliveryDate": 4133404800000,
    "onboardDate": 1627628400000, "status": "TRADING", "maintMarginPercent": "2.5000",
    "requiredMarginPercent": "5.0000", "baseAsset": "BTC", "quoteAsset": "USDT", "marginAsset": "USDT",
    "pricePrecision": 1, "quantityPrecision": 3, "baseAssetPrecision": 8, "quotePrecision": 8,
    "underlyingType": "COIN", "underlyingSubType": [], "symbolType": 0, "tradingMode": 0,
    "name": "Bitcoin", "channel": "", "sequenceNo": 10, "twapMinNotional": "1000", "settlePlan": 0,
    "triggerProtect": "0.0200", "liquidationFee": "0.025000", "marketTakeBound": "0.02",
    "createTime": 1630045468108,
    "filters": [
        {"minPrice": "1", "maxPrice": "1000000", "filterType": "PRICE_FILTER", "tickSize": "0.1"},
        {"stepSize": "0.001", "filterType": "LOT_SIZE", "maxQty": "1000", "minQty": "0.001"},
        {"stepSize": "0.001", "filterType": "MARKET_LOT_SIZE", "maxQty": "120", "minQty": "0.001"},
        {"limit": 200, "filterType": "MAX_NUM_ORDERS"},
        {"limit": 10, "filterType": "MAX_NUM_ALGO_ORDERS"},
        {"notional": "5", "filterType": "MIN_NOTIONAL"},
        {"multiplierDown": "0.9800", "multiplierUp": "1.0200", "ltMultiplierDown": "0",
         "multiplierDecimal": "4", "filterType": "PERCENT_PRICE", "ltMultiplierUp": "0"}],
    "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
                   "TRAILING_STOP_MARKET"],
    "timeInForce": ["GTC", "IOC", "FOK", "GTX", "RPI", "HIDDEN"],
}
PEPE = {**BTCUSDT, "symbol": "1000PEPEUSDT", "pair": "1000PEPEUSDT", "baseAsset": "1000PEPE",
        "pricePrecision": 7, "quantityPrecision": 0, "requiredMarginPercent": "2.0000",
        "filters": [{"minPrice": "0.0000001", "maxPrice": "200", "filterType": "PRICE_FILTER",
                     "tickSize": "0.0000001"},
                    {"stepSize": "1", "filterType": "LOT_SIZE", "maxQty": "50000000", "minQty": "1"},
                    {"notional": "5", "filterType": "MIN_NOTIONAL"}]}
PENDING = {**BTCUSDT, "symbol": "NEWUSDT", "contractType": "", "status": "PENDING_TRADING"}
SETTLING = {**BTCUSDT, "symbol": "OLDUSDT", "baseAsset": "OLD", "status": "SETTLING"}


def btc() -> MarketEntry[AsterMarket]:
    entry = market_entry(BTCUSDT)
    assert entry is not None
    return entry


def pepe() -> MarketEntry[AsterMarket]:
    entry = market_entry(PEPE, funding_hours=D(1))
    assert entry is not None
    return entry


def test_exchange_info_symbol_becomes_market_rules() -> None:
    info, market = btc().info, btc().venue_data
    assert (info.symbol, info.venue_symbol, info.market_id) == ("BTC", "BTCUSDT", "BTCUSDT")
    assert (info.tick_size, info.step_size, info.min_size, info.min_notional) == \
        (D("0.1"), D("0.001"), D("0.001"), D(5))
    assert info.max_leverage == 20 and info.funding_interval_hours == 8 and info.tradeable
    assert (info.maker_fee, info.taker_fee) == (D("0.0001"), D("0.00035"))
    assert (market.multiplier_up, market.multiplier_down, market.market_max_qty) == \
        (D("1.0200"), D("0.9800"), D(120))
    assert market.stream == "btcusdt"


def test_multiplier_listing_is_converted_to_underlying_units() -> None:
    info = pepe().info
    assert (info.symbol, info.multiplier, info.funding_interval_hours) == ("PEPE", 1000, 1)
    assert info.tick_size == D("0.0000000001") and info.step_size == 1000 and info.min_size == 1000
    assert base_and_multiplier({"symbol": "1000PEPEUSDT", "quoteAsset": "USDT"}) == ("PEPE", 1000)
    assert base_and_multiplier({"symbol": "1INCHUSDT", "quoteAsset": "USDT"}) == ("1INCH", 1)
    # orders go out in contracts at the contract price, exactly
    assert wire_quantity(D(25000), pepe().venue_data) == "25"
    assert wire_price(D("0.0000097010"), pepe().venue_data) == "0.009701"
    assert wire_quantity(D("0.010"), btc().venue_data) == "0.01"
    with pytest.raises(InvalidOrderError):
        wire_quantity(D("0.0001"), btc().venue_data)


def test_catalogue_keeps_perpetuals_and_marks_non_trading_symbols() -> None:
    entries = {e.info.symbol: e for e in market_entries(
        [BTCUSDT, PEPE, PENDING, SETTLING], intervals={"1000PEPEUSDT": D(1)},
        leverages={"BTCUSDT": D(125)})}
    assert set(entries) == {"BTC", "PEPE", "OLD"}
    assert entries["BTC"].info.max_leverage == 125     # brackets win over requiredMarginPercent
    assert entries["PEPE"].info.max_leverage == 50
    assert not entries["OLD"].info.tradeable


def test_real_exchange_info_sample_parses_completely() -> None:
    sample = Path("/work/notes/aster/exchangeInfo_sample.json")
    if not sample.exists():
        pytest.skip("notes not present")
    body = json.loads(sample.read_text())
    entries = market_entries(body["symbols"], intervals={})
    assert {"BTC", "ETH", "ASTER", "TSLA"} <= {e.info.symbol for e in entries}
    weight, orders = rate_limit_windows(body["rateLimits"])
    assert weight == [(2400.0, 60.0)] and orders == [(1200.0, 60.0), (300.0, 10.0)]


def test_rate_limits_and_leverage_brackets() -> None:
    assert rate_limit_windows([{"rateLimitType": "REQUEST_WEIGHT", "interval": "HOUR",
                                "intervalNum": 2, "limit": 10},
                               {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE",
                                "intervalNum": 1, "limit": 5}]) == ([(10.0, 7200.0)], [])
    body = [{"symbol": "BTCUSDT", "brackets": [
        {"bracket": 1, "initialLeverage": 125, "notionalCap": 50000, "notionalFloor": 0,
         "maintMarginRatio": 0.004, "cum": 0.0},
        {"bracket": 2, "initialLeverage": 100, "notionalCap": 250000, "notionalFloor": 50000,
         "maintMarginRatio": 0.005, "cum": 50.0}]}]
    assert leverage_brackets(body) == {"BTCUSDT": D(125)}
    assert leverage_brackets(body[0]) == {"BTCUSDT": D(125)}


ACK_MARKET = {"orderId": 17338441758, "symbol": "BTCUSDT", "status": "NEW",
              "clientOrderId": "727Wt3TIUgkUCxXp20E543", "price": "0", "avgPrice": "0.00000",
              "origQty": "0.010", "executedQty": "0", "cumQty": "0", "cumQuote": "0",
              "timeInForce": "GTC", "type": "MARKET", "reduceOnly": False, "closePosition": False,
              "side": "BUY", "positionSide": "BOTH", "stopPrice": "0",
              "workingType": "CONTRACT_PRICE", "priceProtect": False, "origType": "MARKET",
              "updateTime": 1776800300700, "newChainData": {"hash": "0x46aed5"}}


def test_order_objects() -> None:
    order = order_info(ACK_MARKET, btc())
    assert (order.order_id, order.client_order_id, order.side, order.order_type) == \
        ("17338441758", "727Wt3TIUgkUCxXp20E543", Side.BUY, OrderType.MARKET)
    assert order.price is None and order.average_fill_price is None
    assert (order.quantity, order.filled_quantity, order.status) == (D("0.010"), 0, OrderStatus.OPEN)
    partial = order_info({**ACK_MARKET, "type": "LIMIT", "origType": "LIMIT", "price": "60000.0",
                          "status": "PARTIALLY_FILLED", "executedQty": "0.004",
                          "avgPrice": "60000.00000", "time": 1776800300600}, btc())
    assert partial.status is OrderStatus.PARTIALLY_FILLED and partial.average_fill_price == 60000
    assert partial.created_at == datetime.fromtimestamp(1776800300.6, UTC)


@pytest.mark.parametrize(("status", "tif", "executed", "expected"), [
    ("EXPIRED", "GTX", "0", OrderStatus.REJECTED),          # post-only that would have crossed
    ("EXPIRED", "IOC", "0", OrderStatus.EXPIRED),
    ("EXPIRED", "GTX", "0.001", OrderStatus.EXPIRED),
    ("CANCELED", "GTX", "0", OrderStatus.CANCELLED),
    ("FILLED", "FOK", "0.010", OrderStatus.FILLED),
    ("NEW_ADL", "GTC", "0", OrderStatus.OPEN),
])
def test_statuses(status: str, tif: str, executed: str, expected: OrderStatus) -> None:
    raw = {**ACK_MARKET, "type": "LIMIT", "origType": "LIMIT", "price": "60000.0",
           "status": status, "timeInForce": tif, "executedQty": executed}
    order = order_info(raw, btc())
    assert order.status is expected
    if expected is OrderStatus.REJECTED:
        assert order.cancel_reason == "post_only_would_cross"
        assert order.time_in_force is TimeInForce.POST_ONLY


TRADE_UPDATE = {"s": "BTCUSDT", "c": "pdx-m3k9x1-0001-a7f3", "S": "BUY", "o": "LIMIT", "f": "GTC",
                "q": "0.010", "p": "60000.0", "ap": "60000.00000", "sp": "0", "x": "TRADE",
                "X": "PARTIALLY_FILLED", "i": 17338441758, "l": "0.004", "z": "0.004",
                "L": "60000.0", "N": "USDT", "n": "0.01200000", "T": 1776800301198, "t": 2583152,
                "b": "360.00000", "a": "0", "m": True, "R": False, "wt": "CONTRACT_PRICE",
                "ot": "LIMIT", "ps": "BOTH", "cp": False, "rp": "0"}


def test_order_trade_update_gives_order_and_fill() -> None:
    order = order_from_update(TRADE_UPDATE, btc())
    assert (order.status, order.filled_quantity, order.quantity) == \
        (OrderStatus.PARTIALLY_FILLED, D("0.004"), D("0.010"))
    fill = fill_from_update(TRADE_UPDATE, btc())
    assert fill is not None
    assert (fill.trade_id, fill.order_id, fill.price, fill.quantity, fill.fee, fill.liquidity) == \
        ("2583152", "17338441758", D("60000.0"), D("0.004"), D("0.012"), Liquidity.MAKER)
    assert fill_from_update({**TRADE_UPDATE, "x": "NEW", "t": 0}, btc()) is None
    no_fee = {k: v for k, v in TRADE_UPDATE.items() if k not in ("N", "n")}
    assert fill_from_update(no_fee, btc()).fee == 0  # type: ignore[union-attr]
    expired = order_from_update({**TRADE_UPDATE, "x": "EXPIRED", "X": "EXPIRED", "f": "GTX",
                                 "z": "0", "l": "0"}, btc())
    assert expired.status is OrderStatus.REJECTED


def test_positions_from_rest_and_stream() -> None:
    row = {"symbol": "BTCUSDT", "positionAmt": "-0.020", "entryPrice": "60000.0",
           "markPrice": "60125.30000000", "unRealizedProfit": "-2.50600000",
           "liquidationPrice": "0", "leverage": "20", "maxNotionalValue": "25000",
           "marginType": "cross", "isolatedMargin": "0.00000000", "isAutoAddMargin": "false",
           "positionSide": "BOTH", "notional": "-1202.506", "isolatedWallet": "0",
           "updateTime": 1776800300700}
    pos = position_from_risk(row, btc())
    assert (pos.quantity, pos.entry_price, pos.leverage, pos.liquidation_price, pos.side) == \
        (D("-0.020"), D(60000), D(20), None, Side.SELL)
    assert pos.unrealized_pnl == D("-2.506") and pos.margin is None
    update = position_from_update({"s": "1000PEPEUSDT", "pa": "25", "ep": "0.0097010", "cr": "0",
                                   "up": "0.1", "mt": "cross", "iw": "0", "ps": "BOTH"}, pepe())
    assert update.quantity == 25000 and update.entry_price == D("0.0000097010")
    closed = position_from_update({"s": "BTCUSDT", "pa": "0", "ep": "0.00000", "cr": "1.2",
                                   "up": "0", "mt": "cross", "iw": "0", "ps": "BOTH"}, btc())
    assert closed.quantity == 0 and closed.entry_price is None and closed.realized_pnl == D("1.2")


def test_user_trades_income_and_depth() -> None:
    trade = fill_from_trade({"symbol": "BTCUSDT", "id": 2583152, "orderId": 418588675,
                             "side": "SELL", "price": "60000.0", "qty": "0.0030",
                             "quoteQty": "180.00000000", "commission": "0.06300000",
                             "commissionAsset": "USDT", "realizedPnl": "0.00029999",
                             "marginAsset": "USDT", "positionSide": "BOTH", "buyer": False,
                             "maker": False, "time": 1776409179230}, btc())
    assert (trade.side, trade.quantity, trade.fee, trade.liquidity) == \
        (Side.SELL, D("0.003"), D("0.063"), Liquidity.TAKER)
    payment = funding_payment({"symbol": "BTCUSDT", "incomeType": "FUNDING_FEE",
                               "income": "-0.00134317", "asset": "USDT", "info": "FUNDING_FEE",
                               "time": 1621584000000, "tranId": 4480321991774044580,
                               "tradeId": ""}, btc())
    assert payment.amount == D("-0.00134317") and payment.timestamp.year == 2021
    book = depth_snapshot({"lastUpdateId": 1027024, "E": 1589436922972, "T": 1589436922959,
                           "bids": [["0.0097000", "100"], ["0.0097100", "0"], ["0.0096000", "3"]],
                           "asks": [["0.0098000", "12"]]}, pepe(), 5)
    assert [(lv.price, lv.size) for lv in book.bids] == [(D("0.0000097"), D(100000)),
                                                        (D("0.0000096"), D(3000))]
    assert book.sequence == 1027024 and book.source == "rest"


FUNDING_INFO = [
    {"symbol": "BTCUSDT", "interestRate": "0.00010000", "time": 1756197479000,
     "fundingIntervalHours": 8, "fundingFeeCap": 0.03, "fundingFeeFloor": -0.03},
    {"symbol": "ZORAUSDT", "interestRate": "0.00005000", "time": 1756197479000,
     "fundingIntervalHours": 4, "fundingFeeCap": 0.02, "fundingFeeFloor": -0.02},
]
ZORA = {**BTCUSDT, "symbol": "ZORAUSDT", "baseAsset": "ZORA"}


def test_four_hour_interval_is_normalised_with_its_own_hours() -> None:
    intervals = funding_intervals(FUNDING_INFO)
    assert intervals == {"BTCUSDT": 8, "ZORAUSDT": 4}
    entries = {e.info.venue_symbol: e for e in market_entries([BTCUSDT, ZORA, PEPE],
                                                               intervals=intervals)}
    premium = [{"symbol": s, "markPrice": "1.5", "indexPrice": "1.4", "estimatedSettlePrice": "1.4",
                "lastFundingRate": "0.00010000", "interestRate": "0.0001",
                "nextFundingTime": 1750147200000, "time": 1750146970000}
               for s in ("BTCUSDT", "ZORAUSDT", "1000PEPEUSDT", "DELISTEDUSDT")]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    samples = funding_samples(premium, intervals, entries, now)
    assert set(samples) == {"BTC", "ZORA", "PEPE"}
    zora = samples["ZORA"]
    assert (zora.raw_rate, zora.interval_hours, zora.normalized_rate) == (D("0.0001"), 4, D("0.0002"))
    assert samples["BTC"].normalized_rate == D("0.0001")
    assert samples["PEPE"].interval_hours == 8  # absent from fundingInfo: the 8 h default
    assert samples["PEPE"].mark_price == D("0.0015")  # per PEPE, not per 1000
    assert entries["ZORAUSDT"].info.funding_interval_hours == 4
    stats = market_stats(premium, [{"symbol": "BTCUSDT", "quoteVolume": "622657018.70"}],
                         {"BTCUSDT": D(10)}, entries, now)
    assert stats["BTC"].volume_24h_usd == D("622657018.70")
    assert stats["BTC"].open_interest_usd == D(15)


@pytest.mark.parametrize(("status", "body", "headers", "expected"), [
    (400, {"code": -4225, "msg": "Nonce Expired"}, {}, NonceError),
    (200, {"code": -4225, "msg": "Nonce Expired"}, {}, NonceError),     # the body decides
    (400, {"code": -1022, "msg": "Signature for this request is not valid."}, {},
     AuthenticationError),
    (401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}, {},
     AuthenticationError),
    (400, {"code": -2019, "msg": "Margin is insufficient."}, {}, InsufficientMarginError),
    (400, {"code": -5022, "msg": "Post Only order will be rejected"}, {}, InvalidOrderError),
    (400, {"code": -2021, "msg": "Order would immediately trigger."}, {}, InvalidOrderError),
    (400, {"code": -4116, "msg": "ClientOrderId is duplicated."}, {}, DuplicateOrderError),
    (400, {"code": -2013, "msg": "Order does not exist."}, {}, OrderNotFoundError),
    (400, {"code": -2011, "msg": "Unknown order sent."}, {}, OrderNotFoundError),
    (400, {"code": -1121, "msg": "Invalid symbol."}, {}, MarketNotFoundError),
    (503, {"code": -1007, "msg": "Timeout waiting for response"}, {}, ExchangeUnavailableError),
    (429, {"code": -1003, "msg": "Too many requests"}, {"Retry-After": "7"}, RateLimitError),
    (418, {"code": -1003, "msg": "Way too many requests; IP banned"}, {"Retry-After": "120"},
     RateLimitError),
])
def test_error_table(status: int, body: dict[str, object], headers: dict[str, str],
                     expected: type) -> None:
    error = error_from_response(status, body, headers)
    assert type(error) is expected and error.code == str(body["code"])
    if headers:
        assert isinstance(error, RateLimitError) and error.retry_after == float(headers["Retry-After"])


def test_success_bodies_with_a_code_are_not_errors() -> None:
    assert error_from_response(200, {"code": 200, "msg": "success"}, {}) is None
    assert error_from_response(200, {"code": "200", "msg": "The operation of cancel all open "
                                                           "order is done."}, {}) is None
    assert error_from_response(200, [{"orderId": 1}], {}) is None
    assert error_from_response(500, "Internal Server Error", {}) is None  # generic handling


def test_unknown_outcomes() -> None:
    assert is_unknown_outcome(NetworkError("aster", "timeout", code="TIMEOUT"))
    assert is_unknown_outcome(ExchangeUnavailableError("aster", "x", code="-1007"))
    assert is_unknown_outcome(ExchangeUnavailableError("aster", "x", code="503"))
    assert not is_unknown_outcome(ExchangeUnavailableError("aster", "maintenance", code="-1016"))
    assert not is_unknown_outcome(InvalidOrderError("aster", "x", code="-4164"))
