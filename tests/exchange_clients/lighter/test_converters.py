"""Lighter converters and frame parsing on the venue's payload shapes (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any

import orjson
import pytest

from exchange_clients.common.market_feed import (
    BookDeltaMsg,
    BookSnapshotMsg,
    FeedErrorMsg,
    PrivateMsg,
    ReplyMsg,
)
from exchange_clients.errors import (
    AuthenticationError,
    DuplicateOrderError,
    ExchangeError,
    InsufficientMarginError,
    NonceError,
    RateLimitError,
)
from exchange_clients.lighter.client.managers.order_manager import OrderManager
from exchange_clients.lighter.client.utils.converters import (
    fill_from_trade,
    funding_payment,
    market_entry,
    order_info,
    order_status,
    position_snapshot,
)
from exchange_clients.lighter.client.utils.errors import error_from_body
from exchange_clients.lighter.client.utils.helpers import base_amount, price_int
from exchange_clients.lighter.funding_adapter.fetchers import funding_samples, market_stats
from exchange_clients.lighter.websocket.message_handler import parse_frame
from exchange_clients.models import Liquidity, OrderStatus, Side, TimeInForce

ETH_DETAIL: dict[str, Any] = {
    "symbol": "ETH", "market_id": 0, "status": "active", "taker_fee": "0.0280",
    "maker_fee": "0.0040", "min_base_amount": "0.0050", "min_quote_amount": "10.000000",
    "size_decimals": 4, "price_decimals": 2, "min_initial_margin_fraction": 200,
    "default_initial_margin_fraction": 500, "mark_price": "3000.10", "index_price": "3000.05",
    "daily_quote_token_volume": 586197456.12, "open_interest": 27350.8981, "is_frozen": False,
}
PEPE_DETAIL = {**ETH_DETAIL, "symbol": "1000PEPE", "market_id": 7, "size_decimals": 0,
               "price_decimals": 6, "min_base_amount": "100", "mark_price": "0.012345"}


def test_market_rules_and_scaling() -> None:
    entry = market_entry(ETH_DETAIL)
    info = entry.info
    assert (info.symbol, info.market_id) == ("ETH", "0")
    assert (info.tick_size, info.step_size) == (D("0.01"), D("0.0001"))
    assert info.max_leverage == 50 and info.min_notional == 10
    assert info.maker_fee == D("0.00004") and info.taker_fee == D("0.00028")  # percent → fraction
    assert base_amount(D("0.0123"), entry.venue_data) == 123
    assert price_int(D("3000.1"), entry.venue_data) == 300010


def test_multiplier_market_is_normalised() -> None:
    entry = market_entry(PEPE_DETAIL)
    assert entry.info.symbol == "PEPE" and entry.info.multiplier == 1000
    assert entry.info.step_size == 1000 and entry.info.min_size == 100_000
    assert entry.info.tick_size == D("0.000000001")
    # 5000 PEPE = 5 contracts of 1000PEPE; 0.000012345 per PEPE = 0.012345 per contract
    assert base_amount(D(5000), entry.venue_data) == 5
    assert price_int(D("0.000012345"), entry.venue_data) == 12345


def test_untradeable_market() -> None:
    assert not market_entry({**ETH_DETAIL, "status": "inactive"}).info.tradeable


ORDER = {"order_index": 281476929510110, "client_order_index": 42, "market_index": 0,
         "initial_base_amount": "0.0050", "price": "3000.10", "remaining_base_amount": "0.0030",
         "is_ask": True, "filled_base_amount": "0.0020", "filled_quote_amount": "6.000200",
         "type": "limit", "time_in_force": "post-only", "reduce_only": False, "status": "open",
         "created_at": 1795315812729, "updated_at": 1795315813001}


def test_order_conversion() -> None:
    order = order_info(ORDER, market_entry(ETH_DETAIL))
    assert order.order_id == "281476929510110" and order.client_order_id == "42"
    assert order.side is Side.SELL and order.status is OrderStatus.PARTIALLY_FILLED
    assert order.average_fill_price == D("3000.10") and order.remaining_quantity == D("0.0030")
    assert order.time_in_force is TimeInForce.POST_ONLY
    assert order.created_at == datetime(2026, 11, 22, 2, 50, 12, 729000, tzinfo=UTC)


@pytest.mark.parametrize(("status", "filled", "expected"), [
    ("in-progress", "0", OrderStatus.PENDING), ("open", "0", OrderStatus.OPEN),
    ("filled", "1", OrderStatus.FILLED), ("canceled", "0", OrderStatus.CANCELLED),
    ("canceled-post-only", "0", OrderStatus.REJECTED),
    ("canceled-reduce-only", "0", OrderStatus.REJECTED),
    ("canceled-margin-not-allowed", "0", OrderStatus.REJECTED),
    ("canceled-not-enough-liquidity", "0", OrderStatus.EXPIRED),
    ("canceled-too-much-slippage", "0.5", OrderStatus.EXPIRED),
    ("canceled-self-trade", "0.5", OrderStatus.CANCELLED),
])
def test_status_mapping(status: str, filled: str, expected: OrderStatus) -> None:
    assert order_status(status, D(filled)) is expected


def test_position_is_signed_from_sign_and_magnitude() -> None:
    raw = {"market_id": 0, "sign": -1, "position": "0.0020", "avg_entry_price": "3000.10",
           "position_value": "6.000200", "unrealized_pnl": "-0.01", "realized_pnl": "0",
           "liquidation_price": "52350.42", "initial_margin_fraction": "20.00"}
    snap = position_snapshot(raw, market_entry(ETH_DETAIL))
    assert snap.quantity == D("-0.0020") and snap.side is Side.SELL
    assert snap.entry_price == D("3000.10") and snap.leverage == 5
    assert snap.mark_price == D("3000.10")


def test_fill_seen_from_each_side() -> None:
    trade = {"trade_id": 9, "market_id": 0, "size": "0.0100", "price": "3000.00",
             "ask_account_id": 281, "bid_account_id": 500, "ask_id": 11, "bid_id": 12,
             "ask_client_id": 42, "bid_client_id": 0, "is_maker_ask": True,
             "maker_fee": 1200, "taker_fee": 8400, "timestamp": 1795315812729}
    entry = market_entry(ETH_DETAIL)
    ours = fill_from_trade(trade, 281, entry)
    theirs = fill_from_trade(trade, 500, entry)
    assert ours is not None and theirs is not None
    assert (ours.side, ours.liquidity, ours.fee, ours.client_order_id) == (
        Side.SELL, Liquidity.MAKER, D("0.0012"), "42")
    assert (theirs.side, theirs.liquidity, theirs.fee) == (Side.BUY, Liquidity.TAKER, D("0.0084"))
    assert fill_from_trade(trade, 7, entry) is None


def test_funding_payment_row() -> None:
    row = {"timestamp": 1795315200, "market_id": 0, "change": "-0.120000", "rate": "0.0100",
           "position_size": "1.0000", "position_side": "long"}
    payment = funding_payment(row, market_entry(ETH_DETAIL))
    assert payment.amount == D("-0.12") and payment.rate == D("0.0001")
    assert payment.position_quantity == 1


def test_funding_rates_are_eight_hour_fractions_settled_hourly() -> None:
    now = datetime(2026, 11, 22, 10, 15, tzinfo=UTC)
    body = {"funding_rates": [{"market_id": 0, "exchange": "lighter", "symbol": "ETH", "rate": 0.0008},
                              {"market_id": 0, "exchange": "binance", "symbol": "ETH", "rate": 0.5}]}
    samples = funding_samples(body, {"0": ETH_DETAIL}, now)
    eth = samples["ETH"]
    assert eth.normalized_rate == D("0.0008") and eth.raw_rate == D("0.0001")
    assert eth.interval_hours == 1 and eth.next_funding_time == datetime(2026, 11, 22, 11, tzinfo=UTC)
    stats = market_stats({"0": ETH_DETAIL}, now)["ETH"]
    assert stats.open_interest_usd == D("27350.8981") * D("3000.10")


def test_errors_map_to_typed_classes() -> None:
    assert isinstance(error_from_body(400, {"code": 21104, "message": "invalid nonce"}), NonceError)
    assert isinstance(error_from_body(400, {"code": 21739, "message": "x"}), InsufficientMarginError)
    assert isinstance(error_from_body(400, {"code": 21728, "message": "x"}), DuplicateOrderError)
    assert isinstance(error_from_body(401, {"code": 20013, "message": "x"}), AuthenticationError)
    assert isinstance(error_from_body(429, None), RateLimitError)
    unknown = error_from_body(400, {"code": 29999, "message": "?"})
    assert type(unknown) is ExchangeError and not unknown.retryable


def test_leverage_fraction_never_exceeds_the_requested_leverage() -> None:
    assert OrderManager.leverage_fraction(D(3)) == 3334
    assert OrderManager.leverage_fraction(D(5)) == 2000
    assert D(10_000) / OrderManager.leverage_fraction(D(7)) <= 7


def _frame(obj: dict[str, Any]) -> bytes:
    return orjson.dumps(obj)


def test_frame_parsing() -> None:
    snap = list(parse_frame(_frame({"type": "subscribed/order_book", "channel": "order_book:1",
                                    "order_book": {"asks": [{"price": "1.10", "size": "2"}],
                                                   "bids": [], "nonce": 10, "begin_nonce": 0}})))
    assert snap == [BookSnapshotMsg("1", [], [("1.10", "2")], sequence=10)]
    delta = list(parse_frame(_frame({"type": "update/order_book", "channel": "order_book:1",
                                     "order_book": {"asks": [], "bids": [{"price": "1.00", "size": "0"}],
                                                    "nonce": 12, "begin_nonce": 10}})))
    assert delta == [BookDeltaMsg("1", [("1.00", "0")], [], first=10, last=12)]
    assert list(parse_frame(b'{"type":"ping"}')) == [ReplyMsg({"type": "pong"})]
    assert isinstance(next(iter(parse_frame(_frame({"type": "update/account_all", "account": 1}))),
                      None), PrivateMsg)
    err = list(parse_frame(_frame({"error": {"code": 30003, "message": "Already Subscribed"}})))
    assert err == [FeedErrorMsg("30003", "Already Subscribed")]
    assert list(parse_frame(b'{"type":"connected"}')) == []
