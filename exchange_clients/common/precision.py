"""Tick/step quantisation, order validation and venue integer scaling — exact, no float.

Rounding is direction-aware and explicit:

* ``round_price(p, tick, side, passive=True)`` — a *passive* rounding never makes the order
  more aggressive than asked: a buy rounds **down**, a sell rounds **up**. ``passive=False``
  rounds toward the touch (a buy up, a sell down), for callers who must cross (an IOC hedge
  whose limit came from a slippage bound computed in the caller's favour).
* ``round_size(q, step)`` always rounds **down**: a size never exceeds what was asked, what an
  account holds, or what the other leg of a hedge holds.

``validate_order`` performs every pre-network check of the contract and raises
:class:`~exchange_clients.errors.InvalidOrderError` with a code naming the rule.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, Decimal

from exchange_clients.errors import InvalidOrderError, MarketNotFoundError
from exchange_clients.models import MarketInfo, Side

__all__ = [
    "round_price", "round_size", "round_to_increment", "is_multiple", "to_scaled_int",
    "from_scaled_int", "round_significant", "decimals_of", "validate_order",
    "validate_number", "check_min_notional",
]


def is_multiple(value: Decimal, increment: Decimal) -> bool:
    """True if ``value`` is an exact integer multiple of ``increment``."""
    if increment <= 0:
        raise ValueError("increment must be positive")
    return value % increment == 0


def round_to_increment(value: Decimal, increment: Decimal, rounding: str) -> Decimal:
    """Round ``value`` to a multiple of ``increment`` using a ``decimal`` rounding mode."""
    if increment <= 0:
        raise ValueError("increment must be positive")
    units = (value / increment).to_integral_value(rounding=rounding)
    exponent = increment.as_tuple().exponent
    if isinstance(exponent, int) and exponent < 0:
        return (units * increment).quantize(increment)
    return units * increment


def round_price(price: Decimal, tick: Decimal, side: Side, *, passive: bool = True) -> Decimal:
    """Round a limit price to ``tick``; passive = never more aggressive than ``price``."""
    buy = side is Side.BUY
    mode = ROUND_FLOOR if buy == passive else ROUND_CEILING
    return round_to_increment(price, tick, mode)


def round_size(quantity: Decimal, step: Decimal) -> Decimal:
    """Round a size *down* to ``step`` (never above the requested or held amount)."""
    return round_to_increment(quantity, step, ROUND_DOWN)


def decimals_of(increment: Decimal) -> int:
    """Number of decimal places of an increment (``0.001`` -> 3, ``10`` -> 0)."""
    exponent = increment.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(-exponent, 0)


def to_scaled_int(value: Decimal, decimals: int, *, field: str = "value", venue: str = "") -> int:
    """``value × 10^decimals`` as an int, exactly; off-grid values raise (never truncated)."""
    scaled = value.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise InvalidOrderError(venue, f"{field} {value} has more than {decimals} decimals",
                                code="PRICE_FORMAT" if field == "price" else "STEP", field=field)
    return int(scaled)


def from_scaled_int(value: int | str, decimals: int) -> Decimal:
    """Inverse of :func:`to_scaled_int`: ``int × 10^-decimals`` as an exact Decimal."""
    return Decimal(int(value)).scaleb(-decimals)


def round_significant(price: Decimal, figures: int, side: Side, *, passive: bool = True) -> Decimal:
    """Round to ``figures`` significant figures, direction-aware like :func:`round_price`."""
    if price == 0:
        return price
    exponent = price.adjusted() - figures + 1
    increment = Decimal(1).scaleb(exponent)
    return round_price(price, increment, side, passive=passive)


def validate_number(value: object, field: str, venue: str, *, allow_zero: bool = False) -> Decimal:
    """Reject non-Decimal-able, non-finite and non-positive numbers before the network."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        if isinstance(value, float):
            value = Decimal(repr(value))
        else:
            raise InvalidOrderError(venue, f"{field} must be a Decimal, got {type(value).__name__}",
                                    code="NOT_FINITE", field=field)
    try:
        number = value if isinstance(value, Decimal) else Decimal(value)
    except ArithmeticError:
        raise InvalidOrderError(venue, f"{field} {value!r} is not a number",
                                code="NOT_FINITE", field=field) from None
    if not number.is_finite():
        raise InvalidOrderError(venue, f"{field} must be finite, got {number}",
                                code="NOT_FINITE", field=field)
    if number < 0 or (number == 0 and not allow_zero):
        raise InvalidOrderError(venue, f"{field} must be positive, got {number}",
                                code="NON_POSITIVE", field=field)
    return number


def check_min_notional(market: MarketInfo, quantity: Decimal, price: Decimal) -> None:
    notional = quantity * price
    if market.min_notional and notional < market.min_notional:
        raise InvalidOrderError(
            market.venue, f"{market.symbol}: notional {notional} is below the minimum "
            f"{market.min_notional}", code="MIN_NOTIONAL", field="quantity")


def validate_order(market: MarketInfo, quantity: object, price: object | None, *,
                   reduce_only: bool = False, reference_price: Decimal | None = None
                   ) -> tuple[Decimal, Decimal | None]:
    """Check an order against the market's rules; return the parsed ``(quantity, price)``.

    * quantity: finite, positive, a multiple of ``step_size``, at least ``min_size``
    * price (limit orders): finite, positive, on ``tick_size`` (and within the
      significant-figure cap where the venue has one)
    * notional ``quantity × (price or reference_price)`` at least ``min_notional`` unless
      ``reduce_only`` (closing a position smaller than the minimum must stay possible)
    """
    venue = market.venue
    if not market.tradeable:
        raise MarketNotFoundError(venue, f"{market.symbol} is not tradeable now", code="NOT_TRADEABLE")
    qty = validate_number(quantity, "quantity", venue)
    if not is_multiple(qty, market.step_size):
        raise InvalidOrderError(venue, f"{market.symbol}: quantity {qty} is not a multiple of the "
                                f"step size {market.step_size}", code="STEP", field="quantity")
    if qty < market.min_size and not reduce_only:
        raise InvalidOrderError(venue, f"{market.symbol}: quantity {qty} is below the minimum "
                                f"size {market.min_size}", code="MIN_SIZE", field="quantity")
    px: Decimal | None = None
    if price is not None:
        px = validate_number(price, "price", venue)
        if not is_multiple(px, market.tick_size):
            raise InvalidOrderError(venue, f"{market.symbol}: price {px} is not a multiple of the "
                                    f"tick size {market.tick_size}", code="TICK", field="price")
        figures = market.max_price_significant_figures
        if figures is not None and len(px.normalize().as_tuple().digits) > figures \
                and px != px.to_integral_value():
            raise InvalidOrderError(venue, f"{market.symbol}: price {px} has more than {figures} "
                                    "significant figures", code="TICK", field="price")
    notional_price = px if px is not None else reference_price
    if notional_price is not None and not reduce_only:
        check_min_notional(market, qty, notional_price)
    return qty, px
