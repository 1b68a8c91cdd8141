"""Public Aster REST access shared by the funding adapter and a standalone WebSocket manager:
the market catalogue (exchangeInfo + fundingInfo), funding, tickers and open interest.

exchangeInfo is fetched once per catalogue lifetime (Aster rate-limits it aggressively), and
its ``rateLimits`` set the transport's windows."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from exchange_clients.aster.client.utils.caching import AsterMarket
from exchange_clients.aster.client.utils.converters import funding_intervals, market_entries
from exchange_clients.aster.client.utils.transport import AsterTransport
from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.errors import ExchangeError
from helpers.unified_logger import get_logger
from helpers.venue_config import VenueConfig

__all__ = ["AsterPublicApi", "load_catalog_entries"]

VENUE = "aster"
#: concurrent openInterest requests (one per symbol; weight 1 each)
_OI_CONCURRENCY = 8


async def load_catalog_entries(transport: AsterTransport,
                               leverages: dict[str, Decimal] | None = None
                               ) -> list[MarketEntry[AsterMarket]]:
    """exchangeInfo + fundingInfo → catalogue entries; applies ``rateLimits`` to ``transport``."""
    info, funding = await asyncio.gather(transport.public("exchangeInfo"),
                                         transport.public("fundingInfo"))
    if not isinstance(info, dict):
        raise ExchangeError(VENUE, "exchangeInfo answer is not an object", code="BAD_INFO")
    transport.apply_rate_limits(info.get("rateLimits"))
    return market_entries(info.get("symbols") or [], intervals=funding_intervals(funding),
                          leverages=leverages)


class AsterPublicApi:
    def __init__(self, config: VenueConfig) -> None:
        self.transport = AsterTransport(config)
        self.catalog: MarketCatalog[AsterMarket] = MarketCatalog(VENUE, self._load_markets)
        self._log = get_logger("public_api", VENUE)

    async def _load_markets(self) -> list[MarketEntry[AsterMarket]]:
        return await load_catalog_entries(self.transport)

    async def premium_index(self) -> list[dict[str, Any]]:
        body = await self.transport.public("premiumIndex")
        return body if isinstance(body, list) else [body] if isinstance(body, dict) else []

    async def funding_info(self) -> Any:
        return await self.transport.public("fundingInfo")

    async def tickers_24h(self) -> list[dict[str, Any]]:
        body = await self.transport.public("ticker/24hr")
        return body if isinstance(body, list) else [body] if isinstance(body, dict) else []

    async def open_interest(self, venue_symbols: list[str]) -> dict[str, Decimal]:
        """``openInterest`` (contracts) per symbol; a symbol that fails is left out."""
        semaphore = asyncio.Semaphore(_OI_CONCURRENCY)

        async def one(symbol: str) -> tuple[str, Decimal | None]:
            async with semaphore:
                try:
                    body = await self.transport.public("openInterest", {"symbol": symbol})
                except ExchangeError as exc:
                    self._log.warning("openInterest %s failed: %s", symbol, exc)
                    return symbol, None
            value = body.get("openInterest") if isinstance(body, dict) else None
            return symbol, Decimal(str(value)) if value not in (None, "") else None

        results = await asyncio.gather(*(one(s) for s in venue_symbols))
        return {s: v for s, v in results if v is not None}

    async def close(self) -> None:
        await self.transport.close()
