"""Integer units used inside the engine, and the exact conversions at its boundary.

Inside the engine every price is an ``int`` number of ticks of its market, every size an
``int`` number of lots (steps), and every amount of money an ``int`` number of *cash units*
of ``10**-CASH_DECIMALS`` USD. A trade's notional ``price_ticks * lots * unit`` is then exact,
where ``unit = tick * step / 10**-CASH_DECIMALS`` is an integer for every market (checked when
the market is created). Fees, margin fractions and funding rates are integers over fixed
scales; their products are rounded once, and whatever one side pays the other side (or the
house) receives, so money is conserved exactly. ``Decimal`` appears only at the boundary.
"""

from __future__ import annotations

from decimal import Decimal

__all__ = [
    "CASH_DECIMALS", "CASH_SCALE", "FRACTION_SCALE", "RATE_SCALE", "cash_to_decimal",
    "decimal_to_cash", "fraction_to_int", "rate_to_int", "int_to_rate", "div_round",
]

CASH_DECIMALS = 12
CASH_SCALE = 10**CASH_DECIMALS
#: fees and margin fractions: integer numerators over 10**9 (resolution 1e-9 = 0.00001 bps)
FRACTION_SCALE = 10**9
#: funding rates: integer numerators over 10**12
RATE_SCALE = 10**12


def div_round(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half away from zero (denominator > 0)."""
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return q if numerator >= 0 else -q


def cash_to_decimal(cash: int) -> Decimal:
    """Cash units to USD, exactly."""
    return Decimal(cash).scaleb(-CASH_DECIMALS)


def decimal_to_cash(amount: Decimal) -> int:
    """USD to cash units; raises ``ValueError`` when ``amount`` has more than CASH_DECIMALS digits."""
    scaled = amount.scaleb(CASH_DECIMALS)
    if not scaled.is_finite() or scaled != scaled.to_integral_value():
        raise ValueError(f"amount {amount} is not a whole number of 1e-{CASH_DECIMALS} USD")
    return int(scaled)


def _to_scaled(value: Decimal, scale: int, what: str) -> int:
    scaled = value * scale
    if not scaled.is_finite() or scaled != scaled.to_integral_value():
        raise ValueError(f"{what} {value} is finer than 1/{scale}")
    return int(scaled)


def fraction_to_int(value: Decimal, what: str = "fraction") -> int:
    """A fee or margin fraction as an integer numerator over FRACTION_SCALE (exact or error)."""
    return _to_scaled(value, FRACTION_SCALE, what)


def rate_to_int(value: Decimal) -> int:
    """A funding rate as an integer numerator over RATE_SCALE, rounded half-even."""
    return int((value * RATE_SCALE).to_integral_value())


def int_to_rate(value: int) -> Decimal:
    return Decimal(value) / RATE_SCALE
