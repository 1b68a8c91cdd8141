"""Symbol normalisation shared by every venue.

The normalised symbol is the underlying asset ticker in upper case (``BTC``, ``PEPE``).
Venues decorate it: quote suffixes (``BTC-USD-PERP``, ``SOL_USDC_PERP``, ``BTCUSDT``) and
multiplier prefixes for low-priced assets (``kPEPE`` = 1000 PEPE on Hyperliquid and
Backpack, ``1000PEPE`` on Aster/Binance, ``1000000MOG``/``1MMOG``). A hedge across such
venues must convert quantities and prices by the multiplier (TRAPS.md), so
:func:`split_multiplier` returns it alongside the base.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = ["split_multiplier", "strip_quote", "normalize", "with_multiplier",
           "to_venue_quantity", "from_venue_quantity", "to_venue_price", "from_venue_price"]

_PREFIXES: tuple[tuple[str, Decimal], ...] = (
    ("1000000", Decimal(1_000_000)),
    ("1M", Decimal(1_000_000)),
    ("1000", Decimal(1000)),
    ("k", Decimal(1000)),
)
# separated quotes/contract kinds (BTC-USD-PERP, SOL_USDC_PERP, ETH/USDT, BTC-PERP) or the
# unseparated stablecoin quote of Binance-style symbols (ETHUSDT); a bare "USD" or "P" suffix
# is never stripped (XRP, LUSD-like tickers).
_QUOTE_SUFFIX = re.compile(
    r"(?:(?:[-_/](?:USDT|USDC|USD))?(?:[-_](?:PERP|SWAP))|[-_/](?:USDT|USDC|USD)|(?<=[A-Z0-9])(?:USDT|USDC))$")


def split_multiplier(symbol: str) -> tuple[str, Decimal]:
    """``"kPEPE"`` → ``("PEPE", 1000)``; ``"1000BONK"`` → ``("BONK", 1000)``; ``"BTC"`` → ``("BTC", 1)``.

    Only a *lower-case* ``k`` counts as a multiplier (``KAS`` is an asset), and a numeric
    prefix only when letters follow (``1INCH`` is an asset)."""
    for prefix, factor in _PREFIXES:
        if symbol.startswith(prefix):
            rest = symbol[len(prefix):]
            if rest[:1].isalpha() and rest[:1].isupper() and len(rest) >= 2:
                return rest, factor
    return symbol, Decimal(1)


def strip_quote(venue_symbol: str) -> str:
    """Remove quote/contract suffixes: ``BTC-USD-PERP`` / ``SOL_USDC_PERP`` / ``ETHUSDT`` → base."""
    base = _QUOTE_SUFFIX.sub("", venue_symbol)
    return base or venue_symbol


def normalize(venue_symbol: str) -> tuple[str, Decimal]:
    """Venue symbol → (normalised upper-case base, multiplier)."""
    base, factor = split_multiplier(strip_quote(venue_symbol))
    return base.upper(), factor


def with_multiplier(symbol: str, multiplier: Decimal, style: str = "k") -> str:
    """Inverse of :func:`split_multiplier` for building venue symbols (``style`` "k" or "1000")."""
    if multiplier == 1:
        return symbol
    if multiplier == 1000:
        return f"k{symbol}" if style == "k" else f"1000{symbol}"
    if multiplier == 1_000_000:
        return f"1000000{symbol}"
    raise ValueError(f"unsupported multiplier {multiplier}")


def to_venue_quantity(quantity: Decimal, multiplier: Decimal) -> Decimal:
    """Underlying units → venue contracts (5000 PEPE on kPEPE → 5)."""
    return quantity / multiplier


def from_venue_quantity(quantity: Decimal, multiplier: Decimal) -> Decimal:
    """Venue contracts → underlying units."""
    return quantity * multiplier


def to_venue_price(price: Decimal, multiplier: Decimal) -> Decimal:
    """Price per underlying unit → price per venue contract."""
    return price * multiplier


def from_venue_price(price: Decimal, multiplier: Decimal) -> Decimal:
    """Price per venue contract → price per underlying unit."""
    return price / multiplier
