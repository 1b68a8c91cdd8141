"""Entering and exiting funding-arbitrage positions (used by the strategy and reconciliation).

Write-ahead throughout: the position row (status ``opening``/``closing``) is committed before
the first order, every order before it is sent (the executor's journal), every fill as it
arrives. A position's status only moves on what the venues report afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from database.models import LegStatus, PositionStatus, StrategyPosition
from exchange_clients.common.precision import round_size
from exchange_clients.errors import ExchangeError
from exchange_clients.models import Side
from strategies.execution import (
    ExecutionOutcome,
    FirstLegStyle,
    LegSpec,
    OrderWatcher,
    SubmissionUnknownError,
    TwoLegParams,
    TwoLegResult,
)
from strategies.funding_arbitrage.monitor import ExitDecision, PositionView
from strategies.funding_arbitrage.scanner import Candidate
from strategies.funding_arbitrage.sizing import SizingInputs, SizingResult, depth_within, size_position
from strategies.funding_arbitrage.store import LEG_LONG, LEG_SHORT, PositionKey

if TYPE_CHECKING:
    from strategies.funding_arbitrage.strategy import FundingArbStrategy

__all__ = ["Trader", "ClosedPosition"]

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class ClosedPosition:
    """What one position earned, from the venues' own fills and funding payments."""

    position_id: str
    symbol: str
    long_venue: str
    short_venue: str
    quantity: Decimal
    long_entry: Decimal | None
    short_entry: Decimal | None
    funding_long: Decimal
    funding_short: Decimal
    fees: Decimal
    price_pnl: Decimal
    net_pnl: Decimal
    exit_reason: str
    worst_unhedged_notional: Decimal
    worst_unhedged_seconds: float

    @property
    def funding(self) -> Decimal:
        return self.funding_long + self.funding_short


