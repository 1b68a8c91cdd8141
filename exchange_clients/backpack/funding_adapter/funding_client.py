"""Public Backpack REST access shared by the funding adapter and a standalone WebSocket
manager: the perp listing (the public market catalogue), mark prices with the current
funding estimate, 24h tickers and open interest. No credentials."""

from __future__ import annotations

from typing import Any

from exchange_clients.backpack.client.utils.caching import (
    DEFAULT_MAKER_FEE,
    DEFAULT_TAKER_FEE,
    BackpackMarket,
)
from exchange_clients.backpack.client.utils.converters import market_entry
from exchange_clients.backpack.client.utils.transport import BackpackTransport
from exchange_clients.common.markets import MarketCatalog, MarketEntry
from helpers.venue_config import VenueConfig

__all__ = ["BackpackPublicApi", "perp_entries"]


def perp_entries(markets: Any, maker_fee: Any = DEFAULT_MAKER_FEE,
                 taker_fee: Any = DEFAULT_TAKER_FEE) -> list[MarketEntry[BackpackMarket]]:
    """``/api/v1/markets`` → one entry per perpetual. Should a multiplier market and a plain
    one share an underlying, the plain one keeps the normalised symbol."""
    entries: dict[str, MarketEntry[BackpackMarket]] = {}
    for raw in markets if isinstance(markets, list) else []:
        entry = market_entry(raw, maker_fee, taker_fee)
        if entry is None:
            continue
        known = entries.get(entry.info.symbol)
        if known is None or known.info.multiplier > entry.info.multiplier:
            entries[entry.info.symbol] = entry
    return list(entries.values())


class BackpackPublicApi:
    def __init__(self, config: VenueConfig) -> None:
        self.transport = BackpackTransport(config)
        self.catalog: MarketCatalog[BackpackMarket] = MarketCatalog("backpack", self._load_markets)

    async def markets(self) -> list[dict[str, Any]]:
        body = await self.transport.public("/api/v1/markets", {"marketType": "PERP"})
        return list(body) if isinstance(body, list) else []

    async def _load_markets(self) -> list[MarketEntry[BackpackMarket]]:
        return perp_entries(await self.markets())

    async def mark_prices(self) -> list[dict[str, Any]]:
        body = await self.transport.public("/api/v1/markPrices")
        return list(body) if isinstance(body, list) else []

    async def tickers(self) -> list[dict[str, Any]]:
        body = await self.transport.public("/api/v1/tickers", {"interval": "1d"})
        return list(body) if isinstance(body, list) else []

    async def open_interest(self) -> list[dict[str, Any]]:
        body = await self.transport.public("/api/v1/openInterest")
        return list(body) if isinstance(body, list) else []

    async def close(self) -> None:
        await self.transport.close()
