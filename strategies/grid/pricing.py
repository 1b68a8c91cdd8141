"""Pure pricing and rule arithmetic of the grid (no I/O, unit-tested on its own).

Rounding is direction-aware through ``exchange_clients.common.precision``: an open price is
rounded *passively* for its side (a buy down, a sell up), so it never becomes more aggressive
than the touch it was derived from; a take-profit is rounded passively for the **closing**
side — a long's take-profit (a sell) rounds up, a short's (a buy) rounds down — so it never
takes less profit than configured. Venues with a significant-figure cap (Hyperliquid) get
the same passive rounding at that precision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from exchange_clients.common.precision import round_price, round_significant, round_size
from exchange_clients.models import BBO, MarketInfo, Side

__all__ = ["Lot", "RuleDecision", "open_price", "take_profit_price", "too_close", "is_stale",
           "evaluate_rules", "order_quantity", "reference_price", "split_lots", "basis_of",
           "passive_price"]

HUNDRED = Decimal(100)
BPS = Decimal(10_000)
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Lot:
    """Filled open quantity not yet covered by a take-profit, at its open price."""

    quantity: Decimal
    price: Decimal


def passive_price(raw: Decimal, market: MarketInfo, side: Side) -> Decimal:
    """``raw`` on the market's price grid, never more aggressive than ``raw`` for ``side``."""
    price = round_price(raw, market.tick_size, side, passive=True)
    figures = market.max_price_significant_figures
    if figures is not None and price != price.to_integral_value():
        price = round_significant(price, figures, side, passive=True)
    return price


def reference_price(bbo: BBO) -> Decimal | None:
    """The price the rules are checked against: the mid, or the one side there is."""
    return bbo.mid if bbo.mid is not None else (bbo.bid if bbo.bid is not None else bbo.ask)


def open_price(side: Side, bbo: BBO, market: MarketInfo, offset_ticks: int) -> Decimal | None:
    """A post-only price ``offset_ticks`` inside the opposite touch (a buy below the ask), or
    the own touch when the opposite side is empty; ``None`` when the book is empty."""
    tick = market.tick_size
    if side is Side.BUY:
        raw = bbo.ask - tick * offset_ticks if bbo.ask is not None else bbo.bid
    else:
        raw = bbo.bid + tick * offset_ticks if bbo.bid is not None else bbo.ask
    if raw is None or raw <= 0:
        return None
    price = passive_price(raw, market, side)
    return price if price > 0 else None


def take_profit_price(open_side: Side, basis: Decimal, pct: Decimal, market: MarketInfo) -> Decimal:
    """The close price ``pct`` percent beyond ``basis`` in the grid's favour."""
    factor = pct / HUNDRED
    raw = basis * (1 + factor) if open_side is Side.BUY else basis * (1 - factor)
    return max(passive_price(raw, market, open_side.opposite), market.tick_size)


def too_close(price: Decimal, closes: Iterable[Decimal], step_pct: Decimal) -> Decimal | None:
    """The nearest existing close price if ``price`` is within ``step_pct`` percent of it."""
    nearest = min(closes, key=lambda c: abs(c - price), default=None)
    if nearest is None or step_pct <= 0:
        return None
    return nearest if abs(price - nearest) * HUNDRED < step_pct * nearest else None


def is_stale(side: Side, price: Decimal, target: Decimal, reprice_bps: Decimal) -> bool:
    """Whether a resting open order has been left behind: the price it would be placed at now
    is more than ``reprice_bps`` better for the market than where it rests. An order the market
    moved *towards* is never stale (it is about to fill)."""
    gap = target - price if side is Side.BUY else price - target
    return gap > 0 and gap * BPS > reprice_bps * price


def order_quantity(market: MarketInfo, price: Decimal, size: Decimal | None,
                   notional: Decimal | None) -> Decimal:
    """The open order's size, rounded down to the step (zero when below the venue's minimums)."""
    raw = size if size is not None else (notional or ZERO) / price
    quantity = round_size(raw, market.step_size)
    if quantity < market.min_size or quantity <= 0 or quantity * price < market.min_notional:
        return ZERO
    return quantity


def basis_of(lots: Iterable[Lot]) -> Decimal | None:
    """Quantity-weighted open price of ``lots``."""
    lots = list(lots)
    total = sum((lot.quantity for lot in lots), ZERO)
    if total <= 0:
        return None
    return sum((lot.quantity * lot.price for lot in lots), ZERO) / total


def split_lots(lots: list[Lot], quantity: Decimal) -> tuple[list[Lot], list[Lot]]:
    """Take ``quantity`` from ``lots`` oldest first: (taken, left)."""
    taken: list[Lot] = []
    left: list[Lot] = []
    need = quantity
    for lot in lots:
        if need <= 0:
            left.append(lot)
        elif lot.quantity <= need:
            taken.append(lot)
            need -= lot.quantity
        else:
            taken.append(Lot(need, lot.price))
            left.append(Lot(lot.quantity - need, lot.price))
            need = ZERO
    return taken, left


@dataclass(frozen=True, slots=True)
class RuleDecision:
    halt: str | None          # why everything is closed and the grid halts
    paused: bool              # no new opens


def evaluate_rules(*, open_side: Side, price: Decimal, entry_price: Decimal | None,
                   position: Decimal, stop_price: Decimal | None, pause_price: Decimal | None,
                   stop_loss_pct: Decimal | None) -> RuleDecision:
    """Stop price, stop-loss and pause, in that order. ``position`` is the size held in the
    grid's direction (≥ 0)."""
    long = open_side is Side.BUY
    if stop_price is not None and (price <= stop_price if long else price >= stop_price):
        return RuleDecision(f"stop price {stop_price} reached (price {price})", True)
    if stop_loss_pct is not None and position > 0 and entry_price:
        loss_pct = (entry_price - price if long else price - entry_price) * HUNDRED / entry_price
        if loss_pct >= stop_loss_pct:
            return RuleDecision(f"stop-loss: price {price} is {loss_pct:.3f} % against the entry "
                                f"{entry_price}", True)
    paused = pause_price is not None and (price >= pause_price if long else price <= pause_price)
    return RuleDecision(None, paused)
