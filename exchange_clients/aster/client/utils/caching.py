"""Aster-specific cached state: what an order needs beyond ``MarketInfo``, and leverages.

The symbol ↔ market catalogue itself is the shared ``common.markets.MarketCatalog``; what is
Aster's own is the wire metadata of each symbol (precisions, the PERCENT_PRICE band, the
contract multiplier) and the account's leverage per symbol, which Aster reports only for
symbols with a position: the client remembers what it set and what the user stream announced.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["AsterMarket", "LeverageCache"]


@dataclass(frozen=True, slots=True)
class AsterMarket:
    """One symbol as exchangeInfo publishes it, in venue units (contracts of ``multiplier``
    underlying units; prices per contract)."""

    symbol: str                      # "BTCUSDT"
    stream: str                      # "btcusdt": stream names are lower case
    multiplier: Decimal
    tick_size: Decimal
    step_size: Decimal
    price_precision: int
    quantity_precision: int
    min_qty: Decimal
    max_qty: Decimal | None = None
    market_max_qty: Decimal | None = None
    multiplier_up: Decimal | None = None     # PERCENT_PRICE: BUY price <= mark × up
    multiplier_down: Decimal | None = None   # SELL price >= mark × down


class LeverageCache:
    """Leverage per venue symbol as last set by us or pushed by ``ACCOUNT_CONFIG_UPDATE``."""

    def __init__(self) -> None:
        self._by_symbol: dict[str, Decimal] = {}

    def set(self, venue_symbol: str, leverage: Decimal) -> None:
        self._by_symbol[venue_symbol] = leverage

    def get(self, venue_symbol: str) -> Decimal | None:
        return self._by_symbol.get(venue_symbol)
