"""The venue-sensitive paths of the grid on every venue with a simulator and a client, through
the real clients: partial fills get take-profits of their own size; post-only rejections
(refused at once or accepted-then-rejected, depending on the venue) are re-priced; a crash with
live take-profits restarts without a duplicate close order; a clean restart re-places the
ladder it cancelled. Positions and orders are read from the engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import ROUND_CEILING, Decimal

import pytest
import pytest_asyncio

from database import Database
from exchange_clients.models import BBO
from simulator.testing import RunningSimulator
from strategies.runner import StrategyRunner
from tests.strategies.grid.conftest import start_simulator
from tests.strategies.grid.kit import SYMBOL, GridEnv, new_env, pacer, started, synced
from tests.strategies.simkit import Counterparty, client_venues

D = Decimal
VENUES = client_venues()
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module",
                        params=VENUES or [pytest.param(None, marks=pytest.mark.skip(reason="no venue"))])
async def sim(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, RunningSimulator]]:
    async for running in start_simulator(request.param):
        yield request.param, running


@pytest_asyncio.fixture(loop_scope="module")
async def env(sim: tuple[str, RunningSimulator]) -> GridEnv:
    venue, running = sim
    return await new_env(running, venue)


async def test_partial_fills_get_take_profits_of_their_size(env: GridEnv, grid_db: Database) -> None:
    strategy = await started(env.strategy(grid_db, env.config(order_size="0.1",
                                                              order_notional_usd=None)))
    counterparty = Counterparty(env.engine)
    try:
        await strategy.step()
        (open_order,) = env.opens()
        price = D(open_order.price)
        market = await strategy.client.get_contract_attributes(SYMBOL)
        expected_tp = (price * D("1.002") / market.tick_size).to_integral_value(
            rounding=ROUND_CEILING) * market.tick_size              # a long's take-profit rounds up
        assert counterparty.hit(env.account_id, SYMBOL, D("0.03")) == D("0.03")
        await strategy.step()
        assert env.take_profits() == [(expected_tp, D("0.03"))]
        assert counterparty.hit(env.account_id, SYMBOL, D("0.05")) == D("0.05")
        await strategy.step()
        assert env.take_profits() == [(expected_tp, D("0.03")), (expected_tp, D("0.05"))]
        (still_open,) = env.opens()                            # the rest keeps working
        assert still_open.id == open_order.id and D(still_open.remaining) == D("0.02")
        assert env.position() == D("0.08")
        journaled = [o for o in await grid_db.orders.for_position(strategy.grid_id) if o.reduce_only]
        assert sorted(o.quantity for o in journaled) == [D("0.03"), D("0.05")]
    finally:
        await strategy.stop()


async def test_post_only_rejection_is_repriced(env: GridEnv, grid_db: Database,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    strategy = env.strategy(grid_db, env.config(post_only_retry_delay_seconds=0))
    real = strategy.client.fetch_bbo_prices
    calls = {"n": 0}

    async def stale_then_real(symbol: str) -> BBO:
        """The first book read lags a drop: a buy one tick under its ask crosses the real ask."""
        bbo = await real(symbol)
        calls["n"] += 1
        if calls["n"] > 2 or bbo.ask is None or bbo.bid is None:
            return bbo
        shift = bbo.ask * D("0.003")
        return bbo.model_copy(update={"bid": bbo.bid + shift, "ask": bbo.ask + shift})

    monkeypatch.setattr(strategy.client, "fetch_bbo_prices", stale_then_real)
    await started(strategy)
    try:
        await strategy.step()
        assert strategy.worker.post_only_rejections >= 1
        (open_order,) = env.opens()
        stats = env.engine.market_stats(SYMBOL)
        assert D(open_order.price) < D(stats.best_ask)              # re-priced below the real ask
        assert env.fills() == [] and env.position() == 0            # never traded as a taker
    finally:
        await strategy.stop()


async def test_crash_with_live_take_profits_restarts_without_duplicates(env: GridEnv,
                                                                        grid_db: Database) -> None:
    crashed = env.strategy(grid_db)

    async def crash() -> None:     # the process died: nothing is cancelled, nothing cleaned up
        await crashed.watcher.__aexit__(None, None, None)
        await crashed.client.disconnect()

    crashed.stop = crash  # type: ignore[method-assign]
    await StrategyRunner(crashed, db=grid_db, check_interval=1, install_signals=False,
                         pace=pacer(env, ["-0.1", "-0.1"], crashed.client)).run(max_steps=3)
    before = {o.id: (D(o.price), D(o.remaining)) for o in env.resting() if o.reduce_only}
    assert len(before) == 2 and len(env.opens()) == 1
    # while nobody watches, the resting open fills: position the new run must cover once
    env.move("-0.1")
    position = env.position()
    assert sum(q for _, q in before.values()) < position

    restarted = await started(env.strategy(grid_db))
    try:
        after = {o.id: (D(o.price), D(o.remaining)) for o in env.resting() if o.reduce_only}
        assert {k: v for k, v in after.items() if k in before} == before      # adopted, not replaced
        assert len(after) == len(before) + 1                                 # one new: the fill
        assert sum(q for _, q in after.values()) == position
        assert len(restarted.worker.closes) == len(after)                     # and follows them all
        for move in ["0.1"] * 6:
            await restarted.step()
            env.assert_never_overcovered()
            env.move(move)
            await synced(env, restarted.client)
        await restarted.step()
        assert restarted.worker.round_trips >= 3
        row = await grid_db.positions.get(restarted.grid_id)
        assert row.id == crashed.grid_id and row.extra["round_trips"] == restarted.worker.round_trips
        assert {o.id for o in env.resting() if o.reduce_only}.isdisjoint(before)
    finally:
        await restarted.stop()
    assert env.resting() == []


async def test_clean_restart_replaces_the_cancelled_ladder(env: GridEnv, grid_db: Database) -> None:
    first = env.strategy(grid_db)
    await StrategyRunner(first, db=grid_db, check_interval=1, install_signals=False,
                         pace=pacer(env, ["-0.1", "-0.1", "-0.1"], first.client)).run(max_steps=4)
    assert env.resting() == []                                 # clean shutdown cancelled all
    suspended = await first.store.suspended(first.grid_id)
    assert len(suspended) == 3 and sum(q for _, q in suspended) == env.position()
    second = await started(env.strategy(grid_db))
    try:
        assert env.take_profits() == sorted(suspended)
        assert second.grid_id == first.grid_id and await second.store.suspended(second.grid_id) == []
    finally:
        await second.stop()
