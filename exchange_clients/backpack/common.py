"""Backpack symbol conventions: perpetuals are ``<BASE>_USDC_PERP``; low-priced assets trade
as 1000-token contracts with a lower-case ``k`` (``kPEPE_USDC_PERP`` = 1000 PEPE per unit).
The ``k`` is part of the venue symbol and is never upper-cased (``KPEPE`` is refused)."""

from __future__ import annotations

from decimal import Decimal

from exchange_clients.common.symbols import normalize, with_multiplier

__all__ = ["normalize_symbol", "get_backpack_symbol_format", "split_symbol", "QUOTE", "PERP_SUFFIX"]

QUOTE = "USDC"
PERP_SUFFIX = f"_{QUOTE}_PERP"


def split_symbol(venue_symbol: str) -> tuple[str, Decimal]:
    """``"kPEPE_USDC_PERP"`` → ``("PEPE", 1000)``; ``"BTC_USDC_PERP"`` → ``("BTC", 1)``."""
    return normalize(venue_symbol)


def normalize_symbol(venue_symbol: str) -> str:
    return split_symbol(venue_symbol)[0]


def get_backpack_symbol_format(symbol: str, multiplier: Decimal = Decimal(1)) -> str:
    """Normalised symbol (and its multiplier) → the venue symbol (``PEPE``, 1000 → ``kPEPE_USDC_PERP``)."""
    return f"{with_multiplier(symbol.upper(), multiplier, style='k')}{PERP_SUFFIX}"
