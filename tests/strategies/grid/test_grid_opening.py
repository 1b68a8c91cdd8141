"""How the grid opens, on one simulated venue through the real client: leverage is set at start
and the open order is sized from the notional; the wait after a filled open; an open left
behind by the market or older than its timeout is re-priced; the take-profit cap and the grid
spacing hold new opens back. Orders and positions are read from the engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
import pytest_asyncio

from database import Database
from simulator.testing import RunningSimulator
from tests.strategies.grid.conftest import start_simulator
from tests.strategies.grid.kit import SYMBOL, GridEnv, checks, new_env, started, synced
from tests.strategies.simkit import client_venues

D = Decimal
VENUE = "lighter" if "lighter" in client_venues() else (client_venues() or [None])[0]
pytestmark = [pytest.mark.asyncio(loop_scope="module"),
              pytest.mark.skipif(VENUE is None, reason="no venue with a simulator and a client")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sim() -> AsyncIterator[RunningSimulator]:
    assert VENUE is not None
    async for running in start_simulator(VENUE):
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def env(sim: RunningSimulator) -> GridEnv:
    assert VENUE is not None
    return await new_env(sim, VENUE)


async def idle(env: GridEnv, seconds: float, client: object) -> None:
    """Let market time pass without moving the price."""
    env.sim.advance(seconds)
    await synced(env, client)


async def test_leverage_is_set_and_the_open_is_sized_from_the_notional(env: GridEnv,
                                                                       grid_db: Database) -> None:
    # 5x: exact on every venue (Lighter sends 1/leverage in 1/10000, the engine keeps integers)
    strategy = await started(env.strategy(grid_db, env.config(leverage="5", order_notional_usd="250")))
    try:
        market = env.engine.market(SYMBOL)
        assert env.engine.account(env.account_id).leverage[market.id] == 5
        assert any("leverage 5.00x set on ETH" in m for m in strategy.messages)
        await strategy.step()
        (opened,) = env.opens()
        quantity, price = D(opened.remaining) * market.multiplier, D(opened.price)
        step = strategy.worker.market.step_size
        # the largest size on the step grid worth at most the notional
        assert quantity * price <= 250 < (quantity + step) * price
    finally:
        await strategy.stop()


async def test_the_next_open_waits_after_a_filled_one(env: GridEnv, grid_db: Database) -> None:
    strategy = await started(env.strategy(grid_db, env.config(wait_seconds=120)))
    try:
        await checks(strategy, env, ["-0.1"])                  # the open fills
        await strategy.step()
        assert len(env.take_profits()) == 1 and env.opens() == []
        assert strategy.worker.waiting is not None and "waiting 120s" in strategy.worker.waiting
        await idle(env, 60, strategy.client)
        await strategy.step()
        assert env.opens() == []                               # 60 s of 120
        await idle(env, 61, strategy.client)
        await strategy.step()
        assert len(env.opens()) == 1 and strategy.worker.waiting is None
    finally:
        await strategy.stop()


async def test_an_open_left_behind_is_repriced_and_a_small_move_is_not(env: GridEnv,
                                                                        grid_db: Database) -> None:
    strategy = await started(env.strategy(grid_db, env.config(reprice_bps="5")))
    try:
        await strategy.step()
        (first,) = env.opens()
        env.move("0.03")                                       # 3 bps: within reprice_bps
        await synced(env, strategy.client)
        await strategy.step()
        assert [o.id for o in env.opens()] == [first.id]
        env.move("0.2")                                        # 20 bps away: left behind
        await synced(env, strategy.client)
        await strategy.step()
        (second,) = env.opens()
        assert second.id != first.id and D(second.price) > D(first.price)
        tick = strategy.worker.market.tick_size
        assert D(second.price) == D(env.engine.market_stats(SYMBOL).best_ask) - tick
        assert any("left behind" in m for m in strategy.messages)
        assert env.fills() == []
    finally:
        await strategy.stop()


async def test_an_open_older_than_the_timeout_is_repriced(env: GridEnv, grid_db: Database) -> None:
    # resting well under the touch: quotes drifting while time passes never fill it
    strategy = await started(env.strategy(grid_db, env.config(open_timeout_seconds=30,
                                                              post_only_offset_ticks=500)))
    try:
        await strategy.step()
        (first,) = env.opens()
        await idle(env, 20, strategy.client)
        await strategy.step()
        assert [o.id for o in env.opens()] == [first.id]         # 20 s of 30: kept
        await idle(env, 11, strategy.client)
        await strategy.step()
        (second,) = env.opens()
        assert second.id != first.id and second.price == first.price   # the book did not move
        assert any("open for" in m for m in strategy.messages)
    finally:
        await strategy.stop()


async def test_the_take_profit_cap_holds_opens_back_until_one_fills(env: GridEnv,
                                                                    grid_db: Database) -> None:
    strategy = await started(env.strategy(grid_db, env.config(max_close_orders=2)))
    try:
        await checks(strategy, env, ["-0.1", "-0.1", "-0.1"])
        await strategy.step()
        assert len(env.take_profits()) == 2 and env.opens() == []
        assert strategy.worker.waiting is not None and "max 2" in strategy.worker.waiting
        env.assert_never_overcovered()
        env.move("0.5")                                        # the nearer take-profit fills
        await synced(env, strategy.client)
        await strategy.step()
        assert strategy.worker.round_trips == 1
        assert len(env.take_profits()) == 1 and len(env.opens()) == 1
    finally:
        await strategy.stop()


async def test_grid_step_keeps_take_profits_apart(env: GridEnv, grid_db: Database) -> None:
    strategy = await started(env.strategy(grid_db, env.config(grid_step_pct="0.3")))
    try:
        await checks(strategy, env, ["-0.1"])                  # the first open fills
        await strategy.step()
        ((first_tp, _),) = env.take_profits()
        assert env.opens() == []                               # its take-profit would be ~0.1 % away
        assert strategy.worker.waiting is not None and "within 0.3%" in strategy.worker.waiting
        env.move("-0.3")
        await synced(env, strategy.client)
        await strategy.step()
        (opened,) = env.opens()
        tp_of_open = D(opened.price) * D("1.002")
        assert (first_tp - tp_of_open) * 100 >= D("0.3") * first_tp
    finally:
        await strategy.stop()
