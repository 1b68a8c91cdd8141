"""The two-leg executor is venue-agnostic: every available client venue, as either leg, on
BTC and on the PEPE multiplier markets (``1000PEPE``/``kPEPE`` contracts vs plain PEPE), ends
hedged in the same underlying quantity. Runs on whatever pairs are importable today."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import ROUND_CEILING, Decimal

import pytest
import pytest_asyncio

from exchange_clients.common.precision import round_to_increment
from exchange_clients.models import Side
from simulator.testing import RunningSimulator, running_simulator
from strategies.execution import (
    ExecutionOutcome,
    FirstLegStyle,
    LegSpec,
    MemoryJournal,
    OrderExecutor,
    TwoLegExecutor,
    TwoLegParams,
)
from strategies.funding_arbitrage.sizing import common_step
from tests.strategies.simkit import Counterparty, ExposureObserver, client_venues, open_client

D = Decimal
VENUES = client_venues()
OTHERS = [v for v in VENUES if v != "lighter"]
pytestmark = [pytest.mark.asyncio(loop_scope="module"),
              pytest.mark.skipif("lighter" not in VENUES or not OTHERS,
                                 reason=f"needs Lighter and another client venue (available: {VENUES})")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sim() -> AsyncIterator[RunningSimulator]:
    async with running_simulator(VENUES, "default") as running:
        running.advance(60)
        yield running


@pytest.mark.parametrize("symbol", ["BTC", "PEPE"])
@pytest.mark.parametrize("venue", OTHERS)
async def test_each_venue_pair_ends_hedged(sim: RunningSimulator, venue: str, symbol: str) -> None:
    first, hedge = await open_client(sim, venue), await open_client(sim, "lighter")
    observer = ExposureObserver([first, hedge], symbol).start()
    try:
        markets = [await a.client.get_contract_attributes(symbol) for a in (first, hedge)]
        bbo = await first.client.fetch_bbo_prices(symbol)
        assert bbo.ask is not None
        step = common_step(markets[0].step_size, markets[1].step_size)
        minimum = max(max(m.min_notional for m in markets) * 3 / bbo.ask,
                      max(m.min_size for m in markets))
        quantity = round_to_increment(minimum, step, ROUND_CEILING)
        bound = quantity * bbo.ask * D("1.1")
        executor = TwoLegExecutor(OrderExecutor(MemoryJournal(), poll_interval=0.05))
        legs = (LegSpec(first.client, "f", symbol, Side.BUY), LegSpec(hedge.client, "h", symbol, Side.SELL))
        p = TwoLegParams(quantity=quantity, max_unhedged_notional=bound, max_unhedged_seconds=5,
                         maker_timeout_seconds=5, taker_fallback=True, poll_interval_seconds=0.05)
        counterparty = Counterparty(first.engine)
        task = asyncio.create_task(executor.execute(*legs, p))
        while not task.done():
            if counterparty.resting(first.account_id, symbol):
                counterparty.hit(first.account_id, symbol, quantity)
            await asyncio.sleep(0.03)
        result = task.result()
        assert result.outcome is ExecutionOutcome.FILLED and result.ok, result.errors
        # the same underlying quantity on both venues, whatever their contract size
        assert first.position(symbol) == quantity == -hedge.position(symbol)
        observer.assert_bounded(bound, 5.5)
        closing = (LegSpec(first.client, "f", symbol, Side.SELL, reduce_only=True),
                   LegSpec(hedge.client, "h", symbol, Side.BUY, reduce_only=True))
        exit_ = await executor.execute(*closing, TwoLegParams(
            quantity=quantity, max_unhedged_notional=bound, max_unhedged_seconds=5,
            first_leg_style=FirstLegStyle.TAKER))
        assert exit_.ok and first.position(symbol) == 0 == hedge.position(symbol)
    finally:
        observer.stop()
        await first.client.disconnect()
        await hedge.client.disconnect()
