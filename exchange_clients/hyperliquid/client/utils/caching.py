"""Hyperliquid-specific cached state.

The symbol ↔ market catalogue is the shared ``common.markets.MarketCatalog`` (its market id is
the *coin*, the key every Hyperliquid read and stream uses); what is Hyperliquid's own is the
data needed to build an action — the asset index and ``szDecimals`` — and the leverage this
client last set, which the venue only reports back while a position is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.errors import ExchangeError
from exchange_clients.models import LeverageInfo

__all__ = ["HyperliquidMarket", "LeverageMemory", "CoinResolver"]


@dataclass(frozen=True, slots=True)
class HyperliquidMarket:
    """``asset`` is the index in ``meta.universe`` (what actions carry); ``coin`` the name
    (what info requests and WebSocket frames carry). Sizes are multiples of
    ``10^-sz_decimals`` venue contracts of ``multiplier`` underlying units."""

    asset: int
    coin: str
    sz_decimals: int
    multiplier: Decimal = Decimal(1)


class LeverageMemory:
    """Leverage settings this client made (acknowledged by the venue), per symbol."""

    def __init__(self) -> None:
        self._by_symbol: dict[str, LeverageInfo] = {}

    def remember(self, info: LeverageInfo) -> None:
        self._by_symbol[info.symbol] = info

    def get(self, symbol: str) -> LeverageInfo | None:
        return self._by_symbol.get(symbol)



class CoinResolver:
    """Coin (as the venue names it in every read and frame) → market entry.

    A coin listed since the catalogue was loaded triggers one refresh; a coin that is still
    unknown afterwards (a spot asset such as ``@107``) is remembered and never refreshes again.
    """

    def __init__(self, catalog: MarketCatalog[HyperliquidMarket]) -> None:
        self.catalog = catalog
        self._unknown: set[str] = set()

    def cached(self, coin: str) -> MarketEntry[HyperliquidMarket] | None:
        return self.catalog.by_market_id(coin)

    async def resolve(self, coin: str) -> MarketEntry[HyperliquidMarket] | None:
        entry = self.catalog.by_market_id(coin)
        if entry is not None or coin in self._unknown:
            return entry
        try:
            await self.catalog.refresh()
        except ExchangeError:
            return None
        entry = self.catalog.by_market_id(coin)
        if entry is None:
            self._unknown.add(coin)
        return entry
