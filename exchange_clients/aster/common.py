"""Aster symbol conventions: Binance-style ``<BASE>USDT`` (``BTCUSDT``); low-priced assets trade
as 1000-unit contracts (``1000PEPEUSDT``); stream names use the lower-case symbol."""

from __future__ import annotations

from decimal import Decimal

from exchange_clients.common.symbols import normalize, with_multiplier

__all__ = ["normalize_symbol", "get_aster_symbol_format", "QUOTE"]

QUOTE = "USDT"


def normalize_symbol(venue_symbol: str) -> str:
    return normalize(venue_symbol)[0]


def get_aster_symbol_format(symbol: str, multiplier: Decimal = Decimal(1), quote: str = QUOTE) -> str:
    return with_multiplier(symbol.upper(), multiplier, style="1000") + quote
