"""``HyperliquidFundingAdapter``: Hyperliquid's funding (hourly, quoted hourly) and market
statistics, without credentials — one ``metaAndAssetCtxs`` request serves both."""

from __future__ import annotations

from exchange_clients.base_funding_adapter import BaseFundingAdapter
from exchange_clients.hyperliquid.common import get_hyperliquid_symbol_format, normalize_symbol
from exchange_clients.hyperliquid.funding_adapter import fetchers
from exchange_clients.hyperliquid.funding_adapter.funding_client import HyperliquidPublicApi
from exchange_clients.models import FundingRateSample, MarketInfo, MarketStats
from helpers.time import utc_now
from helpers.venue_config import VenueConfig

__all__ = ["HyperliquidFundingAdapter"]


class HyperliquidFundingAdapter(BaseFundingAdapter):
    def __init__(self, config: VenueConfig) -> None:
        self.config = config
        self._api = HyperliquidPublicApi(config)

    def get_exchange_name(self) -> str:
        return "hyperliquid"

    async def fetch_funding_rates(self) -> dict[str, FundingRateSample]:
        meta, ctxs = await self._api.meta_and_ctxs()
        return fetchers.funding_samples(meta, ctxs, utc_now())

    async def fetch_market_data(self) -> dict[str, MarketStats]:
        meta, ctxs = await self._api.meta_and_ctxs()
        return fetchers.market_stats(meta, ctxs, utc_now())

    async def fetch_markets(self) -> dict[str, MarketInfo]:
        """Rules and base-tier fees (maker 0.015 %, taker 0.045 %) per normalised symbol."""
        return await self._api.catalog.markets()

    def normalize_symbol(self, venue_symbol: str) -> str:
        return normalize_symbol(venue_symbol)

    def get_dex_symbol_format(self, symbol: str) -> str:
        market = self._api.catalog.cached_entry(symbol)
        return market.info.venue_symbol if market is not None else get_hyperliquid_symbol_format(symbol)

    async def close(self) -> None:
        await self._api.close()