class Trader:
    def __init__(self, strategy: FundingArbStrategy) -> None:
        self.s = strategy
        self.config = strategy.config

    # ---- legs ---------------------------------------------------------------------------

    def leg(self, venue: str, symbol: str, side: Side, *, closing: bool = False) -> LegSpec:
        return LegSpec(self.s.clients[venue], self.s.accounts[venue], symbol, side, reduce_only=closing)

    def params(self, quantity: Decimal, style: FirstLegStyle, *, emergency: bool = False) -> TwoLegParams:
        e, limits = self.config.execution, self.config.limits
        taker = e.emergency_slippage_bps if emergency else e.taker_slippage_bps
        return TwoLegParams(
            quantity=quantity, max_unhedged_notional=limits.max_unhedged_notional_usd,
            max_unhedged_seconds=limits.max_unhedged_seconds, first_leg_style=style,
            hedge_slippage_bps=e.emergency_slippage_bps if emergency else e.hedge_slippage_bps,
            taker_slippage_bps=taker, unwind_slippage_bps=e.unwind_slippage_bps,
            reprice_after_seconds=e.reprice_after_seconds, maker_timeout_seconds=e.maker_timeout_seconds,
            taker_fallback=e.taker_fallback, poll_interval_seconds=e.poll_interval_seconds)

    def first_is_long(self, candidate: Candidate) -> bool:
        choice = self.config.entry.first_leg
        if choice != "auto":
            return choice == "long"
        # make where making instead of taking saves the most
        saving_long = candidate.long_market.taker_fee - candidate.long_market.maker_fee
        saving_short = candidate.short_market.taker_fee - candidate.short_market.maker_fee
        return saving_long >= saving_short

    # ---- entry --------------------------------------------------------------------------

    async def size(self, candidate: Candidate, used_notional: Decimal) -> SizingResult:
        opp, limits = candidate.opportunity, self.config.limits
        long_client, short_client = self.s.clients[opp.long.venue], self.s.clients[opp.short.venue]
        slippage = self.config.entry.depth_slippage_bps
        assert candidate.long_book.best_ask is not None and candidate.short_book.best_bid is not None
        return size_position(SizingInputs(
            long_market=candidate.long_market, short_market=candidate.short_market,
            long_price=candidate.long_book.best_ask.price, short_price=candidate.short_book.best_bid.price,
            long_available=await long_client.get_account_balance(),
            short_available=await short_client.get_account_balance(),
            leverage=limits.max_leverage, position_cap=limits.position_notional_usd,
            total_cap_left=limits.total_notional_usd - used_notional, margin_usage=limits.margin_usage,
            long_depth=depth_within(candidate.long_book, True, slippage),
            short_depth=depth_within(candidate.short_book, False, slippage)))

    async def enter(self, candidate: Candidate, sizing: SizingResult) -> TwoLegResult | None:
        opp = candidate.opportunity
        key = PositionKey(opp.symbol, opp.long.venue, opp.short.venue)
        first_long = self.first_is_long(candidate)
        position = await self.s.store.open_position(
            key, sizing.quantity, entry_spread=opp.spread_8h, run_id=self.s.run_id,
            extra={"accounts": {v: self.s.accounts[v] for v in (key.long_venue, key.short_venue)},
                   "first": "long" if first_long else "short", "target": sizing.quantity,
                   "opened_clock": self.s.clock(), "net_apr": opp.net_apr, "binding": sizing.binding,
                   "below_threshold_checks": 0})
        try:
            await self._set_leverage(key)
        except ExchangeError as exc:
            await self.s.store.set_status(position.id, PositionStatus.FAILED, f"leverage: {exc}")
            await self.s.alert("entry refused", f"{opp.direction} {opp.symbol}: {exc}", "warning")
            return None
        long_leg = self.leg(key.long_venue, key.symbol, Side.BUY)
        short_leg = self.leg(key.short_venue, key.symbol, Side.SELL)
        first, hedge = (long_leg, short_leg) if first_long else (short_leg, long_leg)
        result = await self.s.two_leg.execute(first, hedge, self.params(sizing.quantity, FirstLegStyle.MAKER),
                                              position_id=position.id)
        self.s.record_result(position.id, result)
        await self.after_entry(await self.s.store.get(position.id), result)
        return result

    async def _set_leverage(self, key: PositionKey) -> None:
        for venue in (key.long_venue, key.short_venue):
            client = self.s.clients[venue]
            market = await client.get_contract_attributes(key.symbol)
            await client.set_leverage(key.symbol, min(self.config.limits.max_leverage, market.max_leverage))

    async def after_entry(self, position: StrategyPosition, result: TwoLegResult) -> None:
        store, hedged = self.s.store, result.hedged_quantity
        if not result.balanced:
            await self.s.alert("entry left an imbalance", f"{position.symbol}: residual {result.residual} "
                               f"({result.outcome}); reconciling", "critical")
            await self.s.reconciler.reconcile_position(position)
            return
        if hedged == 0:
            await store.set_status(position.id, PositionStatus.FAILED, f"entry {result.outcome.value}")
            if result.outcome is ExecutionOutcome.UNWOUND:
                await self.s.alert("hedge failed, entry unwound", f"{position.symbol}: "
                                   f"{'; '.join(result.errors[-2:])}", "warning")
            return
        long_first = position.extra.get("first") == "long"
        first_px, hedge_px = result.first.average_price, result.hedge.average_price
        prices = (first_px, hedge_px) if long_first else (hedge_px, first_px)
        await store.set_legs(position.id, hedged, hedged, prices, status=LegStatus.OPEN)
        await store.set_status(position.id, PositionStatus.OPEN)
        await self.s.alert("position opened", f"{position.symbol} long {position.legs[LEG_LONG].venue} / "
                           f"short {position.legs[LEG_SHORT].venue}: {hedged} ({result.outcome.value})")
        notional = hedged * (first_px or ZERO)
        if notional < self.config.limits.min_position_notional_usd:
            await self.exit(await store.get(position.id), None, reason="entry too small")

    # ---- exit ---------------------------------------------------------------------------

    async def exit(self, position: StrategyPosition, decision: ExitDecision | None, *,
                   reason: str | None = None, view: PositionView | None = None) -> bool:
        """Take both legs off; returns whether the position ended flat (and closed)."""
        why = decision.reason.value if decision is not None else (reason or "exit")
        emergency = decision is not None and decision.emergency
        if position.status != PositionStatus.CLOSING.value:
            await self.s.store.set_status(position.id, PositionStatus.CLOSING, why)
            await self.s.store.update_extra(position.id, {"exit_reason": why})
        long_venue, short_venue = position.legs[LEG_LONG].venue, position.legs[LEG_SHORT].venue
        long_qty = (await self.s.clients[long_venue].get_position_snapshot(position.symbol)).quantity
        short_qty = (await self.s.clients[short_venue].get_position_snapshot(position.symbol)).quantity
        if long_qty != -short_qty:
            await self.s.reconciler.square(position, long_qty, short_qty, opening=False)
            long_qty = (await self.s.clients[long_venue].get_position_snapshot(position.symbol)).quantity
            short_qty = (await self.s.clients[short_venue].get_position_snapshot(position.symbol)).quantity
        quantity = min(abs(long_qty), abs(short_qty))
        if quantity > 0:
            long_leg = self.leg(long_venue, position.symbol, Side.SELL, closing=True)
            short_leg = self.leg(short_venue, position.symbol, Side.BUY, closing=True)
            first, hedge = self._exit_order(position, long_leg, short_leg, view if emergency else None)
            style = FirstLegStyle.TAKER if emergency else FirstLegStyle.MAKER
            params = self.params(quantity, style, emergency=emergency)
            result = await self.s.two_leg.execute(first, hedge, params, position_id=position.id)
            self.s.record_result(position.id, result)
            if not result.ok:
                self.s.note(f"exit of {position.symbol}: {result.outcome.value}, "
                            f"{result.hedged_quantity:f} of {quantity:f} closed; "
                            f"{'; '.join(result.errors[-3:]) or 'no error'}")
            if not result.balanced:
                await self.s.alert("exit left an imbalance", f"{position.symbol}: residual {result.residual}",
                                   "critical")
                await self.s.reconciler.reconcile_position(await self.s.store.get(position.id),
                                                           resume_exit=False)
                return False
        return await self.finish_exit(await self.s.store.get(position.id), why)

    def _exit_order(self, position: StrategyPosition, long_leg: LegSpec, short_leg: LegSpec,
                    view: PositionView | None) -> tuple[LegSpec, LegSpec]:
        if view is not None:     # emergency: the leg nearest liquidation goes first
            dl, ds = view.long.liquidation_distance, view.short.liquidation_distance
            long_first = ds is None or (dl is not None and dl <= ds)
        else:
            long_first = position.extra.get("first") == "long"
        return (long_leg, short_leg) if long_first else (short_leg, long_leg)

    async def finish_exit(self, position: StrategyPosition, reason: str) -> bool:
        """Close the position if both legs are flat, else put it back to open."""
        view = await self.s.view(position, closing=True)
        if not view.flat:
            if view.long.quantity == -view.short.quantity and position.status == PositionStatus.CLOSING.value:
                await self.s.store.set_legs(position.id, view.long.quantity, view.short.quantity)
                await self.s.store.set_status(position.id, PositionStatus.OPEN, f"exit incomplete: {reason}")
                await self.s.alert("exit incomplete", f"{position.symbol}: still {view.long.quantity} "
                                   "per leg; will retry", "warning")
            return False
        await self.s.store.sync_totals(position, {LEG_LONG: view.long.funding, LEG_SHORT: view.short.funding},
                                       {LEG_LONG: view.long.fees, LEG_SHORT: view.short.fees})
        closed = await self.s.store.close(
            position.id, net_pnl=view.net_pnl, exit_spread=view.current_spread_8h, reason=reason,
            extra={"closed_clock": self.s.clock(), "funding": view.funding, "fees": view.fees,
                   "price_pnl": view.price_pnl})
        summary = self._summary(closed, view, reason)
        self.s.closed.append(summary)
        await self.s.alert("position closed", f"{closed.symbol}: net {summary.net_pnl:.4f} USD (funding "
                           f"{summary.funding:.4f}, fees {summary.fees:.4f}, price {summary.price_pnl:.4f}); "
                           f"{reason}")
        return True

    def _summary(self, position: StrategyPosition, view: PositionView, reason: str) -> ClosedPosition:
        legs = {leg.leg_index: leg for leg in position.legs}
        worst_notional, worst_seconds = self.s.worst_unhedged(position.id)
        return ClosedPosition(
            position_id=position.id, symbol=position.symbol, long_venue=legs[LEG_LONG].venue,
            short_venue=legs[LEG_SHORT].venue, quantity=Decimal(position.extra.get("target", ZERO)),
            long_entry=legs[LEG_LONG].entry_price, short_entry=legs[LEG_SHORT].entry_price,
            funding_long=view.long.funding, funding_short=view.short.funding, fees=view.fees,
            price_pnl=view.price_pnl, net_pnl=view.net_pnl, exit_reason=reason,
            worst_unhedged_notional=worst_notional, worst_unhedged_seconds=worst_seconds)

    # ---- single-leg corrections ---------------------------------------------------------

    async def correct(self, position: StrategyPosition, venue: str, side: Side, quantity: Decimal, *,
                      reduce_only: bool) -> Decimal:
        """One IOC on one leg (completing a hedge or trimming a leg); returns the filled size."""
        client = self.s.clients[venue]
        market = await client.get_contract_attributes(position.symbol)
        quantity = round_size(quantity, market.step_size)
        if quantity <= 0:
            return ZERO
        leg = self.leg(venue, position.symbol, side, closing=reduce_only)
        slippage = self.config.execution.unwind_slippage_bps
        async with OrderWatcher(client, leg.account, self.s.journal) as watcher:
            try:
                taken = await self.s.orders.take(leg, quantity, watcher=watcher, slippage_bps=slippage,
                                                 reduce_only=reduce_only, position_id=position.id)
            except (ExchangeError, SubmissionUnknownError) as exc:
                self.s.note(f"correction on {venue} failed: {exc}")
                return ZERO
            await watcher.settle_from_history(position.symbol, 120)
            await watcher.flush()
        return taken.filled
