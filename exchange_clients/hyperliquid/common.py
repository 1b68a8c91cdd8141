"""Hyperliquid symbol conventions: perps are named by their coin (``BTC``, ``ETH``);
low-priced assets trade as 1000-unit contracts with a lower-case ``k`` (``kPEPE``)."""

from __future__ import annotations

from decimal import Decimal

from exchange_clients.common.symbols import normalize, with_multiplier

__all__ = ["normalize_symbol", "get_hyperliquid_symbol_format"]


def normalize_symbol(venue_symbol: str) -> str:
    return normalize(venue_symbol)[0]


def get_hyperliquid_symbol_format(symbol: str, multiplier: Decimal = Decimal(1)) -> str:
    return with_multiplier(symbol.upper(), multiplier, style="k")
