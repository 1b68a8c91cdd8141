"""Margin and PnL arithmetic: entry price, realised/unrealised PnL, fees, initial margin of
positions and open orders, margin rejections, leverage, withdrawals. Exact Decimal results."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simulator.engine import Engine, OrderRejected, RejectReason
from tests.simulator.conftest import EngineFactory, spec

D = Decimal
BUY, SELL = 1, -1


def trade(e: Engine, taker: int, maker: int, side: int, size: str, price: str) -> None:
    e.submit_order(maker, "BTC", -side, D(size), D(price))
    assert e.submit_order(taker, "BTC", side, D(size), D(price)).order.filled == D(size)


@pytest.fixture
def engine(make_engine: EngineFactory) -> Engine:
    return make_engine()   # BTC: tick 0.1, step 0.001, 20x (IMF 5 %, MMF 2.5 %), fees 2/5 bps, index 100


def test_entry_price_realised_pnl_and_fees(engine: Engine) -> None:
    a, b = (engine.create_account(D(10_000)).id for _ in range(2))
    trade(engine, a, b, BUY, "1", "100")
    trade(engine, a, b, BUY, "1", "110")
    trade(engine, a, b, SELL, "1", "120")
    state = engine.account_state(a)
    (pos,) = state.positions
    assert pos.size == D(1) and pos.entry_price == D(105)
    assert state.realized_pnl == D(15)
    assert state.fees_paid == D("0.05") + D("0.055") + D("0.06")
    assert state.collateral == D(10_000) + D(15) - state.fees_paid
    assert pos.mark_price == D(100) and pos.unrealized_pnl == D(-5)
    assert state.equity == state.collateral - D(5)
    assert engine.account_state(b).fees_paid == D("0.066")       # maker side, 2 bps


def test_position_flip(engine: Engine) -> None:
    a, b = (engine.create_account(D(10_000)).id for _ in range(2))
    trade(engine, a, b, BUY, "1", "100")
    trade(engine, a, b, SELL, "3", "90")
    state = engine.account_state(a)
    (pos,) = state.positions
    assert pos.size == D(-2) and pos.entry_price == D(90)
    assert state.realized_pnl == D(-10)
    assert pos.unrealized_pnl == D(-20)            # short 2 from 90, mark 100


def test_unrealised_pnl_follows_the_mark(engine: Engine) -> None:
    a, b = (engine.create_account(D(10_000)).id for _ in range(2))
    trade(engine, a, b, BUY, "2", "100")
    engine.set_index("BTC", D(112))
    assert engine.account_state(a).unrealized_pnl == D(24)
    assert engine.account_state(b).unrealized_pnl == D(-24)


def test_initial_margin_counts_positions_and_open_orders(engine: Engine) -> None:
    a, b = (engine.create_account(D(1000)).id for _ in range(2))
    engine.submit_order(a, "BTC", BUY, D(2), D(99))
    assert engine.account_state(a).initial_margin == D(10)         # 2 * mark 100 * 5 %
    engine.submit_order(a, "BTC", SELL, D(1), D(101))
    assert engine.account_state(a).initial_margin == D(10)         # worst case is still long 2
    trade(engine, a, b, SELL, "3", "100")                          # short 3 at 100
    state = engine.account_state(a)
    assert state.initial_margin == D(20)                           # max(|-3+2|, |-3-1|) = 4 → 20
    assert state.available == state.equity - D(20)
    assert state.maintenance_margin == D("7.5")                    # 3 * 100 * 2.5 %


def test_orders_beyond_available_margin_are_rejected(engine: Engine) -> None:
    a = engine.create_account(D(100)).id
    assert engine.submit_order(a, "BTC", BUY, D("19.5"), D(100)).order.live   # IM 97.5 + fee 0.975
    engine.cancel_all(a)
    with pytest.raises(OrderRejected) as err:
        engine.submit_order(a, "BTC", BUY, D("19.9"), D(100))                 # IM 99.5 + fee 0.995
    assert err.value.reason is RejectReason.INSUFFICIENT_MARGIN
    assert not engine.open_orders(a)


def test_reducing_orders_need_no_margin(engine: Engine) -> None:
    a, b = engine.create_account(D(100)).id, engine.create_account(D(10_000)).id
    trade(engine, a, b, BUY, "19", "100")
    engine.set_index("BTC", D("99.5"))           # available now below zero-ish
    assert engine.submit_order(a, "BTC", SELL, D(5), D(101)).order.live


def test_leverage(engine: Engine) -> None:
    a, b = engine.create_account(D(100)).id, engine.create_account(D(10_000)).id
    for bad in (0, 21):
        with pytest.raises(OrderRejected) as err:
            engine.set_leverage(a, "BTC", bad)
        assert err.value.reason is RejectReason.INVALID_LEVERAGE
    engine.set_leverage(a, "BTC", 5)
    assert engine.leverage_of(a, "BTC") == 5
    with pytest.raises(OrderRejected):
        engine.submit_order(a, "BTC", BUY, D(5), D(100))           # IM 100 at 20 %
    trade(engine, a, b, BUY, "4", "100")
    assert engine.account_state(a).initial_margin == D(80)
    with pytest.raises(OrderRejected) as err:
        engine.set_leverage(a, "BTC", 1)                            # would need 400
    assert err.value.reason is RejectReason.INSUFFICIENT_MARGIN
    assert engine.leverage_of(a, "BTC") == 5 and engine.account_state(a).initial_margin == D(80)
    engine.set_leverage(a, "BTC", 10)
    assert engine.account_state(a).initial_margin == D(40)


def test_withdrawals_limited_to_available(engine: Engine) -> None:
    a, b = engine.create_account(D(1000)).id, engine.create_account(D(10_000)).id
    trade(engine, a, b, BUY, "100", "100")                          # IM 500, fee 5
    with pytest.raises(OrderRejected) as err:
        engine.withdraw(a, D(600))
    assert err.value.reason is RejectReason.INSUFFICIENT_BALANCE
    engine.withdraw(a, D(400))
    assert engine.account_state(a).deposits == D(600)
    assert engine.ledger().balanced


def test_maker_rebate_is_paid_by_the_house(make_engine: EngineFactory) -> None:
    engine = make_engine(spec(maker="-0.0001", taker="0.0004"))
    a, b = (engine.create_account(D(10_000)).id for _ in range(2))
    trade(engine, a, b, BUY, "1", "100")
    assert engine.account_state(b).fees_paid == D("-0.01")
    assert engine.ledger().house_fees == D("0.03")
    assert engine.ledger().balanced


def test_multiplier_market_notional(make_engine: EngineFactory) -> None:
    engine = make_engine(spec("PEPE", 3, tick="0.000001", step="1", multiplier=1000, lev=10),
                         prices={"PEPE": "0.00001"})
    m = engine.market("PEPE")
    assert m.price(m.index_ticks) == D("0.01")       # kPEPE: 1000 PEPE per contract
    a, b = (engine.create_account(D(10_000)).id for _ in range(2))
    engine.submit_order(b, "PEPE", SELL, D(1000), D("0.01"))
    engine.submit_order(a, "PEPE", BUY, D(1000), D("0.01"))
    (pos,) = engine.account_state(a).positions
    assert pos.notional == D(10) and pos.initial_margin == D(1)
