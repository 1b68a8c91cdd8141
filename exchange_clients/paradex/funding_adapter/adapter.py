"""``ParadexFundingAdapter``: Paradex's funding (continuous accrual, normalised with the
venue's own ``funding_rate_8h``) and market statistics, without credentials."""

from __future__ import annotations

import asyncio

from exchange_clients.base_funding_adapter import BaseFundingAdapter
from exchange_clients.common.markets import MarketEntry
from exchange_clients.models import FundingRateSample, MarketInfo, MarketStats
from exchange_clients.paradex.client.utils.caching import ParadexMarket
from exchange_clients.paradex.common import get_paradex_symbol_format, normalize_symbol
from exchange_clients.paradex.funding_adapter import fetchers
from exchange_clients.paradex.funding_adapter.funding_client import ParadexPublicApi
from helpers.time import utc_now
from helpers.venue_config import VenueConfig

__all__ = ["ParadexFundingAdapter"]


class ParadexFundingAdapter(BaseFundingAdapter):
    def __init__(self, config: VenueConfig) -> None:
        self.config = config
        self._api = ParadexPublicApi(config)

    def get_exchange_name(self) -> str:
        return "paradex"

    async def _entries(self) -> list[MarketEntry[ParadexMarket]]:
        markets = await self._api.catalog.markets()
        entries = (self._api.catalog.cached_entry(symbol) for symbol in markets)
        return [e for e in entries if e is not None and e.info.tradeable]

    async def fetch_funding_rates(self) -> dict[str, FundingRateSample]:
        entries = await self._entries()
        summaries, funding = await asyncio.gather(
            self._api.summaries(),
            self._api.funding_data(e.venue_data.venue_symbol for e in entries))
        return fetchers.funding_samples(entries, summaries, funding, utc_now())

    async def fetch_market_data(self) -> dict[str, MarketStats]:
        entries = await self._entries()
        return fetchers.market_stats(entries, await self._api.summaries(), utc_now())

    async def fetch_markets(self) -> dict[str, MarketInfo]:
        return await self._api.catalog.markets()

    def normalize_symbol(self, venue_symbol: str) -> str:
        return normalize_symbol(venue_symbol)

    def get_dex_symbol_format(self, symbol: str) -> str:
        market = self._api.catalog.cached_entry(symbol)
        return market.info.venue_symbol if market is not None else get_paradex_symbol_format(symbol)

    async def close(self) -> None:
        await self._api.close()
