"""``LighterFundingAdapter``: Lighter's funding (hourly settlement, quoted per 8 h) and market
statistics, without credentials."""

from __future__ import annotations

from exchange_clients.base_funding_adapter import BaseFundingAdapter
from exchange_clients.lighter.common import get_lighter_symbol_format, normalize_symbol
from exchange_clients.lighter.funding_adapter import fetchers
from exchange_clients.lighter.funding_adapter.funding_client import LighterPublicApi
from exchange_clients.models import FundingRateSample, MarketInfo, MarketStats
from helpers.time import utc_now
from helpers.venue_config import VenueConfig

__all__ = ["LighterFundingAdapter"]


class LighterFundingAdapter(BaseFundingAdapter):
    def __init__(self, config: VenueConfig) -> None:
        self.config = config
        self._api = LighterPublicApi(config)

    def get_exchange_name(self) -> str:
        return "lighter"

    async def _details_by_id(self) -> dict[str, dict[str, object]]:
        return {str(d["market_id"]): d for d in await self._api.perp_details()}

    async def fetch_funding_rates(self) -> dict[str, FundingRateSample]:
        details = await self._details_by_id()
        rates = await self._api.funding_rates()
        return fetchers.funding_samples(rates, details, utc_now())  # type: ignore[arg-type]

    async def fetch_market_data(self) -> dict[str, MarketStats]:
        return fetchers.market_stats(await self._details_by_id(), utc_now())  # type: ignore[arg-type]

    async def fetch_markets(self) -> dict[str, MarketInfo]:
        return await self._api.catalog.markets()

    def normalize_symbol(self, venue_symbol: str) -> str:
        return normalize_symbol(venue_symbol)

    def get_dex_symbol_format(self, symbol: str) -> str:
        market = self._api.catalog.cached_entry(symbol)
        return market.info.venue_symbol if market is not None else get_lighter_symbol_format(symbol)

    async def close(self) -> None:
        await self._api.close()
