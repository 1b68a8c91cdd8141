"""Liquidation: accounts under maintenance margin are closed out against the book, the
backstop takes what the book cannot absorb, the insurance fund covers deficits."""

from __future__ import annotations

from decimal import Decimal

from simulator.engine import AccountEvent, Engine, LiquidationEvent, OrderStatus, OrderType
from simulator.engine.scenario import load_scenario
from simulator.engine.simulation import Simulation
from tests.simulator.conftest import START_MS, EngineFactory

D = Decimal


def _long(engine: Engine, deposit: str, size: str) -> int:
    acct = engine.create_account(D(deposit)).id
    engine.submit_order(acct, "BTC", 1, D(size), None, order_type=OrderType.MARKET)
    return acct


def test_underwater_account_is_closed_against_the_book(make_engine: EngineFactory) -> None:
    engine = make_engine(liquidity=True)
    events: list[LiquidationEvent] = []
    engine.bus.subscribe(LiquidationEvent, events.append)
    acct = _long(engine, "100", "15")
    resting = engine.submit_order(acct, "BTC", 1, D("0.1"), D(90)).order
    engine.set_index("BTC", D(97))
    assert not events                                      # still above maintenance
    engine.set_index("BTC", D(95))
    (event,) = events
    assert (event.account_id, event.side, event.lots, event.by_backstop) == (acct, -1, 15000, 0)
    assert resting.status is OrderStatus.CANCELLED
    state = engine.account_state(acct)
    assert not state.positions and state.liquidations == 1 and state.equity > 0
    assert engine.ledger().balanced


def test_insurance_fund_covers_a_deficit(make_engine: EngineFactory) -> None:
    engine = make_engine(liquidity=True)
    covered: list[AccountEvent] = []
    engine.bus.subscribe(AccountEvent, lambda e: covered.append(e) if e.kind == "insurance" else None)
    acct = _long(engine, "100", "19")
    engine.set_index("BTC", D(80))                         # loses ~380 on 100 of collateral
    state = engine.account_state(acct)
    assert not state.positions and state.collateral == 0
    ledger = engine.ledger()
    assert ledger.insurance_fund < 0 and covered
    assert covered[0].amount_cash == -int(ledger.insurance_fund * 10**12)
    assert ledger.balanced


def test_backstop_takes_what_the_book_cannot(make_engine: EngineFactory) -> None:
    engine = make_engine()                                 # no market makers
    events: list[LiquidationEvent] = []
    engine.bus.subscribe(LiquidationEvent, events.append)
    seller, bidder = engine.create_account(D(10_000)).id, engine.create_account(D(10_000)).id
    engine.submit_order(seller, "BTC", -1, D(15), D(100))
    _long(engine, "100", "15")
    engine.submit_order(bidder, "BTC", 1, D(5), D(94))
    engine.set_index("BTC", D(95))
    (event,) = events
    assert event.lots == 15000 and event.by_backstop == 10000 and event.price_ticks == 940
    backstop = engine.account_state(engine.backstop.id)
    assert backstop.positions[0].size == D(10) and backstop.positions[0].entry_price == D(95)
    assert engine.account_state(bidder).positions[0].size == D(5)
    assert engine.ledger().balanced


def test_reported_liquidation_price_is_where_liquidation_starts(make_engine: EngineFactory) -> None:
    engine = make_engine()
    seller = engine.create_account(D(10_000)).id
    engine.submit_order(seller, "BTC", -1, D(15), D(100))
    acct = _long(engine, "100", "15")
    (pos,) = engine.account_state(acct).positions
    assert pos.liquidation_price == D("95.8")
    engine.set_index("BTC", D("95.8"))
    assert engine.account(acct).liquidations == 0
    engine.set_index("BTC", D("95.7"))
    assert engine.account(acct).liquidations == 1


def test_volatile_scenario_liquidates_its_seeded_traders() -> None:
    sim = Simulation(load_scenario("volatile"), ["lighter", "hyperliquid"], manual=True, start_ms=START_MS)
    events: list[LiquidationEvent] = []
    for engine in sim.engines.values():
        engine.bus.subscribe(LiquidationEvent, events.append)
        traders = [a for a in engine.accounts.values() if (a.label or "").startswith("trader-")]
        assert len(traders) == 5 and all(a.positions for a in traders)
    sim.advance(5 * 60)
    assert {(e.market.symbol, e.side) for e in events} == {("BTC", -1), ("SOL", 1)}
    for engine in sim.engines.values():
        traders = [a for a in engine.accounts.values() if (a.label or "").startswith("trader-")]
        assert all(a.liquidations == 1 and not a.positions for a in traders)
        assert engine.ledger().balanced
