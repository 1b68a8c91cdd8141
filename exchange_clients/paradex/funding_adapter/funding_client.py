"""Public Paradex REST access shared by the funding adapter and a standalone WebSocket
manager: the market listing (the public market catalogue), summaries and funding data."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.errors import ExchangeError
from exchange_clients.paradex.client.utils.caching import ParadexMarket
from exchange_clients.paradex.client.utils.converters import perp_entries
from exchange_clients.paradex.client.utils.transport import ParadexTransport
from exchange_clients.paradex.funding_adapter.fetchers import latest_row
from helpers.time import now_ms
from helpers.unified_logger import get_logger
from helpers.venue_config import VenueConfig

__all__ = ["ParadexPublicApi", "FUNDING_CONCURRENCY"]

#: ``/funding/data`` takes one market per request; this many are in flight at once
FUNDING_CONCURRENCY = 16


class ParadexPublicApi:
    def __init__(self, config: VenueConfig) -> None:
        self.transport = ParadexTransport(config)
        self.catalog: MarketCatalog[ParadexMarket] = MarketCatalog("paradex", self._load_markets)
        self._log = get_logger("public_api", "paradex")

    async def markets(self) -> list[dict[str, Any]]:
        body = await self.transport.public("/markets")
        results = body.get("results") if isinstance(body, dict) else None
        return list(results) if isinstance(results, list) else []

    async def _load_markets(self) -> list[MarketEntry[ParadexMarket]]:
        return perp_entries(await self.markets(), now_ms())

    async def summaries(self) -> dict[str, dict[str, Any]]:
        """``/markets/summary?market=ALL`` keyed by venue symbol."""
        body = await self.transport.public("/markets/summary", {"market": "ALL"})
        results = body.get("results") if isinstance(body, dict) else None
        return {str(r["symbol"]): r for r in results or [] if isinstance(r, dict) and "symbol" in r}

    async def funding_data(self, venue_symbols: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """The newest ``/funding/data`` record per market (``None`` where the call failed:
        the caller falls back to the summary's rate)."""
        gate = asyncio.Semaphore(FUNDING_CONCURRENCY)

        async def one(symbol: str) -> tuple[str, dict[str, Any] | None]:
            async with gate:
                try:
                    body = await self.transport.public("/funding/data",
                                                       {"market": symbol, "page_size": 1})
                except ExchangeError as exc:
                    self._log.warning("%s: funding data unavailable (%s)", symbol, exc)
                    return symbol, None
            return symbol, latest_row(body.get("results") if isinstance(body, dict) else None)

        return dict(await asyncio.gather(*(one(s) for s in venue_symbols)))

    async def close(self) -> None:
        await self.transport.close()
