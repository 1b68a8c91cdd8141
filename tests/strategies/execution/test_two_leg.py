"""The two-leg executor on simulated venues, through the real clients: every branch.

The first leg is Aster (post-only), the hedge Lighter (IOC) — the funding_divergence pair —
and one test runs every other pair of client venues available. Maker fills are made by a
:class:`Counterparty` trading against our resting order, so each branch is deterministic.
Every test checks with an independent :class:`ExposureObserver` (engine fills, not the
executor's bookkeeping) that the unhedged notional never exceeded its bound and that no
exposure lasted longer than the configured time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio

from exchange_clients.models import BBO, Side
from simulator.testing import RunningSimulator, running_simulator
from strategies.execution import (
    ExecutionOutcome,
    FirstLegStyle,
    LegSpec,
    MemoryJournal,
    OrderExecutor,
    TwoLegExecutor,
    TwoLegParams,
    TwoLegResult,
)
from tests.strategies.simkit import (
    Counterparty,
    ExposureObserver,
    SimAccount,
    client_venues,
    control,
    open_client,
)

D = Decimal
pytestmark = [pytest.mark.asyncio(loop_scope="module"),
              pytest.mark.skipif(not {"aster", "lighter"} <= set(client_venues()),
                                 reason="needs the Aster and Lighter simulator modules and clients")]

BOUND = D(2600)          # USD: clips of 0.025-0.026 BTC at ~100k
SECONDS = 3.0
QTY = D("0.050")


def params(**changes: Any) -> TwoLegParams:
    base = TwoLegParams(quantity=QTY, max_unhedged_notional=BOUND, max_unhedged_seconds=SECONDS,
                        maker_timeout_seconds=6.0, taker_fallback=False, reprice_after_seconds=0.5,
                        poll_interval_seconds=0.05)
    return replace(base, **changes)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sim() -> AsyncIterator[RunningSimulator]:
    async with running_simulator(["lighter", "aster"], "funding_divergence") as running:
        running.advance(60)
        yield running


class Pair:
    def __init__(self, sim: RunningSimulator, first: SimAccount, hedge: SimAccount) -> None:
        self.sim, self.first, self.hedge = sim, first, hedge
        self.journal = MemoryJournal()
        self.orders = OrderExecutor(self.journal, poll_interval=0.05)
        self.counterparty = Counterparty(first.engine)
        self.observer = ExposureObserver([first, hedge], "BTC").start()

    def legs(self, symbol: str = "BTC", *, closing: bool = False) -> tuple[LegSpec, LegSpec]:
        side = Side.SELL if closing else Side.BUY
        return (LegSpec(self.first.client, "first", symbol, side, reduce_only=closing),
                LegSpec(self.hedge.client, "hedge", symbol, side.opposite, reduce_only=closing))

    async def run(self, p: TwoLegParams, *, fills: list[Decimal] | None = None,
                  executor: TwoLegExecutor | None = None, closing: bool = False) -> TwoLegResult:
        """Execute; the counterparty hits the resting first-leg order once per ``fills``
        entry (a quantity), or every resting order in full when ``fills`` is None."""
        executor = executor or TwoLegExecutor(self.orders)
        task = asyncio.create_task(executor.execute(*self.legs(closing=closing), p))
        await self.feed(task, fills)
        return await task

    async def feed(self, task: asyncio.Task[Any], fills: list[Decimal] | None) -> None:
        planned = list(fills) if fills is not None else None
        while not task.done():
            if self.counterparty.resting(self.first.account_id, "BTC") and (planned is None or planned):
                self.counterparty.hit(self.first.account_id, "BTC",
                                      planned.pop(0) if planned is not None else D(1))
            await asyncio.sleep(0.03)

    def assert_flat_or_hedged(self) -> None:
        assert self.first.position("BTC") + self.hedge.position("BTC") == 0
        self.observer.assert_bounded(BOUND, SECONDS + 0.5)

    async def no_working_orders(self) -> bool:
        return not await self.first.client.get_active_orders("BTC") and \
            not await self.hedge.client.get_active_orders("BTC")

    async def close(self) -> None:
        self.observer.stop()
        await self.first.client.disconnect()
        await self.hedge.client.disconnect()


@pytest_asyncio.fixture(loop_scope="module")
async def pair(sim: RunningSimulator) -> AsyncIterator[Pair]:
    made = Pair(sim, await open_client(sim, "aster"), await open_client(sim, "lighter"))
    try:
        yield made
    finally:
        await made.close()
        for venue in ("aster", "lighter"):
            await control(sim, venue, "DELETE", "/faults")


async def test_full_fill_on_the_maker_leg_is_hedged_as_it_comes(pair: Pair) -> None:
    result = await pair.run(params())
    assert result.outcome is ExecutionOutcome.FILLED and result.ok
    assert result.first.filled == result.hedge.filled == QTY
    assert pair.first.position("BTC") == QTY and pair.hedge.position("BTC") == -QTY
    assert result.first.fills and all(f.liquidity is None or f.liquidity.value == "maker"
                                      for f in result.first.fills)
    assert result.max_unhedged_notional <= BOUND
    assert result.fees == sum(f.fee for f in result.first.fills + result.hedge.fills)
    pair.assert_flat_or_hedged()
    assert await pair.no_working_orders()
    # write-ahead: every order journaled, and each reached a final state
    assert {e.status for e in pair.journal.orders.values()} <= {"filled", "cancelled", "expired"}


async def test_partial_fills_hedged_then_completed_is_a_success(pair: Pair) -> None:
    """TRAPS.md "A success overwritten in finally": partial, hedged, completed → FILLED."""
    result = await pair.run(params(), fills=[D("0.010"), D("0.004"), D(1), D(1)])
    assert result.outcome is ExecutionOutcome.FILLED and result.ok and result.unwind is None
    assert len(result.first.fills) >= 3 and len(result.hedge.fills) >= 3
    assert result.hedged_quantity == QTY
    pair.assert_flat_or_hedged()


async def test_partial_fill_then_timeout_stays_hedged_and_leaves_no_order(pair: Pair) -> None:
    result = await pair.run(params(maker_timeout_seconds=1.5), fills=[D("0.011")])
    assert result.outcome is ExecutionOutcome.PARTIAL and result.balanced
    assert result.first.filled == result.hedge.filled == D("0.011")
    assert await pair.no_working_orders()
    pair.assert_flat_or_hedged()


async def test_nothing_filled_reports_not_filled(pair: Pair) -> None:
    result = await pair.run(params(maker_timeout_seconds=0.6), fills=[])
    assert result.outcome is ExecutionOutcome.NOT_FILLED and result.balanced
    assert result.first.filled == result.hedge.filled == 0
    assert await pair.no_working_orders()


async def test_hedge_rejected_unwinds_with_bounded_loss(pair: Pair, sim: RunningSimulator) -> None:
    broke = await open_client(sim, "lighter", usd=D(20))          # cannot margin the hedge
    pair.hedge, old = broke, pair.hedge
    pair.observer.stop()
    pair.observer = ExposureObserver([pair.first, broke], "BTC").start()
    try:
        result = await pair.run(params(), fills=[D("0.020")])
    finally:
        await old.client.disconnect()
    assert result.outcome is ExecutionOutcome.UNWOUND and result.balanced
    assert result.hedged_quantity == 0 and result.unwind is not None and result.unwind.complete
    assert result.unwind.quantity == D("0.020")
    assert any("refused" in e or "filled nothing" in e for e in result.errors)
    # loss bounded by the clip's notional times (unwind slippage + fees)
    assert result.unwind.cost <= D("0.020") * D(101_000) * D("0.012")
    assert pair.first.position("BTC") == 0 and broke.position("BTC") == 0
    pair.assert_flat_or_hedged()
    assert await pair.no_working_orders()


async def test_hedge_venue_5xx_mid_entry_is_retried_within_the_bound(pair: Pair,
                                                                      sim: RunningSimulator) -> None:
    await control(sim, "lighter", "POST", "/faults",
                  {"kind": "server_error", "status": 502, "match": "/api/v1/sendTx", "count": 2})
    result = await pair.run(params())
    assert result.outcome is ExecutionOutcome.FILLED and result.ok
    assert sum("unknown" in e or "retrying" in e for e in result.errors) >= 2
    assert result.max_unhedged_seconds < SECONDS
    pair.assert_flat_or_hedged()
    assert any(e.status == "unknown" for e in pair.journal.orders.values() if e.venue == "lighter")


async def test_hedge_venue_down_past_the_budget_unwinds(pair: Pair, sim: RunningSimulator) -> None:
    await control(sim, "lighter", "POST", "/faults", {"kind": "maintenance"})
    try:
        result = await pair.run(params(), fills=[D("0.015")])
    finally:
        await control(sim, "lighter", "DELETE", "/faults")
    assert result.outcome is ExecutionOutcome.UNWOUND and result.balanced
    assert result.unwind is not None and result.unwind.quantity == D("0.015")
    assert result.max_unhedged_seconds <= SECONDS
    pair.assert_flat_or_hedged()


async def test_first_leg_venue_error_mid_way_still_ends_hedged(pair: Pair, sim: RunningSimulator) -> None:
    async def arm_after_first_fill() -> None:
        while pair.first.position("BTC") == 0:
            await asyncio.sleep(0.01)
        for version in ("v1", "v3"):          # whichever API generation the client speaks
            await control(sim, "aster", "POST", "/faults", {"kind": "server_error", "status": 500,
                                                            "match": f"/fapi/{version}/order",
                                                            "count": 3})
    arming = asyncio.create_task(arm_after_first_fill())
    result = await pair.run(params(), fills=[D(1), D("0.004")])
    await arming
    assert result.balanced and result.outcome is ExecutionOutcome.PARTIAL
    assert result.hedged_quantity == result.first.filled > 0
    assert any("first leg stopped" in e for e in result.errors)
    pair.assert_flat_or_hedged()


async def test_post_only_rejection_is_repriced(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stale top of book makes our post-only price cross: the venue refuses it, the
    executor re-reads the book and re-places."""
    client = pair.first.client
    real = client.fetch_bbo_prices
    stale = {"left": 6}          # the next few reads of the book (clip pricing and placement)

    async def crossed(symbol: str) -> BBO:
        bbo = await real(symbol)
        if stale["left"] > 0:
            stale["left"] -= 1
            assert bbo.ask is not None
            return bbo.model_copy(update={"bid": bbo.ask + D(5), "ask": bbo.ask + D(50)})
        return bbo

    monkeypatch.setattr(client, "fetch_bbo_prices", crossed)
    result = await pair.run(params())
    assert result.post_only_rejections >= 2
    assert result.outcome is ExecutionOutcome.FILLED and result.ok
    pair.assert_flat_or_hedged()


