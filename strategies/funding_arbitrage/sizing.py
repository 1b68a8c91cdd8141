"""Position sizing: the largest quantity both venues accept, both accounts can margin, the
caps allow and the books can absorb within the slippage limit.

Quantities are in units of the normalised underlying on every venue (the clients convert
``kPEPE``/``1000PEPE`` contracts), so a multiplier market is just a market whose step is
1000 units; the common step of the two legs is the least common multiple of their steps.
Everything rounds *down* (TRAPS.md: a size never exceeds what the account or the other leg
can hold).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from exchange_clients.common.precision import decimals_of, round_size
from exchange_clients.models import MarketInfo, OrderBookSnapshot

__all__ = ["common_step", "depth_within", "SizingInputs", "SizingResult", "size_position"]

ZERO = Decimal(0)


def common_step(a: Decimal, b: Decimal) -> Decimal:
    """Least common multiple of two decimal increments (``0.001`` and ``0.00001`` → ``0.001``;
    ``0.3`` and ``0.2`` → ``0.6``)."""
    if a <= 0 or b <= 0:
        raise ValueError("steps must be positive")
    exponent = max(decimals_of(a), decimals_of(b))
    ia, ib = int(a.scaleb(exponent)), int(b.scaleb(exponent))
    return Decimal(math.lcm(ia, ib)).scaleb(-exponent)


def depth_within(book: OrderBookSnapshot, buy: bool, slippage_bps: Decimal) -> Decimal:
    """Quantity available to a taker who buys (asks) or sells (bids) no further than
    ``slippage_bps`` from the touch."""
    levels = book.asks if buy else book.bids
    if not levels:
        return ZERO
    factor = slippage_bps / Decimal(10_000)
    touch = levels[0].price
    limit = touch * (1 + factor) if buy else touch * (1 - factor)
    return sum((lvl.size for lvl in levels if (lvl.price <= limit if buy else lvl.price >= limit)), ZERO)


@dataclass(frozen=True, slots=True)
class SizingInputs:
    long_market: MarketInfo
    short_market: MarketInfo
    long_price: Decimal                  # price the long leg trades at (its ask)
    short_price: Decimal                 # price the short leg trades at (its bid)
    long_available: Decimal              # available collateral of each account (USD)
    short_available: Decimal
    leverage: Decimal                    # leverage both legs run at
    position_cap: Decimal                # USD notional per leg of one position
    total_cap_left: Decimal              # USD notional per leg left under the total cap
    margin_usage: Decimal = Decimal("0.9")   # share of available collateral a position may use
    long_depth: Decimal | None = None    # quantity within the slippage limit (None: unchecked)
    short_depth: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SizingResult:
    quantity: Decimal
    step: Decimal
    binding: str                                           # the constraint that decided
    limits: dict[str, Decimal] = field(default_factory=dict)  # each constraint, in quantity
    reason: str | None = None                              # why the size is zero

    @property
    def ok(self) -> bool:
        return self.quantity > 0


def size_position(inputs: SizingInputs) -> SizingResult:
    """The largest common-step quantity within every limit, or zero with the reason."""
    long_m, short_m = inputs.long_market, inputs.short_market
    step = common_step(long_m.step_size, short_m.step_size)
    price = max(inputs.long_price, inputs.short_price)      # the dearer leg caps the notional
    if price <= 0:
        return SizingResult(ZERO, step, "price", reason="no price")
    leverage = min(inputs.leverage, long_m.max_leverage, short_m.max_leverage)
    limits = {
        "position_cap": inputs.position_cap / price,
        "total_cap": max(inputs.total_cap_left, ZERO) / price,
        "long_margin": inputs.long_available * inputs.margin_usage * leverage / inputs.long_price,
        "short_margin": inputs.short_available * inputs.margin_usage * leverage / inputs.short_price,
    }
    if inputs.long_depth is not None:
        limits["long_depth"] = inputs.long_depth
    if inputs.short_depth is not None:
        limits["short_depth"] = inputs.short_depth
    binding = min(limits, key=lambda k: limits[k])
    quantity = round_size(max(limits[binding], ZERO), step)
    minimum = max(long_m.min_size, short_m.min_size)
    if quantity < minimum:
        return SizingResult(ZERO, step, binding, limits,
                            reason=f"{binding} allows {quantity:f}, below the minimum size {minimum:f}")
    for market, leg_price in ((long_m, inputs.long_price), (short_m, inputs.short_price)):
        if quantity * leg_price < market.min_notional:
            return SizingResult(ZERO, step, binding, limits,
                                reason=f"{quantity:f} is below {market.venue}'s minimum notional "
                                       f"{market.min_notional:f}")
    return SizingResult(quantity, step, binding, limits)
