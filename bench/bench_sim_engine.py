"""Orders/s through the simulator's matching engine (``simulator.engine``).

A mixed flow on 20 markets from 40 margin-checked accounts: 60 % limit orders placed from 10
ticks through to 40 ticks behind a fixed mid (a fifth of them cross and trade), 12 % market
orders, 28 % cancels of a random resting order of the same account. The flow is generated
before the clock starts. Three runs:

* ``int_api``: the integer entry points (``submit``/``cancel_order``) — the matching engine;
* ``decimal_api``: the Decimal entry point (``submit_order``) as a venue module would call it;
* ``with_listeners``: integer API with a no-op listener on every event stream (as when venue
  modules are serving WebSocket clients).

A second figure is the cost of market time: a price step (index, funding, marks; market makers
re-quote lazily) on 5 venues x 100 markets, in microseconds per market and step.

Each run is repeated (``--repeat``, default 3) on a fresh engine and the best run is reported
with all runs listed: the machine is shared, so the best run is the least disturbed one.

Run: ``python -m bench.bench_sim_engine [--orders N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import random
import time
from decimal import Decimal
from typing import Any

from bench._common import write_result
from simulator.engine import (
    BookDelta,
    Engine,
    EngineError,
    EngineParams,
    Fill,
    LiquiditySpec,
    MarketSpec,
    OrderEvent,
    OrderType,
    PositionEvent,
    PriceSpec,
    TimeInForce,
    TradeEvent,
)

MARKETS = 20
ACCOUNTS = 40
MID_TICKS = 100_000          # price 1000.00 at tick 0.01


def _engine() -> Engine:
    specs = [MarketSpec(symbol=f"M{i:02d}", venue_symbol=f"M{i:02d}-PERP", market_id=i,
                        tick_size=Decimal("0.01"), step_size=Decimal("0.001"), max_leverage=Decimal(20),
                        maker_fee=Decimal("0.0002"), taker_fee=Decimal("0.0005"), min_notional=Decimal(1))
             for i in range(MARKETS)]
    params = EngineParams(seed=7, start_ms=0,
                          prices={s.symbol: PriceSpec(start=Decimal(1000)) for s in specs},
                          liquidity=LiquiditySpec(enabled=False))
    engine = Engine("bench", specs, params)
    for _ in range(ACCOUNTS):
        engine.create_account(Decimal(10**9))
    return engine


def _flow(n: int, seed: int, first_account: int) -> list[tuple[Any, ...]]:
    rng = random.Random(seed)
    ops: list[tuple[Any, ...]] = []
    for _ in range(n):
        acct = first_account + rng.randrange(ACCOUNTS)
        market = rng.randrange(MARKETS)
        side = 1 if rng.random() < 0.5 else -1
        lots = rng.randint(1, 50)
        r = rng.random()
        if r < 0.60:
            # offset <= 0 is at or through the mid and trades; the rest mostly rest
            offset = rng.randint(-10, 40)
            ops.append(("L", acct, market, side, lots, MID_TICKS - side * offset))
        elif r < 0.72:
            ops.append(("M", acct, market, side, lots, 0))
        else:
            ops.append(("C", acct, rng.random(), 0, 0, 0))
    return ops


def _run(engine: Engine, ops: list[tuple[Any, ...]], decimal_api: bool) -> dict[str, Any]:
    recent: dict[int, list[Any]] = {a: [] for a in engine.accounts}
    submit, submit_order, cancel = engine.submit, engine.submit_order, engine.cancel_order
    market_t, ioc = OrderType.MARKET, TimeInForce.IOC
    tick, step = Decimal("0.01"), Decimal("0.001")
    refused = fills = 0
    start = time.perf_counter()
    for kind, acct, a, side, lots, price in ops:
        try:
            if kind == "C":
                resting = recent[acct]
                while resting:
                    order = resting.pop(int(a * len(resting)))
                    if order.live:
                        cancel(acct, order.id)
                        break
                continue
            if decimal_api:
                sub = submit_order(acct, a, side, lots * step, price * tick if price else None,
                                   order_type=market_t if kind == "M" else OrderType.LIMIT)
            elif kind == "M":
                sub = submit(acct, a, side, lots, 0, order_type=market_t, tif=ioc)
            else:
                sub = submit(acct, a, side, lots, price)
            fills += len(sub.fills)
            if sub.order.live:
                recent[acct].append(sub.order)
        except EngineError:
            refused += 1
    elapsed = time.perf_counter() - start
    resting = sum(len(a.open_orders) for a in engine.accounts.values())
    levels = sum(len(m.bids) + len(m.asks) for m in engine.markets.values())
    return {"orders": len(ops), "seconds": round(elapsed, 3), "orders_per_s": round(len(ops) / elapsed),
            "taker_fills": fills, "refused": refused, "resting_orders_at_end": resting,
            "price_levels_at_end": levels, "balanced": engine.ledger().balanced}


def _market_time(seconds: int = 600) -> dict[str, Any]:
    from simulator.engine import TakerSpec
    from simulator.engine.catalog import KNOWN_VENUES
    from simulator.engine.scenario import load_scenario
    from simulator.engine.simulation import Simulation

    scenario = load_scenario("default").model_copy(update={"market_count": 100, "takers": TakerSpec()})
    sim = Simulation(scenario, list(KNOWN_VENUES), manual=True, start_ms=1_699_999_200_000)
    markets = sum(len(e.markets) for e in sim.engines.values())
    start = time.perf_counter()
    sim.advance(seconds)
    elapsed = time.perf_counter() - start
    return {"venues": len(sim.engines), "markets": markets, "steps": seconds,
            "us_per_market_step": round(elapsed / (markets * seconds) * 1e6, 2)}


def _listen(engine: Engine) -> None:
    def sink(_: object) -> None:
        return None

    for kind in (BookDelta, OrderEvent, Fill, TradeEvent, PositionEvent):
        engine.bus.subscribe(kind, sink)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {"markets": MARKETS, "accounts": ACCOUNTS, "target_orders_per_s": 50_000,
                               "mix": "60% limit (-10..+40 ticks from mid), 12% market, 28% cancel"}
    for name, decimal_api, listeners in (("int_api", False, False), ("decimal_api", True, False),
                                         ("with_listeners", False, True)):
        runs = []
        for _ in range(max(1, args.repeat)):
            engine = _engine()
            if listeners:
                _listen(engine)
            first = min(a.id for a in engine.accounts.values() if not a.agent)
            runs.append(_run(engine, _flow(args.orders, 11, first), decimal_api))
        best = max(runs, key=lambda r: r["orders_per_s"])
        figures[name] = {**best, "all_runs_orders_per_s": [r["orders_per_s"] for r in runs]}
    figures["market_time"] = _market_time()
    figures["orders_per_s"] = figures["int_api"]["orders_per_s"]
    figures["ratio_to_target"] = round(figures["orders_per_s"] / 50_000, 2)
    write_result("sim_engine", figures)
    return figures


if __name__ == "__main__":
    main()
