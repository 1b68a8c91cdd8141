"""Building the two-leg result from what the venues said — the one place a result is made.

Quantities come from the newest order states (cumulative filled quantity, never summed from
possibly-missed events); prices and fees from the fills (feed + trade history, each trade
once). When the fills seen do not cover an order's filled quantity, its own average fill
price fills the gap so the average price stays right.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from exchange_clients.models import Fill, Side
from helpers.time import utc_now
from strategies.execution.models import (
    ZERO,
    ExecutionOutcome,
    LegReport,
    TwoLegResult,
    UnwindReport,
)
from strategies.execution.watcher import OrderWatcher

if TYPE_CHECKING:
    from strategies.execution.two_leg import _TwoLegRun

__all__ = ["build_result", "vwap"]


def vwap(watcher: OrderWatcher, cids: list[str]) -> tuple[Decimal, Decimal | None, Decimal, list[Fill]]:
    """(filled quantity, average price, fees, fills) of ``cids``."""
    filled = ZERO
    cost = ZERO
    fees = ZERO
    fills: list[Fill] = []
    for cid in cids:
        state = watcher.state(cid)
        if state is None or state.filled_quantity == 0:
            continue
        own = watcher.fills([cid])
        fills.extend(own)
        seen = sum((f.quantity for f in own), ZERO)
        cost += sum((f.price * f.quantity for f in own), ZERO)
        fees += sum((f.fee for f in own), ZERO)
        missing = state.filled_quantity - seen
        if missing > 0 and state.average_fill_price is not None:
            cost += missing * state.average_fill_price
        filled += state.filled_quantity
    average = cost / filled if filled > 0 else None
    return filled, average, fees, sorted(fills, key=lambda f: (f.timestamp, f.trade_id))


def _leg(venue: str, symbol: str, side: Side, watcher: OrderWatcher, cids: list[str]) -> LegReport:
    filled, average, fees, fills = vwap(watcher, cids)
    return LegReport(venue=venue, symbol=symbol, side=side, filled=filled, average_price=average,
                     fees=fees, client_order_ids=tuple(cids), fills=tuple(fills))


def build_result(run: _TwoLegRun) -> TwoLegResult:
    first = _leg(run.first.venue, run.first.symbol, run.first.side, run.first_watch, run.first_cids)
    hedge_fwd = _leg(run.hedge.venue, run.hedge.symbol, run.hedge.side, run.hedge_watch, run.hedge_cids)
    back_qty, _back_px, back_fees, back_fills = vwap(run.hedge_watch, run.hedge_back_cids)
    hedge = LegReport(venue=hedge_fwd.venue, symbol=hedge_fwd.symbol, side=hedge_fwd.side,
                      filled=hedge_fwd.filled - back_qty, average_price=hedge_fwd.average_price,
                      fees=hedge_fwd.fees + back_fees,
                      client_order_ids=hedge_fwd.client_order_ids + tuple(run.hedge_back_cids),
                      fills=hedge_fwd.fills + tuple(back_fills))
    unwind = _unwind_report(run, first)
    unwound = unwind.quantity if unwind is not None else ZERO
    residual = first.filled - unwound - hedge.filled
    return TwoLegResult(
        outcome=_outcome(run, first.filled - unwound, hedge.filled, residual),
        target=run.params.quantity, first=first, hedge=hedge, hedged_quantity=hedge.filled,
        residual=residual, unwind=unwind, max_unhedged_notional=run.max_exposure_notional,
        max_unhedged_seconds=run.max_unhedged_seconds, post_only_rejections=run.rejections,
        errors=tuple(run.errors), started_at=run.started_at, finished_at=utc_now(),
        markets=(run.first_market, run.hedge_market))


def _unwind_report(run: _TwoLegRun, first: LegReport) -> UnwindReport | None:
    if not run.unwind_cids:
        return None
    quantity, average, fees, _fills = vwap(run.first_watch, run.unwind_cids)
    cost = fees
    if quantity > 0 and average is not None and first.average_price is not None and first.filled > 0:
        # bought at the first leg's average and sold back at the unwind's (or the reverse)
        cost += (first.average_price - average) * quantity * first.side.sign
        cost += first.fees * quantity / first.filled
    return UnwindReport(quantity=quantity, average_price=average, fees=fees, cost=cost,
                        complete=first.filled - quantity - run.hedge_net() == 0)


def _outcome(run: _TwoLegRun, first_net: Decimal, hedge_net: Decimal,
             residual: Decimal) -> ExecutionOutcome:
    if residual != 0:
        return ExecutionOutcome.IMBALANCED
    if run.hedge_failed:
        return ExecutionOutcome.UNWOUND
    if first_net == 0 and hedge_net == 0:
        return ExecutionOutcome.NOT_FILLED
    if hedge_net >= run.params.quantity:
        return ExecutionOutcome.FILLED
    return ExecutionOutcome.PARTIAL
