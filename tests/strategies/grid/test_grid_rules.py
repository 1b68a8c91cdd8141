"""The grid's stop, stop-loss and pause rules and its refusals, on one simulated venue through
the real client (the venue-sensitive paths run on every venue in ``test_grid_venues.py``).

Stop price closes the position and cancels everything; stop-loss the same; pause price stops
new opens but keeps the take-profits; someone else's orders and a second runner on the account
are refused. Positions and orders are read from the engine, independently of the strategy.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
import pytest_asyncio

from database import Database
from database.models import PositionStatus, RunStatus
from exchange_clients.models import Side
from simulator.testing import RunningSimulator
from strategies.runner import RunnerRefusedError, StrategyRunner
from tests.strategies.grid.conftest import start_simulator
from tests.strategies.grid.kit import SYMBOL, GridEnv, checks, new_env, pacer, pct_of, started, synced
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


async def test_stop_price_closes_the_position_and_cancels_everything(env: GridEnv, grid_db: Database) -> None:
    stop = pct_of(env.mid(), "-0.4")
    strategy = env.strategy(grid_db, env.config(stop_price=str(stop)))
    runner = StrategyRunner(strategy, db=grid_db, check_interval=1, install_signals=False,
                            pace=pacer(env, ["-0.1", "-0.1", "0", "-0.5"], strategy.client))
    summary = await runner.run(max_steps=10, until=lambda: strategy.halted is not None)
    assert summary.status is RunStatus.COMPLETED and summary.steps == 5
    assert strategy.halted is not None and "stop price" in strategy.halted
    assert env.position() == 0 and env.resting() == []
    snapshot = strategy.snapshot()                             # the view shows it flat
    assert snapshot["position"] == 0 and snapshot["unrealized_pnl"] == 0 and snapshot["orders"] == []
    row = await grid_db.positions.get(strategy.grid_id)
    assert row.status == PositionStatus.CLOSED.value and "stop price" in (row.exit_reason or "")
    # the close took liquidity (reduce-only), everything before it was maker
    closing = [f for f in env.fills() if not f.is_maker]
    assert closing and all(f.side < 0 for f in closing)


async def test_stop_loss_closes_and_halts(env: GridEnv, grid_db: Database) -> None:
    strategy = await started(env.strategy(grid_db, env.config(stop_loss_pct="0.3")))
    try:
        await checks(strategy, env, ["-0.1", "-0.5"])
        assert env.position() > 0 and env.take_profits()
        await strategy.step()
        assert strategy.halted is not None and strategy.halted.startswith("stop-loss")
        assert env.position() == 0 and env.resting() == []
        await strategy.step()                                  # halted: nothing more is traded
        assert env.resting() == []
    finally:
        await strategy.stop()


async def test_pause_price_stops_opening_but_keeps_take_profits(env: GridEnv, grid_db: Database) -> None:
    pause = pct_of(env.mid(), "0.05")
    strategy = await started(env.strategy(grid_db, env.config(pause_price=str(pause))))
    try:
        await checks(strategy, env, ["-0.1", "0.2"])          # one fill, then above the pause price
        take_profits = env.take_profits()
        assert len(take_profits) == 1 and env.opens()
        tp_ids = {o.id for o in env.resting() if o.reduce_only}
        for _ in range(3):
            await strategy.step()
            assert strategy.paused and env.opens() == []       # the open order was cancelled
            assert {o.id for o in env.resting() if o.reduce_only} == tp_ids
        env.move("-0.2")                                       # back below the pause price
        await synced(env, strategy.client)
        await strategy.step()
        assert not strategy.paused and len(env.opens()) == 1
        assert env.take_profits() == take_profits
    finally:
        await strategy.stop()
    assert env.resting() == []                                 # clean shutdown cancels all


async def test_someone_elses_order_on_the_symbol_is_refused(env: GridEnv, grid_db: Database) -> None:
    other = env.client()
    await other.connect()
    try:
        market = await other.get_contract_attributes(SYMBOL)
        price = (env.mid() * D("0.9") / market.tick_size).to_integral_value() * market.tick_size
        await other.place_limit_order(SYMBOL, D("0.1"), price, Side.BUY)
    finally:
        await other.disconnect()
    strategy = env.strategy(grid_db)
    summary = await StrategyRunner(strategy, db=grid_db, check_interval=1,
                                   install_signals=False).run(max_steps=2)
    assert summary.status is RunStatus.FAILED and "did not place" in (summary.reason or "")
    (untouched,) = env.resting()                               # left exactly as found
    assert D(untouched.price) == price


async def test_second_runner_on_the_account_is_refused(env: GridEnv, grid_db: Database) -> None:
    first = env.strategy(grid_db)
    steps = asyncio.Event()

    async def pace() -> None:
        steps.set()
        await asyncio.sleep(0.01)

    runner = StrategyRunner(first, db=grid_db, check_interval=1, install_signals=False, pace=pace)
    running = asyncio.create_task(runner.run())
    await asyncio.wait_for(steps.wait(), 10)
    second = env.strategy(grid_db)
    with pytest.raises(RunnerRefusedError, match="grid on"):
        await StrategyRunner(second, db=grid_db, check_interval=1, install_signals=False).run(max_steps=1)
    assert second.grid_id is None and second.checks == 0      # refused before doing anything
    runner.request_stop()
    summary = await running
    assert summary.status is RunStatus.STOPPED and env.resting() == []
