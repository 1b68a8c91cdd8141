"""Matching rules: price-time priority, order types, partial fills, cancels, client ids,
self-trade handling, rejections. Books hold only the test's orders (no market makers)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simulator.engine import (
    BookDelta,
    CloseReason,
    Engine,
    EngineConfig,
    MarketStatus,
    NotFoundError,
    OrderEvent,
    OrderRejected,
    OrderStatus,
    OrderType,
    ReduceOnlyPolicy,
    RejectReason,
    SelfTradePolicy,
    TimeInForce,
)
from tests.simulator.conftest import EngineFactory, spec

D = Decimal
BUY, SELL = 1, -1


def order(e: Engine, acct: int, side: int, size: str, price: str | None = None, **kw: object):
    return e.submit_order(acct, "BTC", side, D(size), D(price) if price else None, **kw)  # type: ignore[arg-type]


@pytest.fixture
def engine(make_engine: EngineFactory) -> Engine:
    return make_engine()


@pytest.fixture
def accts(engine: Engine) -> list[int]:
    return [engine.create_account(D(1_000_000)).id for _ in range(3)]


def test_better_price_fills_first(engine: Engine, accts: list[int]) -> None:
    a, b, _ = accts
    for price in ("101", "100.5", "102"):
        order(engine, a, SELL, "1", price)
    sub = order(engine, b, BUY, "3", "102")
    assert [f.price for f in sub.fills] == [D("100.5"), D("101"), D("102")]
    assert sub.order.status is OrderStatus.FILLED
    assert sub.order.average_price == D("101.1666666666666666666666667")


def test_earlier_order_fills_first_at_one_price(engine: Engine, accts: list[int]) -> None:
    a, b, c = accts
    first = order(engine, a, SELL, "1", "101").order
    second = order(engine, b, SELL, "1", "101").order
    sub = order(engine, c, BUY, "1", "101")
    assert [f.other_order_id for f in sub.fills] == [first.id]
    assert first.status is OrderStatus.FILLED and second.status is OrderStatus.OPEN
    assert engine.book("BTC").asks[0].size == D(1)


def test_partial_fill_rests_the_remainder(engine: Engine, accts: list[int]) -> None:
    a, b, _ = accts
    maker = order(engine, a, SELL, "1", "101").order
    sub = order(engine, b, BUY, "3", "101")
    assert sub.order.status is OrderStatus.PARTIALLY_FILLED
    assert (sub.order.filled, sub.order.remaining) == (D(1), D(2))
    assert maker.status is OrderStatus.FILLED
    book = engine.book("BTC")
    assert [(lv.price, lv.size) for lv in book.bids] == [(D(101), D(2))] and not book.asks


def test_maker_partially_filled(engine: Engine, accts: list[int]) -> None:
    a, b, _ = accts
    maker = order(engine, a, SELL, "5", "101").order
    order(engine, b, BUY, "2", "101")
    assert maker.status is OrderStatus.PARTIALLY_FILLED and maker.remaining == D(3) and maker.live


def test_limit_never_trades_through_its_price(engine: Engine, accts: list[int]) -> None:
    a, b, _ = accts
    order(engine, a, SELL, "1", "102")
    sub = order(engine, b, BUY, "1", "101")
    assert not sub.fills and sub.order.status is OrderStatus.OPEN
    assert engine.book("BTC").bids[0].price == D(101)


def test_ioc_expires_its_remainder(engine: Engine, accts: list[int]) -> None:
    a, b, _ = accts
    order(engine, a, SELL, "1", "101")
    sub = order(engine, b, BUY, "3", "101", tif=TimeInForce.IOC)
    assert sub.order.filled == D(1)
    assert sub.order.status is OrderStatus.EXPIRED and sub.order.reason is CloseReason.IOC_REMAINDER
    assert not engine.book("BTC").bids


def test_fok_fills_completely_or_not_at_all(engine: Engine, accts: list[int]) -> None:
    a, b, _ = accts
    order(engine, a, SELL, "1", "101")
    order(engine, a, SELL, "1", "102")
    seq = engine.market("BTC").seq
    killed = order(engine, b, BUY, "3", "102", tif=TimeInForce.FOK)
    assert killed.order.status is OrderStatus.EXPIRED and killed.order.reason is CloseReason.FOK_UNFILLED
    assert not killed.fills and engine.market("BTC").seq == seq
    filled = order(engine, b, BUY, "2", "102", tif=TimeInForce.FOK)
    assert filled.order.status is OrderStatus.FILLED and len(filled.fills) == 2


def test_market_order_respects_its_worst_price(engine: Engine, accts: list[int]) -> None:
    a, b, _ = accts
    order(engine, a, SELL, "1", "101")
    order(engine, a, SELL, "1", "105")
    bounded = order(engine, b, BUY, "2", "103", order_type=OrderType.MARKET)
    assert [f.price for f in bounded.fills] == [D(101)] and bounded.order.status is OrderStatus.EXPIRED
    sweep = order(engine, b, BUY, "2", None, order_type=OrderType.MARKET)
    assert [f.price for f in sweep.fills] == [D(105)]
    assert sweep.order.reason is CloseReason.IOC_REMAINDER


def test_market_order_on_an_empty_book_expires(engine: Engine, accts: list[int]) -> None:
    sub = order(engine, accts[0], BUY, "1", None, order_type=OrderType.MARKET)
    assert sub.order.status is OrderStatus.EXPIRED and sub.order.reason is CloseReason.NO_LIQUIDITY


def test_post_only_rejected_when_it_would_cross(engine: Engine, accts: list[int]) -> None:
    a, b, _ = accts
    order(engine, a, SELL, "1", "101")
    with pytest.raises(OrderRejected) as err:
        order(engine, b, BUY, "1", "101", tif=TimeInForce.POST_ONLY)
    assert err.value.reason is RejectReason.POST_ONLY_WOULD_CROSS
    assert len(engine.book("BTC").asks) == 1
    rested = order(engine, b, BUY, "1", "100.9", tif=TimeInForce.POST_ONLY)
    assert rested.order.live and not rested.fills


def _long(engine: Engine, acct: int, maker: int, size: str) -> None:
    order(engine, maker, SELL, size, "100")
    order(engine, acct, BUY, size, "100")


def test_reduce_only_rules(make_engine: EngineFactory) -> None:
    engine = make_engine()
    a, b = (engine.create_account(D(10**6)).id for _ in range(2))
    with pytest.raises(OrderRejected) as err:
        order(engine, a, SELL, "1", "99", reduce_only=True)
    assert err.value.reason is RejectReason.REDUCE_ONLY_WOULD_INCREASE
    _long(engine, a, b, "2")
    with pytest.raises(OrderRejected):
        order(engine, a, BUY, "1", "99", reduce_only=True)
    trimmed = order(engine, a, SELL, "5", "120", reduce_only=True)
    assert trimmed.order.size == D(2) and trimmed.order.live
    strict = make_engine(config=EngineConfig(reduce_only=ReduceOnlyPolicy.REJECT))
    a, b = (strict.create_account(D(10**6)).id for _ in range(2))
    _long(strict, a, b, "2")
    with pytest.raises(OrderRejected):
        order(strict, a, SELL, "5", "120", reduce_only=True)


def test_resting_reduce_only_shrinks_with_the_position(engine: Engine, accts: list[int]) -> None:
    a, b, c = accts
    _long(engine, a, b, "2")
    ro = order(engine, a, SELL, "2", "110", reduce_only=True).order
    order(engine, c, BUY, "1", "99")
    order(engine, a, SELL, "1", "99")            # the position drops to 1
    assert ro.live and ro.remaining == D(1)
    order(engine, c, BUY, "1", "98")
    order(engine, a, SELL, "1", "98")            # flat: nothing left to reduce
    assert ro.status is OrderStatus.CANCELLED and ro.reason is CloseReason.REDUCE_ONLY
    assert not engine.open_orders(a)


def test_cancel(engine: Engine, accts: list[int]) -> None:
    a, b, _ = accts
    resting = order(engine, a, BUY, "1", "99").order
    with pytest.raises(NotFoundError):
        engine.cancel_order(b, resting.id)          # someone else's order
    engine.cancel_order(a, resting.id)
    assert resting.status is OrderStatus.CANCELLED and not engine.book("BTC").bids
    with pytest.raises(OrderRejected) as err:
        engine.cancel_order(a, resting.id)
    assert err.value.reason is RejectReason.ORDER_CLOSED
    with pytest.raises(NotFoundError):
        engine.cancel_order(a, 10**9)


def test_client_ids_unique_among_open_orders(engine: Engine, accts: list[int]) -> None:
    a, b, _ = accts
    first = order(engine, a, BUY, "1", "99", client_id="c-1").order
    with pytest.raises(OrderRejected) as err:
        order(engine, a, BUY, "1", "98", client_id="c-1")
    assert err.value.reason is RejectReason.DUPLICATE_CLIENT_ID
    order(engine, b, BUY, "1", "98", client_id="c-1")          # another account may use it
    assert engine.get_order_by_client_id(a, "c-1") is first
    engine.cancel_by_client_id(a, "c-1")
    again = order(engine, a, BUY, "1", "97", client_id="c-1").order  # free once closed
    assert engine.get_order_by_client_id(a, "c-1") is again
    assert engine.get_order(first.id).status is OrderStatus.CANCELLED


def test_cancel_all(make_engine: EngineFactory) -> None:
    engine = make_engine(spec("BTC", 1), spec("ETH", 2))
    a = engine.create_account(D(10**6)).id
    for symbol in ("BTC", "ETH", "BTC"):
        engine.submit_order(a, symbol, BUY, D(1), D(90))
    assert len(engine.cancel_all(a, engine.market("BTC").id)) == 2
    assert [o.symbol for o in engine.open_orders(a)] == ["ETH"]
    assert len(engine.cancel_all(a)) == 1 and not engine.open_orders(a)


@pytest.mark.parametrize("policy", list(SelfTradePolicy))
def test_self_trade_policies(make_engine: EngineFactory, policy: SelfTradePolicy) -> None:
    engine = make_engine(config=EngineConfig(self_trade=policy))
    a = engine.create_account(D(10**6)).id
    maker = order(engine, a, SELL, "1", "101").order
    sub = order(engine, a, BUY, "1", "101")
    if policy is SelfTradePolicy.ALLOW:
        assert len(sub.fills) == 1 and maker.status is OrderStatus.FILLED
        assert not engine.account(a).positions and engine.account_state(a).fees_paid == D("0.0707")
        return
    assert not sub.fills
    maker_cancelled = policy in (SelfTradePolicy.CANCEL_MAKER, SelfTradePolicy.CANCEL_BOTH)
    assert (maker.status is OrderStatus.CANCELLED) == maker_cancelled
    if maker_cancelled:
        assert maker.reason is CloseReason.SELF_TRADE
    taker_survives = policy is SelfTradePolicy.CANCEL_MAKER
    assert sub.order.live == taker_survives
    if not taker_survives:
        assert sub.order.status is OrderStatus.EXPIRED and sub.order.reason is CloseReason.SELF_TRADE


def test_every_trade_has_a_maker_and_a_taker_fill(engine: Engine, accts: list[int]) -> None:
    a, b, _ = accts
    order(engine, a, SELL, "2", "101")
    sub = order(engine, b, BUY, "2", "101")
    maker_fill = engine.fills(a)[-1]
    taker_fill = sub.fills[0]
    assert maker_fill.trade_id == taker_fill.trade_id
    assert (maker_fill.is_maker, taker_fill.is_maker) == (True, False)
    assert (maker_fill.side, taker_fill.side) == (SELL, BUY)
    assert maker_fill.fee == D("0.0404") and taker_fill.fee == D("0.101")


@pytest.mark.parametrize(("size", "price", "reason"), [
    ("1", "100.05", RejectReason.INVALID_PRICE), ("0.0005", "100", RejectReason.INVALID_SIZE),
    ("0", "100", RejectReason.INVALID_SIZE), ("-1", "100", RejectReason.INVALID_SIZE),
    ("1", "0", RejectReason.INVALID_PRICE), ("NaN", "100", RejectReason.INVALID_SIZE),
])
def test_bad_numbers_are_rejected_not_rounded(engine: Engine, accts: list[int], size: str, price: str,
                                              reason: RejectReason) -> None:
    with pytest.raises(OrderRejected) as err:
        order(engine, accts[0], BUY, size, price)
    assert err.value.reason is reason
    assert not engine.open_orders(accts[0])


def test_minimum_size_and_notional(make_engine: EngineFactory) -> None:
    engine = make_engine(spec(min_notional="10", min_size="0.01"))
    a, b = (engine.create_account(D(10**6)).id for _ in range(2))
    with pytest.raises(OrderRejected) as err:
        order(engine, a, BUY, "0.005", "100")
    assert err.value.reason is RejectReason.BELOW_MIN_SIZE
    with pytest.raises(OrderRejected) as err:
        order(engine, a, BUY, "0.09", "100")
    assert err.value.reason is RejectReason.BELOW_MIN_NOTIONAL
    _long(engine, a, b, "0.2")
    assert order(engine, a, SELL, "0.005", "99", reduce_only=True).order.live   # exempt


def test_paused_and_delisted_markets(engine: Engine, accts: list[int]) -> None:
    a = accts[0]
    resting = order(engine, a, BUY, "1", "99").order
    engine.set_market_status("BTC", MarketStatus.PAUSED)
    with pytest.raises(OrderRejected) as err:
        order(engine, a, BUY, "1", "98")
    assert err.value.reason is RejectReason.MARKET_NOT_OPEN
    assert resting.live
    engine.set_market_status("BTC", MarketStatus.DELISTED)
    assert resting.status is OrderStatus.CANCELLED and resting.reason is CloseReason.MARKET_CLOSED


def test_modify_keeps_priority_only_when_shrinking(engine: Engine, accts: list[int]) -> None:
    a, b, c = accts
    first = order(engine, a, SELL, "3", "101").order
    order(engine, b, SELL, "1", "101")
    engine.modify_order(a, first.id, lots=2000)
    assert engine.book("BTC").asks[0].size == D(3)
    assert order(engine, c, BUY, "1", "101").fills[0].other_order_id == first.id
    moved = engine.modify_order(a, first.id, price_ticks=1000)   # to 100.0: behind nobody, trades none
    assert moved.order.live and engine.book("BTC").asks[0].price == D(100)
    crossing = order(engine, c, BUY, "1", "99").order
    sub = engine.modify_order(a, first.id, price_ticks=990)        # crosses the resting bid
    assert sub.fills and sub.fills[0].price == D(99) and crossing.status is OrderStatus.FILLED


def test_order_expiry(engine: Engine, accts: list[int]) -> None:
    expiring = order(engine, accts[0], BUY, "1", "99", expires_ms=engine.wall_ms() - 1).order
    assert expiring.live
    engine.advance(1)
    assert expiring.status is OrderStatus.EXPIRED and expiring.reason is CloseReason.EXPIRED


def test_events_and_book_sequence(engine: Engine, accts: list[int]) -> None:
    a, b, _ = accts
    deltas: list[BookDelta] = []
    updates: list[OrderEvent] = []
    engine.bus.subscribe(BookDelta, deltas.append)
    engine.bus.subscribe(OrderEvent, updates.append)
    seq = engine.market("BTC").seq
    maker = order(engine, a, SELL, "2", "101").order
    order(engine, a, SELL, "1", "102")
    taker = order(engine, b, BUY, "3", "102").order
    assert [d.seq for d in deltas] == [seq + 1, seq + 2, seq + 3]
    assert deltas[0].changes == ((SELL, 1010, 2000),)
    assert deltas[2].changes == ((SELL, 1010, 0), (SELL, 1020, 0))
    assert [(u.order.id, u.status) for u in updates] == [
        (maker.id, OrderStatus.OPEN), (maker.id + 1, OrderStatus.OPEN),
        (taker.id, OrderStatus.PARTIALLY_FILLED), (maker.id, OrderStatus.FILLED),
        (maker.id + 1, OrderStatus.FILLED), (taker.id, OrderStatus.FILLED)]
