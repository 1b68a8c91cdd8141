"""Paradex symbol conventions: perpetuals are ``<BASE>-USD-PERP`` (``BTC-USD-PERP``); low-priced
assets trade as 1000-unit contracts with a ``k`` prefix (``kPEPE-USD-PERP``, 1 contract = 1000
PEPE)."""

from __future__ import annotations

from decimal import Decimal

from exchange_clients.common.symbols import normalize, with_multiplier

__all__ = ["normalize_symbol", "get_paradex_symbol_format", "PERP_SUFFIX"]

PERP_SUFFIX = "-USD-PERP"


def normalize_symbol(venue_symbol: str) -> str:
    """``"kPEPE-USD-PERP"`` → ``"PEPE"``; ``"BTC-USD-PERP"`` → ``"BTC"``."""
    return normalize(venue_symbol)[0]


def get_paradex_symbol_format(symbol: str, multiplier: Decimal = Decimal(1)) -> str:
    """``"BTC"`` → ``"BTC-USD-PERP"``; ``("PEPE", 1000)`` → ``"kPEPE-USD-PERP"``."""
    return f"{with_multiplier(symbol.upper(), multiplier, style='k')}{PERP_SUFFIX}"
