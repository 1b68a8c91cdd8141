"""Public Lighter REST access shared by the funding adapter and a standalone WebSocket
manager: market details (the public market catalogue) and funding rates."""

from __future__ import annotations

from typing import Any

from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.lighter.client.utils.caching import LighterMarket
from exchange_clients.lighter.client.utils.converters import market_entry
from exchange_clients.lighter.client.utils.transport import LighterTransport
from helpers.venue_config import VenueConfig

__all__ = ["LighterPublicApi", "public_catalog"]


class LighterPublicApi:
    def __init__(self, config: VenueConfig) -> None:
        self.transport = LighterTransport(config)
        self.catalog: MarketCatalog[LighterMarket] = MarketCatalog("lighter", self._load_markets)

    async def perp_details(self) -> list[dict[str, Any]]:
        body = await self.transport.call("orderBookDetails", self.transport.order.order_book_details,
                                         filter="perp")
        return list(body.get("order_book_details") or [])

    async def _load_markets(self) -> list[MarketEntry[LighterMarket]]:
        return [market_entry(detail) for detail in await self.perp_details()]

    async def funding_rates(self) -> dict[str, Any]:
        return await self.transport.call("funding-rates", self.transport.funding.funding_rates)

    async def close(self) -> None:
        await self.transport.close()


def public_catalog(config: VenueConfig) -> LighterPublicApi:
    return LighterPublicApi(config)
