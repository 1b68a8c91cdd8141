"""Backpack converters, frame parsing, funding and the error table on the venue's payload
shapes (real captures quoted in the protocol notes: airates 2026-09, naut 2026-10, ccxt)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any

import orjson
import pytest

from exchange_clients.backpack.client.utils.converters import (
    book_side,
    fill_from_history,
    fill_from_update,
    funding_payment,
    market_entry,
    order_from_update,
    order_info,
    position_from_update,
    position_snapshot,
)
from exchange_clients.backpack.client.utils.errors import (
    BACKPACK_ERRORS,
    error_from_response,
    is_definitive_refusal,
    is_expired,
)
from exchange_clients.backpack.client.utils.helpers import (
    depth_limit,
    interval_hours,
    order_status,
    price_from_venue,
    quantity_from_venue,
    wire_price,
    wire_quantity,
)
from exchange_clients.backpack.common import get_backpack_symbol_format, normalize_symbol
from exchange_clients.backpack.funding_adapter.fetchers import funding_samples, market_stats
from exchange_clients.backpack.funding_adapter.funding_client import perp_entries
from exchange_clients.backpack.websocket.message_handler import MarkPriceMsg, parse_frame
from exchange_clients.common.market_feed import BookDeltaMsg, FeedErrorMsg, PrivateMsg
from exchange_clients.errors import (
    AuthenticationError,
    DuplicateOrderError,
    ExchangeError,
    ExchangeUnavailableError,
    InsufficientMarginError,
    InvalidOrderError,
    MarketNotFoundError,
    NetworkError,
    NotSupportedError,
    OrderNotFoundError,
    RateLimitError,
)
from exchange_clients.models import Liquidity, OrderStatus, OrderType, Side, TimeInForce

BTC: dict[str, Any] = {
    "baseSymbol": "BTC", "createdAt": "2025-01-21T06:34:54.691858",
    "filters": {"price": {"borrowEntryFeeMaxMultiplier": None, "maxMultiplier": "2",
                          "maxPrice": "1000000", "minMultiplier": "0.25", "minPrice": "0.1",
                          "tickSize": "0.1"},
                "quantity": {"maxQuantity": None, "minQuantity": "0.00001", "stepSize": "0.00001"}},
    "fundingInterval": 3600000, "fundingRateLowerBound": "-100", "fundingRateUpperBound": "100",
    "imfFunction": {"base": "0.01333333", "factor": "0.00002494", "type": "sqrt"},
    "marketType": "PERP", "mmfFunction": {"base": "0.00666667", "factor": "0.00001496", "type": "sqrt"},
    "openInterestLimit": "4000", "orderBookState": "Open", "positionLimitWeight": "1",
    "quoteSymbol": "USDC", "rwaMarketType": None, "symbol": "BTC_USDC_PERP", "visible": True}
KPEPE: dict[str, Any] = {
    **BTC, "baseSymbol": "kPEPE", "symbol": "kPEPE_USDC_PERP",
    "filters": {"price": {"minPrice": "0.000001", "tickSize": "0.0000001", "maxPrice": "1000"},
                "quantity": {"maxQuantity": None, "minQuantity": "100", "stepSize": "100"}},
    "fundingRateLowerBound": "-150", "fundingRateUpperBound": "150",
    "imfFunction": {"base": "0.06666667", "factor": "0.00015676", "type": "sqrt"}}
ETH: dict[str, Any] = {**BTC, "baseSymbol": "ETH", "symbol": "ETH_USDC_PERP",
                       "filters": {"price": {"tickSize": "0.01", "minPrice": "0.01"},
                                   "quantity": {"minQuantity": "0.0001", "stepSize": "0.0001"}},
                       "imfFunction": {"base": "0.02", "factor": "0.0000935", "type": "sqrt"}}
SPOT = {**BTC, "symbol": "BTC_USDC", "marketType": "SPOT", "imfFunction": None,
        "fundingInterval": None}
FEES = (D("0.0002"), D("0.0005"))


def _entry(raw: dict[str, Any]) -> Any:
    entry = market_entry(raw, *FEES)
    assert entry is not None
    return entry


def test_market_rules_multiplier_and_max_leverage() -> None:
    btc, pepe = _entry(BTC).info, _entry(KPEPE).info
    assert (btc.symbol, btc.venue_symbol, btc.market_id) == ("BTC", "BTC_USDC_PERP", "BTC_USDC_PERP")
    assert (btc.tick_size, btc.step_size, btc.min_size, btc.min_notional) == \
        (D("0.1"), D("0.00001"), D("0.00001"), 0)
    assert btc.max_leverage == 75 and _entry(ETH).info.max_leverage == 50
    assert btc.funding_interval_hours == 1 and btc.tradeable and btc.quote_asset == "USDC"
    assert (btc.maker_fee, btc.taker_fee) == FEES
    # kPEPE: 1 unit = 1000 PEPE, priced per 1000 PEPE; normalised to PEPE
    assert (pepe.symbol, pepe.venue_symbol, pepe.multiplier) == ("PEPE", "kPEPE_USDC_PERP", 1000)
    assert (pepe.tick_size, pepe.step_size, pepe.min_size) == (D("1E-10"), D(100_000), D(100_000))
    assert pepe.max_leverage == 15
    assert market_entry(SPOT, *FEES) is None
    assert not _entry({**BTC, "orderBookState": "CancelOnly"}).info.tradeable


def test_funding_interval_from_ms_int_or_string() -> None:
    assert interval_hours(3600000) == 1 and interval_hours("28800000") == 8
    assert _entry({**BTC, "fundingInterval": "28800000"}).info.funding_interval_hours == 8
    assert interval_hours(None) == 1


def test_k_market_sizes_and_prices_round_trip_both_ways() -> None:
    pepe = _entry(KPEPE).venue_data
    assert wire_quantity(D(300_000), pepe) == "300"                  # 300k PEPE = 300 kPEPE
    assert quantity_from_venue("300", pepe) == D(300_000)
    assert wire_price(D("0.0000033465"), pepe) == "0.0033465"      # per PEPE → per 1000 PEPE
    assert price_from_venue("0.0033465", pepe) == D("0.0000033465")
    for qty in (D(100_000), D(12_300_000)):
        assert quantity_from_venue(wire_quantity(qty, pepe), pepe) == qty
    with pytest.raises(InvalidOrderError):
        wire_quantity(D(150_000), pepe)                             # 150 kPEPE is off the 100 step
    with pytest.raises(InvalidOrderError):
        wire_price(D("0.00000334651"), pepe)                        # finer than the tick


def test_symbols() -> None:
    assert normalize_symbol("kPEPE_USDC_PERP") == "PEPE" and normalize_symbol("BTC_USDC_PERP") == "BTC"
    assert normalize_symbol("KAITO_USDC_PERP") == "KAITO"           # upper-case K is an asset
    assert get_backpack_symbol_format("PEPE", D(1000)) == "kPEPE_USDC_PERP"
    assert get_backpack_symbol_format("btc") == "BTC_USDC_PERP"


def test_a_multiplier_market_never_shadows_a_plain_one() -> None:
    plain = {**KPEPE, "symbol": "PEPE_USDC_PERP", "baseSymbol": "PEPE"}
    entries = perp_entries([KPEPE, plain, SPOT])
    assert [e.info.venue_symbol for e in entries] == ["PEPE_USDC_PERP"]


RESTING = {"clientId": 12345, "createdAt": 1790915530123, "executedQuantity": "0",
           "executedQuoteQuantity": "0", "id": "6904951234", "orderType": "Limit", "postOnly": True,
           "price": "86600.0", "quantity": "0.01000", "reduceOnly": None, "relatedOrderId": None,
           "selfTradePrevention": "RejectTaker", "side": "Bid", "status": "New",
           "stopLossLimitPrice": None, "symbol": "BTC_USDC_PERP", "timeInForce": "GTC",
           "triggerPrice": None, "triggeredAt": None}
FILLED_MARKET = {"clientId": None, "createdAt": 1753624283415, "executedQuantity": "0.001",
                 "executedQuoteQuantity": "3.81428", "id": "4227701917", "orderType": "Market",
                 "quantity": "0.001", "quoteQuantity": "3.82", "reduceOnly": None, "side": "Bid",
                 "status": "Filled", "symbol": "BTC_USDC_PERP", "timeInForce": "GTC"}


def test_rest_orders() -> None:
    entry = _entry(BTC)
    resting = order_info(RESTING, entry)
    assert (resting.order_id, resting.client_order_id, resting.side) == ("6904951234", "12345", Side.BUY)
    assert (resting.price, resting.quantity, resting.filled_quantity) == (D("86600"), D("0.01"), 0)
    assert resting.status is OrderStatus.OPEN and resting.time_in_force is TimeInForce.POST_ONLY
    assert resting.created_at == datetime(2026, 10, 2, 4, 32, 10, 123000, tzinfo=UTC)
    filled = order_info(FILLED_MARKET, entry)
    assert filled.status is OrderStatus.FILLED and filled.order_type is OrderType.MARKET
    assert filled.average_fill_price == D("3814.28") and filled.client_order_id is None
    history = order_info({**RESTING, "status": "Expired", "createdAt": "2025-07-27T17:39:00.092",
                          "expiryReason": "PostOnlyTaker"}, entry)
    assert history.status is OrderStatus.REJECTED and history.cancel_reason == "PostOnlyTaker"
    assert history.created_at == datetime(2025, 7, 27, 17, 39, 0, 92000, tzinfo=UTC)


def test_status_mapping() -> None:
    assert order_status("New", D(1)) is OrderStatus.PARTIALLY_FILLED
    assert order_status("Expired", D(0)) is OrderStatus.EXPIRED             # IOC/FOK miss
    assert order_status("Expired", D(1), post_only=True) is OrderStatus.EXPIRED
    assert order_status("Expired", D(0), post_only=True) is OrderStatus.REJECTED
    assert order_status("TriggerPending", D(0)) is OrderStatus.PENDING


ACCEPTED = {"E": 1754939110175843, "O": "USER", "Q": "4.30", "S": "Bid", "T": 1754939110174703,
            "V": "RejectTaker", "X": "New", "Z": "0", "e": "orderAccepted", "f": "GTC",
            "i": "5406825793", "o": "MARKET", "q": "0.0010", "r": False, "s": "ETH_USDC_PERP",
            "t": None, "z": "0"}
FILL = {"E": 1754939110175879, "L": "4299.16", "N": "USDC", "O": "USER", "Q": "4.30", "S": "Bid",
        "T": 1754939110174705, "V": "RejectTaker", "X": "Filled", "Z": "4.299160", "e": "orderFill",
        "f": "GTC", "i": "5406825793", "l": "0.0010", "m": False, "n": "0.000001", "o": "MARKET",
        "q": "0.0010", "r": False, "s": "ETH_USDC_PERP", "t": 2888471, "z": "0.0010", "c": 77}


def test_order_update_events_and_fills() -> None:
    entry = _entry(ETH)
    accepted = order_from_update(ACCEPTED, entry)
    assert accepted.status is OrderStatus.OPEN and accepted.order_type is OrderType.MARKET
    assert accepted.quantity == D("0.001") and accepted.client_order_id is None
    assert fill_from_update(ACCEPTED, entry) is None
    filled = order_from_update(FILL, entry)
    assert filled.status is OrderStatus.FILLED and filled.average_fill_price == D("4299.16")
    assert filled.client_order_id == "77"
    fill = fill_from_update(FILL, entry)
    assert fill is not None and fill.trade_id == "2888471" and fill.liquidity is Liquidity.TAKER
    assert (fill.price, fill.quantity, fill.fee) == (D("4299.16"), D("0.001"), D("0.000001"))
    assert fill.timestamp == datetime(2025, 8, 11, 19, 5, 10, 174705, tzinfo=UTC)
    # E/T as digit strings are accepted too
    assert order_from_update({**FILL, "E": "1754939110175879"}, entry).filled_quantity == D("0.001")


def test_k_market_fill_is_in_tokens() -> None:
    entry = _entry(KPEPE)
    fill = fill_from_update({**FILL, "s": "kPEPE_USDC_PERP", "L": "0.0033465", "l": "200"}, entry)
    assert fill is not None and (fill.quantity, fill.price) == (D(200_000), D("0.0000033465"))


def test_fill_history_row() -> None:
    row = {"clientId": "12", "fee": "0.004974", "feeSymbol": "USDC", "isMaker": False,
           "orderId": "4238907375", "price": "3826.15", "quantity": "0.0026", "side": "Bid",
           "symbol": "ETH_USDC_PERP", "systemOrderType": None, "timestamp": "2025-07-27T17:39:00.092",
           "tradeId": 9748827}
    fill = fill_from_history(row, _entry(ETH))
    assert (fill.trade_id, fill.order_id, fill.client_order_id) == ("9748827", "4238907375", "12")
    assert fill.timestamp == datetime(2025, 7, 27, 17, 39, 0, 92000, tzinfo=UTC)
    assert fill.fee == D("0.004974") and fill.side is Side.BUY


POSITION = {"breakEvenPrice": "3831.3630555555555555555555556", "cumulativeFundingPayment": "-0.009218",
            "cumulativeInterest": "0", "entryPrice": "3826.8888888888888888888888889",
            "estLiquidationPrice": "0", "imf": "0.02",
            "imfFunction": {"base": "0.02", "factor": "0.0000935", "type": "sqrt"},
            "markPrice": "3787.46813304", "mmf": "0.0125", "netCost": "13.7768",
            "netExposureNotional": "13.634885278944", "netExposureQuantity": "0.0036",
            "netQuantity": "0.0036", "pnlRealized": "0", "pnlUnrealized": "-0.141914",
            "positionId": "4238420454", "subaccountId": None, "symbol": "ETH_USDC_PERP",
            "userId": 1813870}


def test_positions() -> None:
    snap = position_snapshot(POSITION, _entry(ETH))
    assert snap.quantity == D("0.0036") and snap.entry_price == D("3826.8888888888888888888888889")
    assert snap.liquidation_price is None and snap.leverage == 50
    assert (snap.unrealized_pnl, snap.funding_accrued) == (D("-0.141914"), D("-0.009218"))
    short = position_snapshot({**POSITION, "netQuantity": "-300", "symbol": "kPEPE_USDC_PERP",
                               "entryPrice": "0.0033", "markPrice": "0.0034",
                               "estLiquidationPrice": "0.0041"}, _entry(KPEPE))
    assert (short.quantity, short.entry_price, short.liquidation_price) == \
        (D(-300_000), D("0.0000033"), D("0.0000041"))
    update = {"B": "4236.36", "E": 1754943862040486, "M": "4235.88650933", "P": "-0.000473",
              "Q": "0.0010", "T": 1754943862040487, "b": "4238.479", "e": "positionOpened",
              "f": "0.02", "i": 5411399049, "l": "0", "m": "0.0125", "n": "4.23588650933", "p": "0",
              "q": "-0.0010", "s": "ETH_USDC_PERP"}
    pos = position_from_update(update, _entry(ETH))
    assert pos.quantity == D("-0.001") and pos.entry_price == D("4236.36") and pos.leverage == 50


def test_funding_history_row() -> None:
    row = {"fundingRate": "0.0001", "intervalEndTimestamp": "2025-08-01T16:00:00",
           "quantity": "-0.001301", "subaccountId": 0, "symbol": "ETH_USDC_PERP", "userId": 1813870}
    payment = funding_payment(row, _entry(ETH))
    assert payment.amount == D("-0.001301") and payment.rate == D("0.0001")
    assert payment.timestamp == datetime(2025, 8, 1, 16, tzinfo=UTC)


def test_rest_depth_both_sides_ascending() -> None:
    body = {"asks": [["86781.5", "5.54115"], ["86783.3", "1.22656"], ["86786", "0.00237"]],
            "bids": [["86777.7", "0.03571"], ["86779.6", "0.16803"], ["86781.4", "2.20229"]],
            "lastUpdateId": "6904864764", "timestamp": 1790915412979224}
    market = _entry(BTC).venue_data
    bids = book_side(body["bids"], market, bids=True, limit=2)
    asks = book_side(body["asks"], market, bids=False, limit=2)
    assert [b.price for b in bids] == [D("86781.4"), D("86779.6")]     # best bid was the last
    assert [a.price for a in asks] == [D("86781.5"), D("86783.3")]
    pepe = book_side([["0.0033465", "1000"]], _entry(KPEPE).venue_data, bids=True, limit=5)
    assert (pepe[0].price, pepe[0].size) == (D("0.0000033465"), D(1_000_000))
    assert depth_limit(1) == 5 and depth_limit(10) == 10 and depth_limit(11) == 20
    assert depth_limit(5000) == 1000


def test_ws_frames() -> None:
    depth = orjson.dumps({"data": {"E": 1790915525103070, "T": 1790915525102951, "U": 6904947650,
                                   "a": [], "b": [["86640.8", "1.32076"]], "e": "depth",
                                   "s": "BTC_USDC_PERP", "u": 6904947650},
                          "stream": "depth.BTC_USDC_PERP"})
    (msg,) = parse_frame(depth)
    assert isinstance(msg, BookDeltaMsg) and msg.key == "BTC_USDC_PERP"
    assert (msg.first, msg.last, list(msg.bids)) == (6904947650, 6904947650, [["86640.8", "1.32076"]])
    (string_ids,) = parse_frame(depth.replace(b"6904947650", b'"6904947650"'))
    assert isinstance(string_ids, BookDeltaMsg) and string_ids.first == 6904947650
    mark = orjson.dumps({"data": {"E": 1790915525641071, "e": "markPrice", "f": "0.0000125",
                                  "i": "86657.21727129", "n": 1790917200000, "p": "86661.9",
                                  "s": "kPEPE_USDC_PERP"}, "stream": "markPrice.kPEPE_USDC_PERP"})
    (mark_msg,) = parse_frame(mark)
    assert isinstance(mark_msg, MarkPriceMsg) and mark_msg.key == "kPEPE_USDC_PERP"
    private = {"data": ACCEPTED, "stream": "account.orderUpdate.ETH_USDC_PERP"}
    (priv,) = parse_frame(orjson.dumps(private))
    assert isinstance(priv, PrivateMsg) and priv.payload == private
    (error,) = parse_frame(b'{"id":null,"error":{"code":4006,"message":"Invalid stream"}}')
    assert isinstance(error, FeedErrorMsg) and (error.code, error.message) == ("4006", "Invalid stream")
    assert list(parse_frame(b'{"stream":"trade.BTC_USDC_PERP","data":{"e":"trade"}}')) == []


MARK_PRICES = [
    {"fundingRate": "0.0000007945965277712049003927", "indexPrice": "76785.99441873",
     "markPrice": "76746.5", "nextFundingTimestamp": 1789340400000, "symbol": "BTC_USDC_PERP"},
    {"fundingRate": "0.0000125", "indexPrice": "0.0033479", "markPrice": "0.0033465",
     "nextFundingTimestamp": 1789340400000, "symbol": "kPEPE_USDC_PERP"}]


def test_funding_samples_use_each_markets_interval() -> None:
    eight = {**KPEPE, "fundingInterval": 28800000}
    entries = {e.info.venue_symbol: e for e in perp_entries([BTC, eight])}
    now = datetime(2026, 9, 13, 22, 38, tzinfo=UTC)
    samples = funding_samples(MARK_PRICES, entries, now)
    btc, pepe = samples["BTC"], samples["PEPE"]
    assert btc.interval_hours == 1 and btc.normalized_rate == D("0.0000063567722221696392031416")
    assert btc.next_funding_time == datetime(2026, 9, 13, 23, tzinfo=UTC)
    assert pepe.interval_hours == 8 and pepe.normalized_rate == D("0.0000125")
    assert pepe.mark_price == D("0.0000033465")


def test_market_stats_in_usd() -> None:
    entries = {e.info.venue_symbol: e for e in perp_entries([BTC, KPEPE])}
    tickers = [{"symbol": "BTC_USDC_PERP", "quoteVolume": "126024537.212937", "lastPrice": "76744.2"}]
    oi = [{"openInterest": "412.67346", "symbol": "BTC_USDC_PERP", "timestamp": 1789338401070},
          {"openInterest": "17219200", "symbol": "kPEPE_USDC_PERP", "timestamp": 1789338401070}]
    stats = market_stats(entries, MARK_PRICES, tickers, oi, datetime(2026, 9, 13, tzinfo=UTC))
    assert stats["BTC"].volume_24h_usd == D("126024537.212937")
    assert stats["BTC"].open_interest_usd == D("412.67346") * D("76746.5")
    assert stats["PEPE"].open_interest_usd == D("17219200") * D("0.0033465")   # contracts × per-contract
    assert stats["PEPE"].mark_price == D("0.0000033465")


def _err(status: int, body: Any, headers: dict[str, str] | None = None) -> ExchangeError:
    error = error_from_response(status, body, headers or {})
    assert error is not None
    return error


@pytest.mark.parametrize(("status", "code", "message", "cls"), [
    (401, "INVALID_CLIENT_REQUEST", "Invalid signature", AuthenticationError),
    (400, "INVALID_CLIENT_REQUEST", "Request has expired", AuthenticationError),
    (401, "INVALID_CLIENT_REQUEST", "Invalid X-API-Key header", AuthenticationError),
    (400, "INVALID_CLIENT_REQUEST", "Invalid market symbol", MarketNotFoundError),
    (400, "INVALID_CLIENT_REQUEST", "Price decimal too long", InvalidOrderError),
    (400, "INVALID_ORDER", "Order would immediately match and take", InvalidOrderError),
    (400, "INVALID_ORDER", "Reduce only order not reduced", InvalidOrderError),
    (400, "INVALID_ORDER", "Duplicate client id", DuplicateOrderError),
    (400, "INVALID_PRICE", "Price is too far from the last active price", InvalidOrderError),
    (400, "INSUFFICIENT_MARGIN", "Insufficient margin", InsufficientMarginError),
    (404, "RESOURCE_NOT_FOUND", "Order not found", OrderNotFoundError),
    (400, "TRADING_PAUSED", "Trading is paused on this market", ExchangeUnavailableError),
    (503, "MAINTENANCE", "System under maintenance", ExchangeUnavailableError),
    (429, "TOO_MANY_REQUESTS", "Too many requests", RateLimitError),
    (400, "NOT_IMPLEMENTED", "Trigger orders are not supported", NotSupportedError),
    (504, "TIMEOUT", "Timeout", NetworkError),
])
def test_error_table(status: int, code: str, message: str, cls: type[ExchangeError]) -> None:
    error = _err(status, {"code": code, "message": message})
    assert type(error) is cls and error.code == code and error.venue == "backpack"


def test_every_documented_code_is_mapped() -> None:
    codes = (
        "ACCOUNT_DEACTIVATED", "ACCOUNT_LIQUIDATING", "BORROW_LIMIT",
        "BORROW_REQUIRES_LEND_REDEEM", "FORBIDDEN", "INSUFFICIENT_FUNDS", "INSUFFICIENT_MARGIN",
        "INSUFFICIENT_SUPPLY", "INVALID_ASSET", "INVALID_CLIENT_REQUEST", "INVALID_MARKET",
        "INVALID_ORDER", "INVALID_PRICE", "INVALID_POSITION_ID", "INVALID_QUANTITY",
        "INVALID_RANGE", "INVALID_SIGNATURE", "INVALID_SOURCE", "INVALID_SYMBOL",
        "INVALID_TWO_FACTOR_CODE", "LEND_LIMIT", "LEND_REQUIRES_BORROW_REPAY", "MAINTENANCE",
        "MAX_LEVERAGE_REACHED", "NOT_IMPLEMENTED", "ORDER_LIMIT", "POSITION_LIMIT",
        "PRECONDITION_FAILED", "RESOURCE_NOT_FOUND", "SERVER_ERROR", "TIMEOUT", "TOO_EARLY",
        "TOO_MANY_REQUESTS", "TRADING_PAUSED", "UNAUTHORIZED",
    )  # the OpenAPI ApiErrorCode enum
    assert len(codes) == 35
    assert all(code in BACKPACK_ERRORS._table for code in codes)


def test_plain_text_and_status_only_errors() -> None:
    text = ('parse request payload error: failed to parse "MarketSymbol": Invalid market symbol '
            '(occurred while parsing "OrderExecutePayload")')
    assert type(_err(400, text)) is MarketNotFoundError
    parse = _err(400, "failed to parse parameter `limit`: failed to parse \"DepthLimit\"")
    assert type(parse) is InvalidOrderError and parse.code == "PARSE_ERROR"
    assert type(_err(404, "not found")) is ExchangeError
    limited = _err(429, None, {"Retry-After": "3"})
    assert isinstance(limited, RateLimitError) and limited.retry_after == 3
    assert type(_err(502, "<html>bad gateway</html>")) is ExchangeUnavailableError
    assert error_from_response(200, {"id": "1"}, {}) is None
    assert error_from_response(202, None, {}) is None


def test_expiry_and_refusal_classification() -> None:
    expired = _err(401, {"code": "INVALID_CLIENT_REQUEST", "message": "Request has expired"})
    assert is_expired(expired) and expired.retryable
    assert not is_expired(_err(401, {"code": "INVALID_CLIENT_REQUEST", "message": "Invalid signature"}))
    assert is_definitive_refusal(_err(503, {"code": "MAINTENANCE", "message": "x"}))
    assert is_definitive_refusal(_err(400, {"code": "TRADING_PAUSED", "message": "x"}))
    assert not is_definitive_refusal(_err(500, {"code": "SERVER_ERROR", "message": "x"}))
    assert not is_definitive_refusal(_err(502, "bad gateway"))
    assert not is_definitive_refusal(_err(504, {"code": "TIMEOUT", "message": "x"}))
