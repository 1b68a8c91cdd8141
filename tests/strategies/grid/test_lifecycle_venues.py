"""The grid runs unchanged on every venue that has a simulator module and a client: an
oscillating price produces profitable round trips, through the real client, under the runner
(lock, run row, clean shutdown)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
import pytest_asyncio

from database import Database
from database.models import RunStatus
from simulator.testing import RunningSimulator
from strategies.runner import StrategyRunner
from tests.strategies.grid.conftest import start_simulator
from tests.strategies.grid.kit import new_env, pacer
from tests.strategies.simkit import client_venues

D = Decimal
VENUES = client_venues()
pytestmark = pytest.mark.asyncio(loop_scope="module")

# three steps down fill three opens (the take-profit cap), six up take every profit; again
OSCILLATION = ["-0.1"] * 3 + ["0.1"] * 6 + ["-0.1"] * 3 + ["0.1"] * 5


@pytest_asyncio.fixture(scope="module", loop_scope="module",
                        params=VENUES or [pytest.param(None, marks=pytest.mark.skip(reason="no venue"))])
async def venue_sim(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, RunningSimulator]]:
    async for sim in start_simulator(request.param):
        yield request.param, sim


@pytest.mark.parametrize("direction", ["long", "short"])
async def test_oscillating_price_makes_profitable_round_trips(
        venue_sim: tuple[str, RunningSimulator], grid_db: Database, direction: str) -> None:
    venue, sim = venue_sim
    env = await new_env(sim, venue)
    config = env.config(direction=direction)
    strategy = env.strategy(grid_db, config)
    moves = OSCILLATION if direction == "long" else [m[1:] if m[0] == "-" else "-" + m for m in OSCILLATION]
    runner = StrategyRunner(strategy, db=grid_db, check_interval=1, install_signals=False,
                            pace=pacer(env, moves, strategy.client, after=env.assert_never_overcovered))
    summary = await runner.run(max_steps=len(moves) + 2)

    assert summary.status is RunStatus.COMPLETED, summary.reason
    assert strategy.worker.round_trips >= 4, strategy.messages
    # every take-profit filled at least take_profit_pct beyond its open, net of fees positive
    assert strategy.ledger.realized > 0 and strategy.ledger.net > 0
    opens = [f for f in env.fills() if (f.side > 0) == (direction == "long")]
    closes = [f for f in env.fills() if (f.side > 0) != (direction == "long")]
    assert opens and closes
    # post-only opens and resting take-profits: the grid never took liquidity
    assert all(f.is_maker for f in env.fills())
    # each take-profit filled at least take_profit_pct beyond an open price
    sign, tp = (1 if direction == "long" else -1), D("0.002")
    assert all(any((c.price - o.price * (1 + sign * tp)) * sign >= 0 for o in opens) for c in closes)
    # the venue's own accounting agrees: realised gains on the account
    engine_realized = D(env.engine.account_state(env.account_id).realized_pnl)
    assert engine_realized > 0
    assert strategy.ledger.realized == pytest.approx(engine_realized, abs=D("0.01"))
    # clean shutdown: nothing of ours left working at the venue
    assert env.resting() == []
    row = await grid_db.positions.get(strategy.grid_id)
    assert row.extra["round_trips"] == strategy.worker.round_trips