async def test_order_left_behind_is_repriced_at_the_new_touch(pair: Pair) -> None:
    executor = TwoLegExecutor(pair.orders)
    task = asyncio.create_task(executor.execute(*pair.legs(), params()))
    old_price = (await pair.counterparty.wait_resting(pair.first.account_id, "BTC"))[0].price
    pair.first.engine.move_index("BTC", D("0.3"))                  # the market runs away
    pair.sim.advance(2)
    for _ in range(300):
        resting = pair.counterparty.resting(pair.first.account_id, "BTC")
        if resting and resting[0].price > old_price:
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("the order was not re-priced")
    await pair.feed(task, None)
    result = await task
    assert result.ok and len(result.first.client_order_ids) >= 2
    pair.assert_flat_or_hedged()


async def test_taker_style_and_exit_with_reduce_only_legs(pair: Pair) -> None:
    entry = await pair.run(params(first_leg_style=FirstLegStyle.TAKER))
    assert entry.ok and len(entry.first.fills) >= 2            # two clips within the bound
    exit_ = await pair.run(params(first_leg_style=FirstLegStyle.TAKER), closing=True)
    assert exit_.ok and exit_.first.side is Side.SELL
    assert pair.first.position("BTC") == 0 and pair.hedge.position("BTC") == 0
    pair.assert_flat_or_hedged()


