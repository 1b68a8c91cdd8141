"""``AsterFundingAdapter``: Aster's funding (per-symbol interval: 8, 4 or 1 h) and market
statistics, without credentials."""

from __future__ import annotations

import asyncio

from exchange_clients.aster.client.utils.caching import AsterMarket
from exchange_clients.aster.client.utils.converters import funding_intervals
from exchange_clients.aster.common import get_aster_symbol_format, normalize_symbol
from exchange_clients.aster.funding_adapter import fetchers
from exchange_clients.aster.funding_adapter.funding_client import AsterPublicApi
from exchange_clients.base_funding_adapter import BaseFundingAdapter
from exchange_clients.common.markets import MarketEntry
from exchange_clients.models import FundingRateSample, MarketInfo, MarketStats
from helpers.time import utc_now
from helpers.venue_config import VenueConfig

__all__ = ["AsterFundingAdapter"]


class AsterFundingAdapter(BaseFundingAdapter):
    def __init__(self, config: VenueConfig) -> None:
        self.config = config
        self._api = AsterPublicApi(config)

    def get_exchange_name(self) -> str:
        return "aster"

    async def _entries(self) -> dict[str, MarketEntry[AsterMarket]]:
        """Listed perpetuals by venue symbol."""
        out: dict[str, MarketEntry[AsterMarket]] = {}
        for market in (await self._api.catalog.markets()).values():
            entry = self._api.catalog.cached_entry(market.symbol)
            if entry is not None:
                out[market.venue_symbol] = entry
        return out

    async def fetch_funding_rates(self) -> dict[str, FundingRateSample]:
        entries, premium, info = await asyncio.gather(self._entries(), self._api.premium_index(),
                                                      self._api.funding_info())
        # the interval is read fresh with the rates: Aster may change a symbol's interval
        return fetchers.funding_samples(premium, funding_intervals(info), entries,
                                        utc_now())

    async def fetch_market_data(self) -> dict[str, MarketStats]:
        entries = await self._entries()
        premium, tickers, oi = await asyncio.gather(
            self._api.premium_index(), self._api.tickers_24h(),
            self._api.open_interest(sorted(entries)))
        return fetchers.market_stats(premium, tickers, oi, entries, utc_now())

    async def fetch_markets(self) -> dict[str, MarketInfo]:
        return await self._api.catalog.markets()

    def normalize_symbol(self, venue_symbol: str) -> str:
        return normalize_symbol(venue_symbol)

    def get_dex_symbol_format(self, symbol: str) -> str:
        entry = self._api.catalog.cached_entry(symbol)
        return entry.info.venue_symbol if entry is not None else get_aster_symbol_format(symbol)

    async def close(self) -> None:
        await self._api.close()
