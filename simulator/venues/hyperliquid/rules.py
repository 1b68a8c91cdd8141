"""Hyperliquid's listing and its number rules: szDecimals, the price grid, wire formatting.

* **Sizes** are multiples of ``10^-szDecimals``; the engine step is exactly that.
* **Prices** (perps) have at most 5 significant figures — integers are always allowed — and at
  most ``6 − szDecimals`` decimals. That grid depends on the price's magnitude, which no single
  engine tick can express, so the engine tick is ``10^-(6 − szDecimals)`` (every price the venue
  accepts, at any level, is on it) and ``price_error`` applies the significant-figure rule.
  Incidentally ``tick × step = 10^-6`` for every market.
* The engine's market makers quote on their own tick grid; ``snap_quotes`` puts their ladder on
  the venue's grid (bids down, asks up), so that every price in the book — and every fill against
  it — is a price the venue could show.
* **Numbers on the wire** are decimal strings with at least one decimal digit (``"113377.0"``,
  ``"0.0"``), USD amounts to 6 decimals.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

from helpers.decimal import decimal_str
from simulator.engine.catalog import default_markets, default_prices
from simulator.engine.market import Market, MarketSpec

if TYPE_CHECKING:
    from simulator.engine.engine import Engine

__all__ = ["PRICE_DECIMALS", "MIN_ORDER_USD", "hl_markets", "sz_decimals", "price_error",
           "price_grid", "num", "usd", "rate", "snap_quotes", "INVALID_PRICE", "TICK_PRICE"]

D = Decimal
#: perps: a price has at most PRICE_DECIMALS − szDecimals decimals
PRICE_DECIMALS = 6
MAX_SIG_FIGS = 5
MIN_ORDER_USD = D(10)
INVALID_PRICE = "Order has invalid price."
TICK_PRICE = "Price must be divisible by tick size."

# symbol -> (szDecimals, max leverage) as Hyperliquid lists them
_LISTED: dict[str, tuple[int, int]] = {"BTC": (5, 40), "ETH": (4, 25), "SOL": (2, 20), "PEPE": (0, 10)}
_GENERATED_LEVERAGE = 10


def _generated_sz_decimals(price: Decimal) -> int:
    """szDecimals the venue would give a coin at ``price``: one lot is worth $0.1–$1 at most,
    and 6 − szDecimals decimals still hold 5 significant figures."""
    return max(0, min(5, math.floor(math.log10(float(price))) + 1))


def hl_markets(venue: str, count: int | None, symbols: list[str]) -> list[MarketSpec]:
    """The catalog's markets re-cut to Hyperliquid's rules (szDecimals, tick, no engine-level
    minimum notional: the $10 minimum is checked by the module, which exempts reducing orders)."""
    base = default_markets(venue, count, symbols)
    prices = default_prices(max(0, len(base)))
    out = []
    for spec in base:
        listed = _LISTED.get(spec.symbol)
        if listed is not None:
            szd, leverage = listed
        else:
            price = prices[spec.symbol].start * spec.multiplier
            szd, leverage = _generated_sz_decimals(price), _GENERATED_LEVERAGE
        step = D(1).scaleb(-szd)
        out.append(MarketSpec.model_validate({
            **spec.model_dump(), "tick_size": D(1).scaleb(-(PRICE_DECIMALS - szd)), "step_size": step,
            "min_size": step, "min_notional": D(0), "max_leverage": D(leverage),
            "initial_margin_fraction": None, "maintenance_margin_fraction": None}))
    return out


def sz_decimals(m: Market) -> int:
    """szDecimals of a market (its step is a power of ten no larger than 1)."""
    exponent = m.step.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def price_error(px: Decimal, szd: int) -> str | None:
    """None if ``px`` is a valid perp price; else the venue's error (without the asset suffix)."""
    if not px.is_finite() or px <= 0:
        return INVALID_PRICE
    normal = px.normalize()
    exponent = normal.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > PRICE_DECIMALS - szd:
        return INVALID_PRICE
    if px != px.to_integral_value() and len(normal.as_tuple().digits) > MAX_SIG_FIGS:
        return TICK_PRICE
    return None


def price_grid(px: Decimal, szd: int) -> Decimal:
    """The spacing of valid prices around ``px``: 5 significant figures, integers always valid,
    never finer than 10^-(6 − szDecimals)."""
    magnitude = px.adjusted()
    sig = D(1) if magnitude >= MAX_SIG_FIGS - 1 else D(1).scaleb(magnitude - MAX_SIG_FIGS + 1)
    return max(sig, D(1).scaleb(-(PRICE_DECIMALS - szd)))


def num(value: Decimal) -> str:
    """A wire number: plain decimal, at least one decimal digit (``"100.0"``, ``"0.0147"``)."""
    text = decimal_str(value)
    if text in ("-0", "-0.0"):
        text = "0"
    return text if "." in text else text + ".0"


_MICRO = D("0.000001")


def usd(value: Decimal) -> str:
    """A USD amount: 6 decimals at most."""
    return num(value.quantize(_MICRO, rounding=ROUND_HALF_EVEN))


def rate(value: Decimal) -> str:
    return num(value)


# -- market-maker quotes on the venue grid --------------------------------------------------------

Ladder = list[tuple[int, int, int]]


def _snap(m: Market, szd: int, ticks: int, side: int) -> int:
    """Ticks of the nearest valid price at or beyond ``ticks`` away from the spread."""
    grid = int(price_grid(m.price(ticks), szd) / m.tick) or 1
    return (ticks // grid) * grid if side > 0 else -((-ticks) // grid) * grid


def snap_ladder(m: Market, ladder: Ladder) -> Ladder:
    szd = sz_decimals(m)
    out: Ladder = []
    last: dict[int, int] = {}
    for side, ticks, lots in ladder:
        price = _snap(m, szd, ticks, side)
        prev = last.get(side)
        if prev is not None and (price - prev) * side >= 0:    # collided with the level before
            price = _snap(m, szd, prev - side, side)
        if price <= 0:
            continue
        last[side] = price
        out.append((side, price, lots))
    return out


def snap_quotes(engine: Engine) -> None:
    """Make the engine's market maker quote on Hyperliquid's price grid.

    The engine's ladder is a function of the fair price on the engine tick; wrapping it (per
    engine instance, this venue only) keeps every quoted price valid on the venue, which the
    engine has no hook for yet."""
    maker = engine.maker
    if maker is None:
        return
    ladder: Callable[[Market], Ladder] = maker.ladder
    top: Callable[[Market], tuple[int | None, int | None]] = maker.top

    def snapped_ladder(m: Market) -> Ladder:
        return snap_ladder(m, ladder(m))

    def snapped_top(m: Market) -> tuple[int | None, int | None]:
        bid, ask = top(m)
        szd = sz_decimals(m)
        snapped_bid = _snap(m, szd, bid, 1) if bid else 0
        return (snapped_bid or None), (_snap(m, szd, ask, -1) if ask else None)

    hooks: dict[str, Any] = {"ladder": snapped_ladder, "top": snapped_top}
    for name, hook in hooks.items():
        setattr(maker, name, hook)   # instance attribute shadows the method for this engine only
