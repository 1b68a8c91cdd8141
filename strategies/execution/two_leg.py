"""The two-leg executor: put on (or take off) a hedged pair without ever holding a naked leg.

The first leg is worked in clips — post-only limit orders one tick inside the touch
(``maker``) or IOC orders (``taker``) — and every fill is hedged at once on the other venue
with an IOC bounded by a slippage limit. Invariants, each covered by a test
(tests/strategies/execution/):

* **Bounded exposure.** A first-leg clip is at most ``max_unhedged_notional`` minus what is
  already unhedged, so ``|first − hedge| × price`` never exceeds the bound.
* **Bounded time.** Exposure is hedged, retried on transient errors, for
  ``hedge_budget_fraction × max_unhedged_seconds``; after that (or after
  ``max_hedge_refusals`` definite refusals) the working first-leg order is cancelled and the
  unhedged part of the first leg is traded back (reduce-only on entry) in the rest of the time.
* **Re-pricing.** A post-only order refused for crossing is re-placed at the new touch; one
  left behind by the market for ``reprice_after_seconds`` is cancelled and re-placed.
* **Nothing lost.** Orders are journaled before they are sent (``OrderExecutor.place``);
  quantities come from the newest order states, fills from the feed and the venue's trade
  history; an order whose submission outcome is unknown is looked up again before the
  result is built.
* **One result, from one place.** :meth:`_TwoLegRun.result` is computed from what the venues
  say at the end. There is no success flag to set or overwrite: a partial fill hedged in full
  is a balanced ``FILLED``/``PARTIAL`` result, never an unwind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AsyncExitStack
from decimal import ROUND_CEILING, Decimal

from exchange_clients.common.precision import round_size, round_to_increment
from exchange_clients.errors import ExchangeError, InvalidOrderError
from exchange_clients.models import MarketInfo, Side, TimeInForce
from helpers.time import utc_now
from helpers.unified_logger import get_logger
from strategies.execution.errors import ExecutionConfigError, SubmissionUnknownError
from strategies.execution.models import (
    ZERO,
    FirstLegStyle,
    LegSpec,
    TwoLegParams,
    TwoLegResult,
)
from strategies.execution.orders import OrderExecutor
from strategies.execution.report import build_result
from strategies.execution.watcher import OrderWatcher

__all__ = ["TwoLegExecutor"]

_log = get_logger("strategies.two_leg")


class _HedgeFailed(Exception):
    """The hedge could not be completed within its budget (or was refused outright)."""


class TwoLegExecutor:
    """Runs :class:`TwoLegParams` on a (first, hedge) pair of legs. Reusable and stateless
    between executions; ``should_stop`` is polled to wind down early (graceful shutdown):
    no new first-leg order is placed, what is filled is hedged, the result is ``PARTIAL``."""

    def __init__(self, orders: OrderExecutor, *,
                 should_stop: Callable[[], bool] | None = None) -> None:
        self.orders = orders
        self.should_stop = should_stop or (lambda: False)

    async def execute(self, first: LegSpec, hedge: LegSpec, params: TwoLegParams, *,
                      position_id: str | None = None) -> TwoLegResult:
        if first.side is hedge.side and not (first.reduce_only or hedge.reduce_only):
            raise ExecutionConfigError("the legs of a hedge trade opposite sides")
        run = _TwoLegRun(self, first, hedge, params, position_id)
        async with AsyncExitStack() as stack:
            run.first_watch = await stack.enter_async_context(
                OrderWatcher(first.client, first.account, self.orders.journal))
            run.hedge_watch = await stack.enter_async_context(
                OrderWatcher(hedge.client, hedge.account, self.orders.journal))
            await run.prepare()
            try:
                await run.work()
            except asyncio.CancelledError:
                # killed: stop the resting order from filling further; the journal and a
                # restart's reconciliation take care of the rest
                await asyncio.shield(run.cancel_first_leg_orders())
                raise
            await run.finish()
        return run.result()


class _TwoLegRun:
    """The state of one execution. Quantities are always recomputed from order states."""

    first_watch: OrderWatcher
    hedge_watch: OrderWatcher

    def __init__(self, owner: TwoLegExecutor, first: LegSpec, hedge: LegSpec, params: TwoLegParams,
                 position_id: str | None) -> None:
        self.owner = owner
        self.orders = owner.orders
        self.first, self.hedge, self.params = first, hedge, params
        self.position_id = position_id
        self.loop = asyncio.get_running_loop()
        self.first_cids: list[str] = []       # forward orders on the first leg
        self.unwind_cids: list[str] = []      # trades back on the first venue
        self.hedge_cids: list[str] = []       # forward orders on the hedge leg
        self.hedge_back_cids: list[str] = []  # trades back on the hedge venue (over-hedge)
        self.errors: list[str] = []
        self.rejections = 0
        self.hedge_failed = False
        self.started_at = utc_now()
        self.started = self.loop.time()
        self.unhedged_since: float | None = None
        self.max_exposure_notional = ZERO
        self.max_unhedged_seconds = 0.0
        self.ref_price = ZERO
        self.first_market: MarketInfo
        self.hedge_market: MarketInfo

    # ---- set-up and accounting ----------------------------------------------------------

    async def prepare(self) -> None:
        self.first_market = await self.first.client.get_contract_attributes(self.first.symbol)
        self.hedge_market = await self.hedge.client.get_contract_attributes(self.hedge.symbol)
        await self._refresh_price()
        if self.ref_price <= 0:
            raise ExecutionConfigError(f"{self.first.venue}:{self.first.symbol} has no price")
        if self._clip_limit() <= 0:
            raise ExecutionConfigError(
                f"max_unhedged_notional {self.params.max_unhedged_notional} is below one order of "
                f"{self.first.venue}:{self.first.symbol} (min size {self.first_market.min_size}, "
                f"min notional {self.first_market.min_notional})")

    def _sum(self, watcher: OrderWatcher, cids: list[str]) -> Decimal:
        return sum((watcher.filled(c) for c in cids), ZERO)

    def first_net(self) -> Decimal:
        return self._sum(self.first_watch, self.first_cids) - self._sum(self.first_watch, self.unwind_cids)

    def hedge_net(self) -> Decimal:
        watch = self.hedge_watch
        return self._sum(watch, self.hedge_cids) - self._sum(watch, self.hedge_back_cids)

    def exposure(self) -> Decimal:
        """First leg ahead of the hedge (positive) or behind it (negative), in quantity; the
        bookkeeping of the worst exposure and its duration happens here."""
        value = self.first_net() - self.hedge_net()
        now = self.loop.time()
        if self.unhedged_since is not None:
            self.max_unhedged_seconds = max(self.max_unhedged_seconds, now - self.unhedged_since)
        if value == 0:
            self.unhedged_since = None
        elif self.unhedged_since is None:
            self.unhedged_since = now
        self.max_exposure_notional = max(self.max_exposure_notional, abs(value) * self.ref_price)
        return value

    def _clip_limit(self) -> Decimal:
        """Largest first-leg order that keeps exposure within the notional bound."""
        room = self.params.max_unhedged_notional / self.ref_price - abs(self.exposure())
        clip = round_size(max(room, ZERO), self.first_market.step_size)
        if not self.first.reduce_only and (clip < self.first_market.min_size
                                           or clip * self.ref_price < self.first_market.min_notional):
            return ZERO
        return clip

    def _budget_left(self, fraction: float) -> float:
        if self.unhedged_since is None:
            return self.params.max_unhedged_seconds * fraction
        return self.unhedged_since + self.params.max_unhedged_seconds * fraction - self.loop.time()

    def _note(self, message: str) -> None:
        _log.warning("%s/%s %s: %s", self.first.venue, self.hedge.venue, self.first.symbol, message)
        self.errors.append(message)

    # ---- the first leg ------------------------------------------------------------------

    async def work(self) -> None:
        try:
            if self.params.first_leg_style is FirstLegStyle.MAKER:
                await self._maker_phase()
            if self.params.first_leg_style is FirstLegStyle.TAKER or self.params.taker_fallback:
                await self._taker_phase()
        except _HedgeFailed as exc:
            self.hedge_failed = True
            self._note(f"hedge failed: {exc}")
            await self.cancel_first_leg_orders()
        except (ExchangeError, SubmissionUnknownError) as exc:
            self._note(f"first leg stopped: {exc}")
            await self.cancel_first_leg_orders()

    def _remaining(self) -> Decimal:
        return self.params.quantity - self.first_net()

    def _stopping(self) -> bool:
        return self.hedge_failed or self.owner.should_stop()

    async def _refresh_price(self) -> None:
        """Price clips at the dearer side of the book plus the taker slippage, so a clip's
        notional stays within the bound wherever it fills."""
        try:
            bbo = await self.first.client.fetch_bbo_prices(self.first.symbol)
        except ExchangeError as exc:
            self._note(f"book unavailable, keeping the last price: {exc}")
            return
        top = max((p for p in (bbo.bid, bbo.ask) if p is not None), default=None)
        if top is not None:
            self.ref_price = top * (1 + self.params.taker_slippage_bps / Decimal(10_000))

    async def _maker_phase(self) -> None:
        deadline = self.loop.time() + self.params.maker_timeout_seconds
        while self._remaining() > 0 and not self._stopping() and self.loop.time() < deadline:
            await self._refresh_price()
            clip = min(self._remaining(), self._clip_limit())
            if clip <= 0:
                await self.hedge_pending()
                if self._clip_limit() <= 0:
                    await asyncio.sleep(self.params.poll_interval_seconds)
                continue
            cid = await self._place_maker(clip)
            if cid is None:
                if self.rejections >= self.params.max_post_only_rejections:
                    self._note(f"{self.rejections} post-only rejections; giving up the maker phase")
                    return
                continue
            await self._follow_maker(cid, deadline)

    async def _place_maker(self, quantity: Decimal) -> str | None:
        """A post-only order one tick inside the touch; ``None`` if refused for crossing."""
        bbo = await self.first.client.fetch_bbo_prices(self.first.symbol)
        tick = self.first_market.tick_size
        if self.first.side is Side.BUY:
            if bbo.bid is None:
                raise InvalidOrderError(self.first.venue, "no bids to join", code="NO_LIQUIDITY")
            price = bbo.bid + tick if bbo.ask is None or bbo.ask - bbo.bid > tick else bbo.bid
        else:
            if bbo.ask is None:
                raise InvalidOrderError(self.first.venue, "no asks to join", code="NO_LIQUIDITY")
            price = bbo.ask - tick if bbo.bid is None or bbo.ask - bbo.bid > tick else bbo.ask
        try:
            placed = await self.orders.place(self.first, quantity, watcher=self.first_watch, price=price,
                                             tif=TimeInForce.POST_ONLY, position_id=self.position_id,
                                             record=self.first_cids)
        except InvalidOrderError as exc:
            if exc.code in ("TICK", "STEP", "MIN_SIZE", "MIN_NOTIONAL"):
                raise
            self.rejections += 1
            return None
        state = placed.state
        if state is not None and state.status.is_terminal and state.filled_quantity == 0:
            self.rejections += 1           # accepted, then cancelled for crossing
            return None
        return placed.client_order_id

    async def _follow_maker(self, cid: str, deadline: float) -> None:
        """Hedge fills as they come; re-price when left behind; stop at the deadline."""
        behind_since: float | None = None
        polls = 0
        while True:
            if not await self.first_watch.wait(self.params.poll_interval_seconds):
                polls += 1
                if polls % 3 == 0:
                    await self.orders.await_final(self.first, cid, self.first_watch, timeout=0)
            await self.hedge_pending()
            await self.first_watch.flush()
            state = self.first_watch.state(cid)
            if state is not None and state.status.is_terminal:
                return
            if self._stopping() or self.loop.time() >= deadline or self._remaining() <= 0:
                break
            if state is not None and state.price is not None and await self._left_behind(state.price):
                behind_since = behind_since or self.loop.time()
                if self.loop.time() - behind_since >= self.params.reprice_after_seconds:
                    break
            else:
                behind_since = None
        await self.orders.cancel(self.first, cid, self.first_watch)
        await self.hedge_pending()

    async def _left_behind(self, price: Decimal) -> bool:
        try:
            bbo = await self.first.client.fetch_bbo_prices(self.first.symbol)
        except ExchangeError:
            return False
        if self.first.side is Side.BUY:
            return bbo.bid is not None and bbo.bid > price
        return bbo.ask is not None and bbo.ask < price

    async def _taker_phase(self) -> None:
        empty = 0
        while self._remaining() > 0 and not self._stopping() and empty < 3:
            await self._refresh_price()
            clip = min(self._remaining(), self._clip_limit())
            if clip <= 0:
                await self.hedge_pending()
                if self._clip_limit() <= 0:
                    await asyncio.sleep(self.params.poll_interval_seconds)
                continue
            taken = await self.orders.take(self.first, clip, watcher=self.first_watch,
                                           slippage_bps=self.params.taker_slippage_bps,
                                           position_id=self.position_id, record=self.first_cids)
            await self.hedge_pending()
            if taken.filled > 0:
                empty = 0
                continue
            empty += 1
            self._note(f"first-leg IOC on {self.first.venue} filled nothing "
                       f"({taken.status}: {taken.reason or 'no reason given'})")
            await asyncio.sleep(self.params.poll_interval_seconds * empty)

    async def cancel_first_leg_orders(self) -> None:
        for cid in self.first_cids:
            state = self.first_watch.state(cid)
            if state is None or not state.status.is_terminal:
                try:
                    await self.orders.cancel(self.first, cid, self.first_watch)
                except ExchangeError as exc:
                    self._note(f"could not cancel first-leg order {cid}: {exc}")

    # ---- the hedge ----------------------------------------------------------------------

    async def hedge_pending(self) -> None:
        """Hedge the first leg's lead, retrying transient failures within the budget.
        Raises ``_HedgeFailed`` when the hedge is refused or the budget runs out."""
        backoff = 0.05
        refusals = 0
        while True:
            lead = self.exposure()
            quantity = round_size(lead, self.hedge_market.step_size) if lead > 0 else ZERO
            if quantity <= 0 or not self._hedgeable(quantity):
                return
            if self._budget_left(self.params.hedge_budget_fraction) <= 0:
                raise _HedgeFailed(f"{quantity} unhedged for longer than the hedge budget")
            try:
                taken = await self.orders.take(self.hedge, quantity, watcher=self.hedge_watch,
                                               slippage_bps=self.params.hedge_slippage_bps,
                                               position_id=self.position_id, record=self.hedge_cids)
            except SubmissionUnknownError as exc:
                self._note(f"hedge outcome unknown, will look it up again: {exc}")
            except ExchangeError as exc:
                if not exc.retryable:
                    # a definite refusal; re-tried on a fresh book a few times (a price band
                    # hit on a stale top of book clears), then the hedge has failed
                    refusals += 1
                    if refusals > self.params.max_hedge_refusals:
                        raise _HedgeFailed(f"hedge refused by {self.hedge.venue}: {exc}") from exc
                self._note(f"hedge attempt failed, retrying: {exc}")
            else:
                if taken.filled > 0:
                    continue
                # accepted and then cancelled with nothing done (no liquidity within the bound,
                # margin checked asynchronously): retry after a pause, within the budget
                self._note(f"hedge IOC on {self.hedge.venue} filled nothing "
                           f"({taken.status}: {taken.reason or 'no reason given'}), retrying")
            await self.refresh_unknown()
            await asyncio.sleep(min(backoff, max(self._budget_left(self.params.hedge_budget_fraction), 0)))
            backoff = min(backoff * 2, 1.0)

    def _hedgeable(self, quantity: Decimal) -> bool:
        if self.hedge.reduce_only:
            return True
        market = self.hedge_market
        return quantity >= market.min_size and quantity * self.ref_price >= market.min_notional

    async def refresh_unknown(self) -> None:
        """Look up every order of this run whose state is still unknown or not final."""
        for leg, watcher, cids in self._all_orders():
            for cid in cids:
                state = watcher.state(cid)
                if state is None or not state.status.is_terminal:
                    await self.orders.await_final(leg, cid, watcher, timeout=0)

    def _all_orders(self) -> list[tuple[LegSpec, OrderWatcher, list[str]]]:
        return [(self.first, self.first_watch, self.first_cids + self.unwind_cids),
                (self.hedge, self.hedge_watch, self.hedge_cids + self.hedge_back_cids)]

    # ---- the end ------------------------------------------------------------------------

    async def finish(self) -> None:
        """Hedge what is left, else unwind it; square sub-step residuals; settle fills."""
        await self.refresh_unknown()
        if not self.hedge_failed:
            try:
                await self.hedge_pending()
            except _HedgeFailed as exc:
                self.hedge_failed = True
                self._note(f"hedge failed: {exc}")
                await self.cancel_first_leg_orders()
        if self.hedge_failed:
            await self._unwind()
        await self._square()
        await self.refresh_unknown()
        for (leg, watcher, _cids) in self._all_orders():
            await watcher.settle_from_history(leg.symbol, self.loop.time() - self.started)
            await watcher.flush()

    async def _trade(self, leg: LegSpec, watcher: OrderWatcher, quantity: Decimal, side: Side,
                     record: list[str], slippage: Decimal) -> None:
        """A reduce-only corrective IOC; errors are noted (the caller checks the exposure)."""
        try:
            await self.orders.take(leg, quantity, watcher=watcher, slippage_bps=slippage, side=side,
                                   reduce_only=True, position_id=self.position_id, record=record)
        except (ExchangeError, SubmissionUnknownError) as exc:
            self._note(f"corrective order on {leg.venue} failed: {exc}")

    async def _unwind(self) -> None:
        """Trade the first leg's unhedged lead back within what is left of the time bound."""
        attempts = 0
        while attempts < 2 or self._budget_left(1.0) > 0:
            lead = self.exposure()
            quantity = round_size(lead, self.first_market.step_size) if lead > 0 else ZERO
            if quantity <= 0:
                return
            attempts += 1
            if self.first.reduce_only:
                # an exit whose hedge failed: restore the first leg (this order opens again)
                try:
                    await self.orders.take(self.first, quantity, watcher=self.first_watch,
                                           slippage_bps=self.params.unwind_slippage_bps,
                                           side=self.first.side.opposite, reduce_only=False,
                                           position_id=self.position_id, record=self.unwind_cids)
                except (ExchangeError, SubmissionUnknownError) as exc:
                    self._note(f"restoring the first leg failed: {exc}")
            else:
                await self._trade(self.first, self.first_watch, quantity, self.first.side.opposite,
                                  self.unwind_cids, self.params.unwind_slippage_bps)
            await asyncio.sleep(0.05 * attempts)
            if attempts >= 20:
                return

    async def _square(self) -> None:
        """Remove a residual smaller than one hedge order with reduce-only orders only: on
        entry trim the leg that is ahead, on exit advance the leg that is behind."""
        for _ in range(3):
            lead = self.exposure()
            if lead == 0:
                return
            closing = self.first.reduce_only
            if lead > 0 and not closing:
                await self._trade(self.first, self.first_watch, lead, self.first.side.opposite,
                                  self.unwind_cids, self.params.unwind_slippage_bps)
            elif lead > 0:
                step = self.hedge_market.step_size
                target = round_to_increment(lead, step, ROUND_CEILING)
                top_up = round_size(target - lead, self.first_market.step_size)
                if top_up > 0:
                    await self._trade(self.first, self.first_watch, top_up, self.first.side,
                                      self.first_cids, self.params.unwind_slippage_bps)
                await self._trade(self.hedge, self.hedge_watch, round_size(self.exposure(), step),
                                  self.hedge.side, self.hedge_cids, self.params.unwind_slippage_bps)
            elif not closing:
                await self._trade(self.hedge, self.hedge_watch, -lead, self.hedge.side.opposite,
                                  self.hedge_back_cids, self.params.unwind_slippage_bps)
            else:
                await self._trade(self.first, self.first_watch, -lead, self.first.side,
                                  self.first_cids, self.params.unwind_slippage_bps)

    def result(self) -> TwoLegResult:
        return build_result(self)