async def test_exit_whose_hedge_fails_restores_the_first_leg(pair: Pair, sim: RunningSimulator) -> None:
    entry = await pair.run(params(first_leg_style=FirstLegStyle.TAKER))
    assert entry.ok
    await control(sim, "lighter", "POST", "/faults", {"kind": "maintenance"})
    try:
        exit_ = await pair.run(params(first_leg_style=FirstLegStyle.TAKER), closing=True)
    finally:
        await control(sim, "lighter", "DELETE", "/faults")
    assert exit_.outcome is ExecutionOutcome.UNWOUND and exit_.balanced
    assert pair.first.position("BTC") == QTY and pair.hedge.position("BTC") == -QTY
    pair.assert_flat_or_hedged()


async def test_graceful_stop_winds_down_hedged(pair: Pair) -> None:
    stop = {"now": False}
    executor = TwoLegExecutor(pair.orders, should_stop=lambda: stop["now"])
    task = asyncio.create_task(executor.execute(*pair.legs(), params(maker_timeout_seconds=30)))
    await pair.counterparty.hit_when_resting(pair.first.account_id, "BTC", D("0.007"))
    await asyncio.sleep(0.3)
    stop["now"] = True
    result = await asyncio.wait_for(task, 10)
    assert result.outcome is ExecutionOutcome.PARTIAL and result.balanced
    assert result.hedged_quantity == D("0.007")
    assert await pair.no_working_orders()


async def test_cancelled_execution_cancels_its_resting_order(pair: Pair) -> None:
    executor = TwoLegExecutor(pair.orders)
    task = asyncio.create_task(executor.execute(*pair.legs(), params(maker_timeout_seconds=30)))
    await pair.counterparty.wait_resting(pair.first.account_id, "BTC")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await pair.no_working_orders()


async def test_mismatched_steps_residual_is_squared(pair: Pair) -> None:
    """Lighter BTC (step 0.00001) first, Aster BTC (step 0.001) hedge: a maker fill of 0.0042
    can only be hedged 0.004 at a time; the 0.0002 left when the leg stops is trimmed."""
    pair.first, pair.hedge = pair.hedge, pair.first
    pair.counterparty = Counterparty(pair.first.engine)
    result = await pair.run(params(maker_timeout_seconds=1.5), fills=[D("0.0042")])
    assert result.balanced and result.outcome is ExecutionOutcome.PARTIAL
    assert result.hedged_quantity == D("0.004")
    assert result.unwind is not None and result.unwind.quantity == D("0.0002")
    assert pair.first.position("BTC") == D("0.004") and pair.hedge.position("BTC") == D("-0.004")
    pair.assert_flat_or_hedged()
