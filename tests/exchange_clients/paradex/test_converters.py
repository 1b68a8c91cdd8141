"""Paradex converters, frame parsing, error mapping and funding fetchers on the venue's payload
shapes (OpenAPI examples and live captures quoted in the protocol notes; pure functions)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any

import orjson
import pytest

from exchange_clients.common.market_feed import BookDeltaMsg, BookSnapshotMsg, FeedErrorMsg, PrivateMsg
from exchange_clients.errors import (
    AuthenticationError,
    DuplicateOrderError,
    ExchangeError,
    ExchangeUnavailableError,
    InvalidOrderError,
    MarketNotFoundError,
    NotSupportedError,
    OrderNotFoundError,
    RateLimitError,
)
from exchange_clients.models import Liquidity, OrderStatus, OrderType, Side, TimeInForce
from exchange_clients.paradex.client.utils.caching import jwt_lifetime
from exchange_clients.paradex.client.utils.converters import (
    bbo_from_rest,
    book_snapshot,
    fill_from_row,
    funding_payment,
    market_entry,
    order_info,
    perp_entries,
    position_snapshot,
)
from exchange_clients.paradex.client.utils.errors import error_from_response, ws_error
from exchange_clients.paradex.client.utils.helpers import (
    check_client_id,
    instruction_for,
    order_status,
    venue_price,
    venue_size,
)
from exchange_clients.paradex.common import get_paradex_symbol_format, normalize_symbol
from exchange_clients.paradex.funding_adapter.fetchers import funding_samples, latest_row, market_stats
from exchange_clients.paradex.websocket.message_handler import RpcReplyMsg, parse_frame

NOW_MS = 1_718_947_571_569
BTC_ROW: dict[str, Any] = {
    "symbol": "BTC-USD-PERP", "base_currency": "BTC", "quote_currency": "USD",
    "settlement_currency": "USDC", "order_size_increment": "0.00001", "price_tick_size": "0.1",
    "min_notional": "100", "open_at": 1698756879745, "expiry_at": 0, "asset_kind": "PERP",
    "market_kind": "cross", "position_limit": "1000", "price_bands_width": "0.05",
    "max_slippage": "0.05", "max_open_orders": 150, "max_funding_rate": "0.02",
    "funding_period_hours": 8, "funding_multiplier": 1, "trading_mode": "STANDARD",
    "delta1_cross_margin_params": {"imf_base": "0.02", "imf_factor": "0", "imf_shift": "0",
                                   "mmf_factor": "0.5"},
    "option_cross_margin_params": None, "max_order_size": "100", "tags": [],
    "fee_config": {"api_fee": {"maker_fee": {"fee": "0.00003"}, "taker_fee": {"fee": "0.0002"}}},
}
# live quirk (ccxt capture): some numbers come as strings
PEPE_ROW = {**BTC_ROW, "symbol": "kPEPE-USD-PERP", "base_currency": "kPEPE",
            "order_size_increment": "1", "price_tick_size": "0.000001", "min_notional": "10",
            "open_at": "1698756879745", "funding_period_hours": "8",
            "delta1_cross_margin_params": {"imf_base": "0.1"}}
OPTION_ROW = {**BTC_ROW, "symbol": "BTC-USD-96000-C", "asset_kind": "PERP_OPTION"}
BTC = market_entry(BTC_ROW, NOW_MS)
PEPE = market_entry(PEPE_ROW, NOW_MS)
ORDER = {  # the 201 answer of POST /orders (OpenAPI / notes §3.1)
    "id": "1718941725080201704028870000", "account": "0x68edf68f", "market": "BTC-USD-PERP",
    "side": "BUY", "type": "LIMIT", "size": "0.01", "remaining_size": "0.01",
    "price": "65000.5", "status": "NEW", "instruction": "POST_ONLY", "flags": [],
    "client_id": "cid-1", "cancel_reason": "", "avg_fill_price": "", "stp": "EXPIRE_TAKER",
    "trigger_price": "0", "created_at": 1718941725082, "last_updated_at": 1718941725082,
    "timestamp": 1718941724678, "received_at": 1718941725080, "published_at": 1718941725083,
    "seq_no": 1718941725082595738,
}


def test_symbols() -> None:
    assert normalize_symbol("BTC-USD-PERP") == "BTC"
    assert normalize_symbol("kPEPE-USD-PERP") == "PEPE"
    assert get_paradex_symbol_format("btc") == "BTC-USD-PERP"
    assert get_paradex_symbol_format("PEPE", D(1000)) == "kPEPE-USD-PERP"


def test_market_rules() -> None:
    assert BTC is not None and PEPE is not None
    info = BTC.info
    assert (info.symbol, info.venue_symbol, info.market_id) == ("BTC", "BTC-USD-PERP", "BTC-USD-PERP")
    assert (info.tick_size, info.step_size, info.min_size) == (D("0.1"), D("0.00001"), D("0.00001"))
    assert info.min_notional == 100 and info.max_leverage == 50
    assert (info.maker_fee, info.taker_fee) == (D("0.00003"), D("0.0002"))
    assert info.funding_interval_hours == 0  # continuous accrual
    assert info.tradeable and (info.price_decimals, info.size_decimals) == (1, 5)
    assert BTC.venue_data.funding_period_hours == 8


def test_multiplier_market_is_in_underlying_units() -> None:
    assert PEPE is not None
    info = PEPE.info
    assert (info.symbol, info.multiplier) == ("PEPE", 1000)
    assert info.tick_size == D("0.000000001") and info.step_size == 1000
    assert info.max_leverage == 10
    # 5000 PEPE at 0.000012345 per PEPE = 5 contracts at 0.012345 per contract
    assert venue_size(D(5000), PEPE.venue_data) == 5
    assert venue_price(D("0.000012345"), PEPE.venue_data) == D("0.012345")


def test_only_open_perpetuals_are_listed() -> None:
    assert market_entry(OPTION_ROW, NOW_MS) is None
    entries = perp_entries([BTC_ROW, OPTION_ROW, PEPE_ROW, {**PEPE_ROW, "symbol": "PEPE-USD-PERP"}],
                           NOW_MS)
    by_symbol = {e.info.symbol: e.info for e in entries}
    assert set(by_symbol) == {"BTC", "PEPE"}
    assert by_symbol["PEPE"].multiplier == 1  # the plain market wins the normalised name
    later = market_entry({**BTC_ROW, "open_at": NOW_MS + 1}, NOW_MS)
    assert later is not None and not later.info.tradeable
    rfq = market_entry({**BTC_ROW, "trading_mode": "RFQ_ONLY"}, NOW_MS)
    assert rfq is not None and not rfq.info.tradeable


@pytest.mark.parametrize(("status", "reason", "filled", "expected"), [
    ("NEW", "", D(0), OrderStatus.PENDING),
    ("UNTRIGGERED", "", D(0), OrderStatus.PENDING),
    ("OPEN", "", D(0), OrderStatus.OPEN),
    ("OPEN", "", D("0.004"), OrderStatus.PARTIALLY_FILLED),
    ("CLOSED", "", D("0.01"), OrderStatus.FILLED),
    ("CLOSED", "USER_CANCELED", D(0), OrderStatus.CANCELLED),
    ("CLOSED", "USER_CANCELED", D("0.004"), OrderStatus.CANCELLED),
    ("CLOSED", "NOT_ENOUGH_MARGIN", D(0), OrderStatus.REJECTED),
    ("CLOSED", "ORDER_EXCEEDS_POSITION_LIMIT", D(0), OrderStatus.REJECTED),
    ("CLOSED", "POST_ONLY_WOULD_CROSS", D(0), OrderStatus.REJECTED),
    ("CLOSED", "REDUCE_ONLY_WOULD_INCREASE", D("0.004"), OrderStatus.CANCELLED),
    ("CLOSED", "REMAINING_IOC_CANCEL", D("0.004"), OrderStatus.EXPIRED),
    ("CLOSED", "SELF_TRADE", D(0), OrderStatus.CANCELLED),
    ("CLOSED", "MMP_TRIGGERED", D(0), OrderStatus.CANCELLED),
    ("CLOSED", "SOMETHING_NEW", D(0), OrderStatus.CANCELLED),  # unknown: terminal, not a crash
])
def test_order_status(status: str, reason: str, filled: D, expected: OrderStatus) -> None:
    assert order_status(status, reason, filled) is expected


def test_order_info_new_and_closed_rejection() -> None:
    assert BTC is not None
    new = order_info(ORDER, BTC)
    assert (new.order_id, new.client_order_id, new.status) == (ORDER["id"], "cid-1", OrderStatus.PENDING)
    assert (new.side, new.order_type, new.time_in_force) == (Side.BUY, OrderType.LIMIT, TimeInForce.POST_ONLY)
    assert new.price == D("65000.5") and new.quantity == D("0.01") and new.filled_quantity == 0
    assert new.average_fill_price is None and new.cancel_reason is None
    refused = order_info({**ORDER, "status": "CLOSED", "cancel_reason": "NOT_ENOUGH_MARGIN",
                          "last_updated_at": 1718941725090}, BTC)
    assert refused.status is OrderStatus.REJECTED and refused.cancel_reason == "NOT_ENOUGH_MARGIN"
    assert refused.updated_at == datetime.fromtimestamp(1718941725.090, UTC)


def test_order_info_market_order_and_multiplier() -> None:
    assert PEPE is not None
    raw = {**ORDER, "market": "kPEPE-USD-PERP", "type": "MARKET", "price": "0", "size": "5",
           "remaining_size": "0", "status": "CLOSED", "avg_fill_price": "0.012345",
           "instruction": "GTC", "flags": ["REDUCE_ONLY"], "client_id": ""}
    info = order_info(raw, PEPE)
    assert info.order_type is OrderType.MARKET and info.price is None and info.reduce_only
    assert (info.quantity, info.filled_quantity) == (D(5000), D(5000))
    assert info.average_fill_price == D("0.000012345") and info.status is OrderStatus.FILLED
    assert info.client_order_id is None


def test_fill_position_and_funding_payment() -> None:
    assert BTC is not None
    fill = fill_from_row({
        "id": "1718947571560201703986670001", "account": "0x68ed", "market": "BTC-USD-PERP",
        "order_id": "1718947571540201703992340000", "client_id": "", "side": "BUY",
        "liquidity": "TAKER", "price": "64852.9", "size": "0.01", "remaining_size": "0",
        "fee": "0.1945587", "fee_currency": "USDC", "fill_type": "FILL", "realized_pnl": "0",
        "realized_funding": "0", "underlying_price": "64840.1", "flags": [],
        "orderbook_seq_no": 14127815, "created_at": 1718947571569}, BTC)
    assert (fill.side, fill.liquidity, fill.price, fill.quantity) == (
        Side.BUY, Liquidity.TAKER, D("64852.9"), D("0.01"))
    assert fill.fee == D("0.1945587") and fill.client_order_id is None
    position = position_snapshot({
        "id": "0x68ed-BTC-USD-PERP", "market": "BTC-USD-PERP", "status": "OPEN", "side": "SHORT",
        "size": "-0.01", "average_entry_price": "64839.96053748", "unrealized_pnl": "2.28463201",
        "unrealized_funding_pnl": "0.11214013", "realized_positional_pnl": "-0.1945587",
        "realized_positional_funding_pnl": "0", "liquidation_price": "120310.4", "leverage": "50",
        "last_updated_at": 1718950074249}, BTC)
    assert position.quantity == D("-0.01") and position.side is Side.SELL
    assert position.entry_price == D("64839.96053748") and position.leverage == 50
    assert position.funding_accrued == D("0.11214013")
    assert position.liquidation_price == D("120310.4")
    closed = position_snapshot({"market": "BTC-USD-PERP", "status": "CLOSED", "size": "0",
                                "liquidation_price": "", "leverage": ""}, BTC)
    assert closed.quantity == 0 and closed.liquidation_price is None and closed.leverage is None
    payment = funding_payment({"id": "1", "market": "BTC-USD-PERP", "payment": "-0.0375",
                               "index": "35202.1377351", "fill_id": "", "created_at": 1681375481000},
                              BTC)
    assert payment.amount == D("-0.0375") and payment.symbol == "BTC"


def test_rest_book_and_bbo() -> None:
    assert PEPE is not None
    book = book_snapshot({"market": "kPEPE-USD-PERP", "seq_no": 14115975,
                          "last_updated_at": 1718172538340,
                          "asks": [["0.012346", "30"], ["0.012345", "10"]],
                          "bids": [["0.012344", "5"], ["0.012340", "0"]]}, PEPE, 5)
    assert [lv.price for lv in book.asks] == [D("0.000012345"), D("0.000012346")]
    assert [(lv.price, lv.size) for lv in book.bids] == [(D("0.000012344"), D(5000))]
    assert book.sequence == 14115975 and book.source == "rest"
    bbo = bbo_from_rest({"market": "kPEPE-USD-PERP", "seq_no": 1, "bid": "0.012344",
                         "bid_size": "5", "ask": "", "ask_size": "", "last_updated_at": 1}, PEPE)
    assert (bbo.bid, bbo.bid_size, bbo.ask, bbo.ask_size) == (D("0.000012344"), D(5000), None, None)


def _frame(channel: str, data: dict[str, Any]) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "method": "subscription",
                         "params": {"channel": channel, "data": data}})


def test_book_frames() -> None:
    channel = "order_book.BTC-USD-PERP.deltas"
    (snap,) = parse_frame(_frame(channel, {
        "seq_no": 20, "market": "BTC-USD-PERP", "last_updated_at": 1, "update_type": "s",
        "inserts": [{"side": "BUY", "price": "100.1", "size": "1"},
                    {"side": "SELL", "price": "100.2", "size": "2"}], "updates": [], "deletes": []}))
    assert isinstance(snap, BookSnapshotMsg)
    assert (snap.key, snap.sequence, snap.bids, snap.asks) == (
        "BTC-USD-PERP", 20, [("100.1", "1")], [("100.2", "2")])
    (delta,) = parse_frame(_frame(channel, {
        "seq_no": 21, "market": "BTC-USD-PERP", "last_updated_at": 2, "update_type": "d",
        "inserts": [{"side": "BUY", "price": "100.0", "size": "3"}],
        "updates": [{"side": "SELL", "price": "100.2", "size": "1.5"}],
        "deletes": [{"side": "BUY", "price": "100.1", "size": "1"}]}))
    assert isinstance(delta, BookDeltaMsg)
    assert (delta.first, delta.last) == (21, 21)
    assert delta.bids == [("100.0", "3"), ("100.1", "0")] and delta.asks == [("100.2", "1.5")]


def test_private_frames_replies_and_errors() -> None:
    (private,) = parse_frame(_frame("orders.ALL", ORDER))
    assert isinstance(private, PrivateMsg)
    assert private.payload == {"channel": "orders.ALL", "data": ORDER}
    assert parse_frame(_frame("bbo.BTC-USD-PERP", {"market": "BTC-USD-PERP"})) == ()
    (reply,) = parse_frame(b'{"jsonrpc":"2.0","result":{"node_id":"a1"},"usIn":1,"usDiff":2,"id":7}')
    assert isinstance(reply, RpcReplyMsg) and reply.id == 7
    (error,) = parse_frame(b'{"jsonrpc":"2.0","error":{"code":40111,"message":"invalid bearer",'
                           b'"data":"token is expired"},"id":3}')
    assert isinstance(error, FeedErrorMsg) and error.code == "40111" and "expired" in error.message
    assert isinstance(ws_error({"code": 40111, "message": "x"}), AuthenticationError)
    assert isinstance(ws_error({"code": 42901, "message": "x"}), RateLimitError)
    assert type(ws_error({"code": -32600, "message": "x"})) is ExchangeError


@pytest.mark.parametrize(("status", "code", "expected"), [
    (400, "VALIDATION_ERROR", InvalidOrderError),
    (400, "DUPLICATED_CLIENT_ID", DuplicateOrderError),
    (400, "INVALID_ORDER_SIGNATURE", AuthenticationError),
    (400, "NOT_ONBOARDED", AuthenticationError),
    (401, "INVALID_TOKEN", AuthenticationError),
    (400, "ORDER_ID_NOT_FOUND", OrderNotFoundError),
    (400, "ORDER_IS_CLOSED", OrderNotFoundError),
    (400, "MARKET_NOT_FOUND", MarketNotFoundError),
    (503, "SERVICE_UNAVAILABLE", ExchangeUnavailableError),
    (400, "SOMETHING_NEW", ExchangeError),
])
def test_error_table(status: int, code: str, expected: type[ExchangeError]) -> None:
    error = error_from_response(status, {"error": code, "message": "m"}, {})
    assert type(error) is expected and error is not None and error.code == code
    assert error_from_response(200, {"error": code, "message": "m"}, {}) is None


def test_rate_limit_uses_the_reset_header() -> None:
    reset = str(int(datetime.now(UTC).timestamp()) + 3)
    error = error_from_response(429, {"error": "TOO_MANY_REQUESTS", "message": "x"},
                                {"x-ratelimit-reset": reset})
    assert isinstance(error, RateLimitError) and error.retry_after is not None
    assert 1 < error.retry_after <= 3
    bare = error_from_response(429, "rate limited", {"Retry-After": "2"})
    assert isinstance(bare, RateLimitError) and bare.retry_after == 2
    assert error_from_response(500, "<html>", {}) is None  # left to the generic status mapping


def test_jwt_lifetime_from_claims() -> None:
    def token(claims: dict[str, Any]) -> str:
        part = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        return f"eyJhbGciOiJFUzM4NCJ9.{part}.sig"

    assert jwt_lifetime(token({"typ": "at+JWT", "iat": 1681452607, "exp": 1681452907})) == 300
    assert jwt_lifetime(token({"iat": 5, "exp": 1})) == 0
    assert jwt_lifetime("opaque") == 240


def test_client_ids_and_instructions() -> None:
    check_client_id("pdx-lq3k2f-9a8b7c6d")
    for bad in ("", "a" * 65, "has space", "slash/in/it", "ünï"):
        with pytest.raises(InvalidOrderError):
            check_client_id(bad)
    assert instruction_for(TimeInForce.POST_ONLY) == "POST_ONLY"
    assert instruction_for(TimeInForce.IOC) == "IOC"
    with pytest.raises(NotSupportedError):
        instruction_for(TimeInForce.FOK)


def test_funding_prefers_the_venues_8h_figure() -> None:
    assert BTC is not None and PEPE is not None
    summaries = {
        "BTC-USD-PERP": {"symbol": "BTC-USD-PERP", "mark_price": "68465.17", "funding_rate": "0.0001",
                         "underlying_price": "68401.37", "volume_24h": "5815541.39",
                         "open_interest": "162.272", "created_at": NOW_MS},
        "kPEPE-USD-PERP": {"symbol": "kPEPE-USD-PERP", "mark_price": "0.012", "funding_rate": "0.0004",
                           "underlying_price": "0.012", "volume_24h": "100", "open_interest": "1000",
                           "created_at": NOW_MS},
    }
    funding = {"BTC-USD-PERP": latest_row([
        {"market": "BTC-USD-PERP", "funding_rate": "0.00004", "funding_rate_8h": "0.00005",
         "funding_period_hours": 8, "created_at": NOW_MS - 10},
        {"market": "BTC-USD-PERP", "funding_rate": "0.0001135", "funding_rate_8h": "0.0001135",
         "funding_period_hours": 8, "created_at": NOW_MS}]), "kPEPE-USD-PERP": None}
    now = datetime.now(UTC)
    samples = funding_samples([BTC, PEPE], summaries, funding, now)
    btc = samples["BTC"]
    assert btc.normalized_rate == D("0.0001135") and btc.raw_rate == D("0.0001135")
    assert btc.interval_hours == 0 and btc.next_funding_time is None
    assert btc.timestamp == datetime.fromtimestamp(NOW_MS / 1000, UTC)
    pepe = samples["PEPE"]  # no funding data: the summary's rate over its 8 h period
    assert pepe.raw_rate == D("0.0004") and pepe.normalized_rate == D("0.0004")
    assert pepe.mark_price == D("0.000012")
    stats = market_stats([BTC, PEPE], summaries, now)
    assert stats["BTC"].open_interest_usd == D("162.272") * D("68465.17")
    assert stats["PEPE"].open_interest_usd == D(12)  # 1000 contracts × 0.012 per contract
    assert stats["BTC"].volume_24h_usd == D("5815541.39")


def test_funding_period_other_than_8h() -> None:
    hourly = market_entry({**BTC_ROW, "symbol": "ETH-USD-PERP", "funding_period_hours": 1}, NOW_MS)
    assert hourly is not None
    summaries = {"ETH-USD-PERP": {"symbol": "ETH-USD-PERP", "funding_rate": "0.0001", "mark_price": "1"}}
    sample = funding_samples([hourly], summaries, {}, datetime.now(UTC))["ETH"]
    assert sample.normalized_rate == D("0.0008")  # 0.01 %/h is 0.08 %/8h
