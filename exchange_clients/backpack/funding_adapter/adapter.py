"""``BackpackFundingAdapter``: Backpack's funding (per ``fundingInterval``, hourly today) and
market statistics, without credentials."""

from __future__ import annotations

from exchange_clients.backpack.common import get_backpack_symbol_format, normalize_symbol, split_symbol
from exchange_clients.backpack.funding_adapter import fetchers
from exchange_clients.backpack.funding_adapter.funding_client import BackpackPublicApi
from exchange_clients.base_funding_adapter import BaseFundingAdapter
from exchange_clients.models import FundingRateSample, MarketInfo, MarketStats
from helpers.time import utc_now
from helpers.venue_config import VenueConfig

__all__ = ["BackpackFundingAdapter"]


class BackpackFundingAdapter(BaseFundingAdapter):
    def __init__(self, config: VenueConfig) -> None:
        self.config = config
        self._api = BackpackPublicApi(config)

    def get_exchange_name(self) -> str:
        return "backpack"

    async def _entries(self) -> fetchers.Entries:
        out: fetchers.Entries = {}
        for symbol in await self._api.catalog.markets():
            entry = self._api.catalog.cached_entry(symbol)
            if entry is not None:
                out[entry.info.venue_symbol] = entry
        return out

    async def fetch_funding_rates(self) -> dict[str, FundingRateSample]:
        entries = await self._entries()
        return fetchers.funding_samples(await self._api.mark_prices(), entries, utc_now())

    async def fetch_market_data(self) -> dict[str, MarketStats]:
        entries = await self._entries()
        return fetchers.market_stats(entries, await self._api.mark_prices(),
                                     await self._api.tickers(), await self._api.open_interest(),
                                     utc_now())

    async def fetch_markets(self) -> dict[str, MarketInfo]:
        """The perps with tier-1 fees (2 / 5 bps): an account's own fees need credentials."""
        return await self._api.catalog.markets()

    def normalize_symbol(self, venue_symbol: str) -> str:
        return normalize_symbol(venue_symbol)

    def get_dex_symbol_format(self, symbol: str) -> str:
        entry = self._api.catalog.cached_entry(symbol.upper()) or self._api.catalog.cached_entry(symbol)
        if entry is not None:
            return entry.info.venue_symbol
        base, multiplier = split_symbol(symbol)  # "kPEPE" → ("PEPE", 1000)
        return get_backpack_symbol_format(base, multiplier)

    async def close(self) -> None:
        await self._api.close()
