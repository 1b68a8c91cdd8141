"""Market makers and takers; determinism under a seed; lazy quoting equals eager quoting."""

from __future__ import annotations

from decimal import Decimal

from simulator.engine import Engine, OrderStatus, TakerSpec
from simulator.engine.scenario import load_scenario
from simulator.engine.simulation import Simulation
from tests.simulator.conftest import START_MS, EngineFactory

D = Decimal


def test_ladder_straddles_the_fair_price(make_engine: EngineFactory) -> None:
    engine = make_engine(liquidity=True, price="1000")
    book = engine.book("BTC")
    fair = engine.market("BTC").price(engine.market("BTC").fair_ticks)
    assert len(book.bids) == 10 and len(book.asks) == 10
    assert book.bids[0].price < fair < book.asks[0].price
    assert [lv.price for lv in book.bids] == sorted((lv.price for lv in book.bids), reverse=True)
    assert book.bids[-1].size > book.bids[0].size and book.asks[-1].size > book.asks[0].size
    stats = engine.market_stats("BTC")
    assert stats.best_bid == book.bids[0].price and stats.mark_price == fair


def test_resting_order_fills_when_the_market_moves_through_it(make_engine: EngineFactory) -> None:
    engine = make_engine(liquidity=True)
    client = engine.create_account(D(10_000)).id
    ask = engine.submit_order(client, "BTC", -1, D(1), D(101)).order
    assert ask.live
    engine.set_index("BTC", D(102))
    assert ask.status is OrderStatus.FILLED and engine.fills(client)[-1].price == D(101)
    assert engine.account_state(client).positions[0].size == D(-1)


def test_quotes_are_lazy_unless_watched(make_engine: EngineFactory) -> None:
    engine = make_engine(liquidity=True, volatility=2.0, price="10000")
    m = engine.market("BTC")
    engine.book("BTC")
    engine.advance(5)
    assert m.quotes_stale
    seq = m.seq
    engine.book("BTC")                    # a reader refreshes them
    assert not m.quotes_stale and m.seq == seq + 1
    engine.watch("BTC")
    engine.advance(5)
    assert not m.quotes_stale and m.seq > seq + 1


def test_unchanged_ladder_is_not_churned(make_engine: EngineFactory) -> None:
    engine = make_engine(liquidity=True)   # constant index: the ladder never changes
    engine.watch("BTC")
    seq = engine.market("BTC").seq
    engine.advance(60)
    assert engine.market("BTC").seq == seq


def _run(seed: int, *, watch: bool = False) -> list[tuple[object, ...]]:
    scenario = load_scenario("default").model_copy(
        update={"seed": seed, "takers": TakerSpec(orders_per_minute=30)})
    sim = Simulation(scenario, ["lighter", "aster"], manual=True, start_ms=START_MS)
    if watch:
        for engine in sim.engines.values():
            for m in engine.markets.values():
                engine.watch(m.id)
    clients = {v: e.create_account(D(100_000)).id for v, e in sim.engines.items()}
    for i in range(12):
        sim.advance(20)
        for venue, engine in sim.engines.items():
            mark = engine.market("ETH").mark_ticks
            engine.submit(clients[venue], engine.market("ETH").id, 1 if i % 2 else -1, 100,
                          mark + (-3 if i % 2 else 3))
    out = []
    for venue, engine in sim.engines.items():
        for acct in engine.accounts.values():
            out += [(venue, acct.label, f.trade_id, f.market.symbol, f.side, f.price_ticks, f.lots,
                     f.is_maker) for f in acct.fills]
    return out


def test_same_seed_same_fills() -> None:
    first = _run(5)
    assert len(first) > 50
    assert _run(5) == first
    assert _run(6) != first


def test_lazy_and_eager_quoting_give_the_same_fills() -> None:
    assert _run(5, watch=True) == _run(5)


def test_takers_trade_every_market(make_engine: EngineFactory) -> None:
    engine: Engine = make_engine(liquidity=True, takers=TakerSpec(orders_per_minute=10))
    engine.advance(600)
    stats = engine.market_stats("BTC")
    assert stats.volume_24h > 0 and stats.last_price is not None
    assert engine.ledger().balanced


def test_stats_of_a_stale_market_match_its_refreshed_book(make_engine: EngineFactory) -> None:
    engine = make_engine(liquidity=True, volatility=2.0, price="10000")
    engine.advance(5)
    stats = engine.market_stats("BTC")
    assert engine.market("BTC").quotes_stale          # answered without re-quoting
    book = engine.book("BTC")
    assert (stats.best_bid, stats.best_ask) == (book.bids[0].price, book.asks[0].price)
